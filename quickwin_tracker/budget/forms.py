"""Forms of the budget section; several share the page, so each has a prefix (``section.py``).

Amounts are text fields (``inputmode=numeric``): people type "Rp 1.500.000" or "1,5 juta", and the
service (``services.parse_rupiah``) reads them and puts any refusal next to the field. Field checks
here are lengths only; the rules live in ``services.py`` and ``outcomes/evidence.py``."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import StringField, TextAreaField, URLField
from wtforms.validators import InputRequired, Length, Optional

from ..domain.links import LINK_MAX
from ..outcomes.evidence import ACCEPT
from ..web.forms import BaseForm, DateField
from .services import CODE_MAX, NOTE_MAX, REASON_MAX

AMOUNT_ATTRS = {"inputmode": "numeric", "autocomplete": "off", "maxlength": 40,
                "placeholder": "Rp 1.500.000"}


class BudgetForm(BaseForm):
    planned = StringField(_l("Planned budget (APBD)"), validators=[Length(max=40)],
                          render_kw=AMOUNT_ATTRS)
    program_code = StringField(_l("Programme / activity code"),
                               validators=[Optional(), Length(max=CODE_MAX)],
                               render_kw={"maxlength": CODE_MAX,
                                          "placeholder": "1.02.02.2.01.0001"})


class SpendingForm(BaseForm):
    amount = StringField(_l("Amount spent"), validators=[Length(max=40)], render_kw=AMOUNT_ATTRS)
    spent_on = DateField(_l("Spent on"), validators=[InputRequired()])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=NOTE_MAX)],
                         render_kw={"rows": 2, "maxlength": NOTE_MAX})
    link = URLField(_l("Link"), validators=[Optional(), Length(max=LINK_MAX)],
                    render_kw={"maxlength": LINK_MAX, "placeholder": "https://"})
    evidence = FileField(_l("Evidence file"), render_kw={"accept": ACCEPT})


class WithdrawSpendingForm(BaseForm):
    reason = TextAreaField(_l("Reason for withdrawing it"),
                           validators=[Optional(), Length(max=REASON_MAX)],
                           render_kw={"required": True, "rows": 2, "maxlength": REASON_MAX})
