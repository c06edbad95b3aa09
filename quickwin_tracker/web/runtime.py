"""How a serving process runs Python: the settings ``wsgi.py`` applies to every web worker.

The garbage collector. A board request allocates some fifteen thousand objects that hold others
(rows, cards, lists); with Python's default threshold of 700 new objects between collections, a
request paid for twenty-odd young collections and, every few requests, a full one over the whole
app (modules, templates, the ORM's registries: a hundred thousand objects), which set the board's
95th percentile at twice its median. So, once the app is built:

- ``gc.freeze()`` moves everything alive into a permanent generation that collections skip (it
  lives as long as the worker anyway; Python's documentation suggests it for pre-fork servers);
- the young-generation threshold goes to 10,000: a few collections per request instead of twenty,
  for at most some megabytes of cyclic garbage waiting a little longer.

Measured with ``make bench`` (which applies the same settings, see ``benchmarks/scenarios.py``) at
1,000 initiatives: the board's median about 5 % lower, its 95th percentile from about 100 ms to
the median's level.
"""

from __future__ import annotations

import gc

GEN0_THRESHOLD = 10_000


def tune_gc() -> None:
    """Freeze what is alive now and raise the young-generation threshold (see above)."""
    gc.collect()
    gc.freeze()
    _gen0, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(GEN0_THRESHOLD, gen1, gen2)
