"""How the activity trail tells outcome changes: one sentence per verb (indicators added, edited
and deleted; measurements recorded, verified, returned, corrected and withdrawn), registered with
``domain.activity`` when the package is imported."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from ..domain import activity
from ..domain.activity import trail_date
from ..domain.texts import number
from ..models import Activity, MeasurementStatus
from .services import DIRECTION_LABELS, STATUS_LABELS

FIELD_LABELS = {
    "name": _l("name"),
    "unit_of_measure": _l("unit of measure"),
    "baseline": _l("baseline"),
    "target": _l("target"),
    "direction": _l("direction"),
    "target_date": _l("target date"),
}
MEASUREMENT_FIELD_LABELS = {
    "value": _l("value"),
    "measured_on": _l("date measured"),
    "note": _l("note"),
}

def _quantity(value: Any, unit: str | None) -> str:
    return f"{number(value)} {unit}".strip() if unit else number(value)


def _field_value(field: str, value: Any) -> str:
    if field in ("baseline", "target"):
        return number(value)
    if field == "direction":
        return str(DIRECTION_LABELS.get(value, value))
    if field == "target_date":
        return trail_date(value)
    return value or "—"


@activity.describer("indicator_added")
def _indicator_added(entry: Activity) -> str:
    return _("added the outcome indicator “%(name)s”", name=(entry.data or {}).get("name", "?"))


@activity.describer("indicator_updated")
def _indicator_updated(entry: Activity) -> str:
    data = entry.data or {}
    parts = [
        _("%(field)s: %(old)s → %(new)s", field=str(FIELD_LABELS.get(field, field)),
          old=_field_value(field, old), new=_field_value(field, new))
        for field, (old, new) in (data.get("changes") or {}).items()
    ]
    return _("edited the outcome indicator “%(name)s”: %(changes)s",
             name=data.get("name", "?"), changes="; ".join(parts))


@activity.describer("indicator_deleted")
def _indicator_deleted(entry: Activity) -> str:
    data = entry.data or {}
    count = int(data.get("measurements") or 0)
    if not count:
        return _("deleted the outcome indicator “%(name)s”", name=data.get("name", "?"))
    text = ngettext("deleted the outcome indicator “%(name)s” and its %(num)d measurement",
                    "deleted the outcome indicator “%(name)s” and its %(num)d measurements",
                    count, name=data.get("name", "?"))
    files = int(data.get("evidence_files") or 0)
    if files:
        text += " " + ngettext("(and %(num)d evidence file)", "(and %(num)d evidence files)",
                               files)
    return text


def _measured(data: dict[str, Any]) -> dict[str, str]:
    return {"value": _quantity(data.get("value"), data.get("unit")),
            "indicator": data.get("indicator", "?"), "date": trail_date(data.get("measured_on"))}


@activity.describer("measurement_recorded")
def _measurement_recorded(entry: Activity) -> str:
    return _("recorded %(value)s for “%(indicator)s” (measured %(date)s)",
             **_measured(entry.data or {}))


@activity.describer("measurement_verified")
def _measurement_verified(entry: Activity) -> str:
    return _("verified %(value)s for “%(indicator)s” (measured %(date)s)",
             **_measured(entry.data or {}))


def _measurement_change(field: str, value: Any, unit: str | None) -> str:
    if field == "value":
        return _quantity(value, unit)
    if field == "measured_on":
        return trail_date(value)
    return value or "—"


def _was(data: dict[str, Any]) -> str:
    """For a correction that sent a reviewed measurement back to "submitted": saying so."""
    previous = data.get("previous_status")
    if previous in (MeasurementStatus.VERIFIED.value, MeasurementStatus.RETURNED.value):
        return _("it was %(status)s and awaits verification again",
                 status=str(STATUS_LABELS.get(previous, previous)))
    return ""


@activity.describer("measurement_corrected")
def _measurement_corrected(entry: Activity) -> str:
    data = entry.data or {}
    parts = [
        _("%(field)s: %(old)s → %(new)s", field=str(MEASUREMENT_FIELD_LABELS.get(field, field)),
          old=_measurement_change(field, old, data.get("unit")),
          new=_measurement_change(field, new, data.get("unit")))
        for field, (old, new) in (data.get("changes") or {}).items()
    ]
    text = _("corrected a measurement of “%(indicator)s” (%(changes)s). Reason: %(reason)s",
             indicator=data.get("indicator", "?"), changes="; ".join(parts),
             reason=data.get("reason", ""))
    again = _was(data)
    return f"{text} ({again})" if again else text


@activity.describer("measurement_withdrawn")
def _measurement_withdrawn(entry: Activity) -> str:
    data = entry.data or {}
    previous = data.get("previous_status")
    return _("withdrew %(value)s for “%(indicator)s” (measured %(date)s, %(status)s). Reason: "
             "%(reason)s", reason=data.get("reason", ""),
             status=str(STATUS_LABELS.get(previous, previous or "?")), **_measured(data))


@activity.describer("measurement_returned")
def _measurement_returned(entry: Activity) -> str:
    data = entry.data or {}
    return _("returned %(value)s for “%(indicator)s” (measured %(date)s): %(reason)s",
             reason=data.get("reason", ""), **_measured(data))


PLAN_PERIOD_WORDS = {"month": _l("by month"), "quarter": _l("by quarter")}


@activity.describer("indicator_plan_saved")
def _indicator_plan_saved(entry: Activity) -> str:
    data = entry.data or {}
    points = data.get("points") or []
    if not points:
        return _("set the plan of “%(name)s” to the straight line from the baseline to the "
                 "target (%(period)s)", name=data.get("name", "?"),
                 period=str(PLAN_PERIOD_WORDS.get(data.get("period"), data.get("period", ""))))
    planned = ", ".join(f"{trail_date(day)}: {number(value)}" for day, value in points)
    return _("planned “%(name)s” %(period)s: %(points)s", name=data.get("name", "?"),
             period=str(PLAN_PERIOD_WORDS.get(data.get("period"), data.get("period", ""))),
             points=planned)


@activity.describer("indicator_plan_reset")
def _indicator_plan_reset(entry: Activity) -> str:
    return _("reset the plan of “%(name)s” to the straight line from the baseline to the target",
             name=(entry.data or {}).get("name", "?"))
