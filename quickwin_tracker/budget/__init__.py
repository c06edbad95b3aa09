"""Budget and realisation (issue 14 item 6; optional per deployment, ``QUICKWIN_BUDGET``): an
initiative's planned APBD budget and programme code, spending recorded over time with evidence
(``services.py``), the initiative page's section (``section.py``, ``views.py``: the blueprint,
registered as ``budget.views``, so that the summary can import ``summary.py`` without the web
layer), absorption beside outcome achievement on the summary (``summary.py``) and in the stocktake
pack (``pack.py``)."""
