"""Forms of the outcomes section. Several are on one page, so each gets a prefix (see views.py).

Field checks only; the domain rules (direction vs baseline → target, no future dates, http(s)
links, evidence type and size, a reason to return, correct or withdraw) live in ``services.py``
and ``evidence.py``. The one exception is a target equal to the baseline, refused here too so the
message is next to the field before anything else is checked.
"""

from __future__ import annotations

import math
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    Field,
    FieldList,
    HiddenField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import InputRequired, Length, Optional, ValidationError
from wtforms.widgets import NumberInput

from ..models import Direction, PlanPeriod
from ..web.forms import BaseForm, DateField
from .evidence import ACCEPT


class NumberField(Field):
    """A decimal number. Browsers send ``12.5`` from ``<input type=number>``; ``12,5`` typed
    elsewhere is accepted too. NaN and infinities are refused."""

    widget = NumberInput(step="any")

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        text = repr(float(self.data))
        return text[:-2] if text.endswith(".0") else text

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = None
        if not valuelist or not valuelist[0].strip():
            return
        raw = valuelist[0].strip().replace(" ", "").replace("\u00a0", "")
        if "," in raw and "." not in raw:
            raw = raw.replace(",", ".")
        try:
            number = float(raw)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            raise ValueError(_("Enter a number, e.g. 12.5."))
        self.data = number


DIRECTION_CHOICES = [
    SelectChoice(Direction.HIGHER.value, _l("Higher is better")),
    SelectChoice(Direction.LOWER.value, _l("Lower is better")),
]


class IndicatorForm(BaseForm):
    name = StringField(_l("Indicator"), validators=[InputRequired(), Length(max=200)],
                       description=_l("What citizens feel, e.g. “waiting time at the counter”."))
    unit_of_measure = StringField(_l("Unit of measure"), validators=[Optional(), Length(max=40)],
                                  description=_l("e.g. minutes, %, complaints per month"))
    baseline = NumberField(_l("Baseline"), validators=[Optional()])
    target = NumberField(_l("Target"), validators=[Optional()])
    direction = SelectField(_l("Direction"), choices=DIRECTION_CHOICES,
                            default=Direction.HIGHER.value, validators=[InputRequired()])
    target_date = DateField(_l("Target date"), validators=[Optional()])

    def validate_target(self, field: Field) -> None:
        if field.data is not None and self.baseline.data is not None \
                and field.data == self.baseline.data:
            raise ValidationError(_("The target must differ from the baseline: progress is "
                                    "measured from one to the other."))


PLAN_PERIOD_CHOICES = [
    SelectChoice(PlanPeriod.QUARTER.value, _l("Quarters")),
    SelectChoice(PlanPeriod.MONTH.value, _l("Months")),
]


class PlanForm(BaseForm):
    """An indicator's trajectory: one planned value per period end (``ends``, the dates the
    editor showed, ISO, comma-separated; ``values`` in the same order). Another ``plan_period``
    than the stored one re-plans the sent path by that period (``outcomes.plans``)."""

    plan_period = SelectField(_l("Plan by"), choices=PLAN_PERIOD_CHOICES,
                              default=PlanPeriod.QUARTER.value, validators=[InputRequired()])
    ends = HiddenField()
    values = FieldList(NumberField(_l("Planned value"), validators=[InputRequired()]))

    def end_dates(self) -> list[date | None]:
        """``ends`` as dates (None for anything that is not one)."""
        days: list[date | None] = []
        for text in (self.ends.data or "").split(","):
            try:
                days.append(date.fromisoformat(text.strip()))
            except ValueError:
                days.append(None)
        return days


class MeasurementForm(BaseForm):
    value = NumberField(_l("Value"), validators=[InputRequired()])
    measured_on = DateField(_l("Measured on"), validators=[InputRequired()])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])
    link = URLField(_l("Link"), validators=[Optional(), Length(max=500)],
                    description=_l("A web page with the data, if any (http:// or https://)."))
    evidence = FileField(_l("Evidence file"), render_kw={"accept": ACCEPT})


class ReturnForm(BaseForm):
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=1000)],
                           render_kw={"required": True, "rows": 2})


class CorrectionForm(BaseForm):
    """Correct a recorded measurement: its value, date and note, and why (required: the service
    says so next to the field)."""

    value = NumberField(_l("Value"), validators=[InputRequired()])
    measured_on = DateField(_l("Measured on"), validators=[InputRequired()])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)],
                         render_kw={"rows": 2})
    reason = TextAreaField(_l("Reason for the correction"),
                           validators=[Optional(), Length(max=1000)],
                           render_kw={"required": True, "rows": 2})


class WithdrawForm(BaseForm):
    reason = TextAreaField(_l("Reason for withdrawing it"),
                           validators=[Optional(), Length(max=1000)],
                           render_kw={"required": True, "rows": 2})
