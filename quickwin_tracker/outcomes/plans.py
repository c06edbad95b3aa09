"""Editing an indicator's trajectory (issue 14, item 4): its planned value at the end of each
month or quarter (``IndicatorPlan`` rows), or the straight line (no rows). The path itself, and
what it means before, between and after the points, is ``lifecycle.trajectory``.

Who may: whoever may edit the indicator (``permissions.can_edit``), not on an archived
initiative. Each function checks, changes, records one Activity (none when nothing changed) and
flushes; the caller commits.

- :func:`save_plan` stores the values the editor sent, one per period end. A plan whose every
  value is on the straight line (as the editor prefills it) is stored as no plan at all, so the
  editor sent back unchanged changes nothing. Sent with another period (month ↔ quarter), the
  sent path is read at the new period ends and stored there (its shape is kept).
- :func:`reset_plan` deletes the rows: the straight line again.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, datetime

from flask_babel import lazy_gettext as _l

from ..domain import activity
from ..domain.clock import local_date, utcnow
from ..domain.errors import Invalid
from ..extensions import db
from ..lifecycle.trajectory import (
    MAX_PERIODS,
    PERIODS,
    Trajectory,
    on_straight_line,
    period_ends,
    trajectory,
)
from ..models import Indicator, IndicatorPlan, User
from .services import _check_can_change, _number

log = logging.getLogger(__name__)

PLAN_LIMIT = 1e12  # beyond any indicator a city measures; refused rather than stored


def start_of(indicator: Indicator) -> date:
    """Where every path of the indicator starts: the city's date of the initiative's creation."""
    return local_date(indicator.initiative.created_at)


def due_of(indicator: Indicator) -> date | None:
    """Where the straight line ends: the indicator's target date, else the initiative's."""
    return indicator.target_date or indicator.initiative.target_date


def path_of(indicator: Indicator) -> Trajectory | None:
    """The indicator's planned path, from its stored plan (``indicator.plan``)."""
    return trajectory(indicator.baseline, indicator.target, indicator.direction,
                      start_of(indicator), due_of(indicator),
                      [(row.period_end, row.planned) for row in indicator.plan])


def straight_path_of(indicator: Indicator) -> Trajectory | None:
    return trajectory(indicator.baseline, indicator.target, indicator.direction,
                      start_of(indicator), due_of(indicator))


def editor_ends(indicator: Indicator, period: str | None = None) -> list[date]:
    """The period ends the editor shows (for ``period``, else the indicator's own)."""
    due = due_of(indicator)
    if due is None:
        return []
    return period_ends(start_of(indicator), due, period or indicator.plan_period)


def cannot_plan(indicator: Indicator) -> str | None:
    """Why no plan can be edited for ``indicator`` (None: it can)."""
    if indicator.baseline is None or indicator.target is None:
        return str(_l("Give the indicator a baseline and a target first: the plan runs from one "
                      "to the other."))
    if due_of(indicator) is None:
        return str(_l("Give the indicator (or the initiative) a target date first: the plan "
                      "runs up to it."))
    if not editor_ends(indicator):
        return str(_l("The target date is not after the initiative's start: there is no period "
                      "to plan."))
    return None


def _clean_points(indicator: Indicator, period: str, ends: Sequence[date | None],
                  values: Sequence[float | None]) -> list[tuple[date, float]]:
    if period not in PERIODS:
        raise Invalid(_l("Choose months or quarters."), "plan_period")
    reason = cannot_plan(indicator)
    if reason is not None:
        raise Invalid(reason)
    if len(ends) != len(values) or not ends or any(d is None for d in ends):
        raise Invalid(_l("The plan changed meanwhile; check the periods and save again."))
    points = []
    for day, value in zip(ends, values, strict=True):
        number = _number(value, "values", required=True)
        if number is None or abs(number) > PLAN_LIMIT:
            raise Invalid(_l("Enter a number, e.g. 12.5."), "values")
        points.append((day, number))
    return sorted(points)


def save_plan(actor: User, indicator: Indicator, period: str, ends: Sequence[date | None],
              values: Sequence[float | None], now: datetime | None = None) -> bool:
    """Store the plan the editor sent (``values`` at ``ends``, the rows it showed) in ``period``;
    whether anything changed (see the module docstring)."""
    now = now or utcnow()
    initiative = indicator.initiative
    _check_can_change(actor, initiative)
    points = _clean_points(indicator, period, ends, values)
    straight = straight_path_of(indicator)
    assert straight is not None  # (cannot_plan said so)
    if period != indicator.plan_period:
        sent = trajectory(straight.baseline, straight.target, straight.direction, straight.start,
                          straight.due, points)
        assert sent is not None
        new_ends = editor_ends(indicator, period)
        if len(new_ends) > MAX_PERIODS:
            raise Invalid(_l("That is more than %(max)d periods: plan by quarter.",
                             max=MAX_PERIODS), "plan_period")
        points = [(day, sent.value_on(day)) for day in new_ends]
    if all(on_straight_line(straight, day, value) for day, value in points):
        points = []
    stored = {row.period_end: row for row in indicator.plan}
    wanted = dict(points)
    if period == indicator.plan_period and {d: r.planned for d, r in stored.items()} == wanted:
        return False
    indicator.plan_period = period
    for day, value in wanted.items():
        row = stored.get(day)
        if row is None:
            indicator.plan.append(IndicatorPlan(period_end=day, planned=value))
        elif row.planned != value:
            row.planned = value
    for day, row in stored.items():
        if day not in wanted:
            indicator.plan.remove(row)
    db.session.flush()
    activity.record(actor, "indicator_plan_saved", initiative, now=now,
                    indicator_id=indicator.id, name=indicator.name, period=period,
                    points=[[d.isoformat(), v] for d, v in points])
    log.info("%s saved the plan of indicator %s (%d points, %s)", actor.email, indicator.id,
             len(points), period)
    return True


def reset_plan(actor: User, indicator: Indicator, now: datetime | None = None) -> bool:
    """Back to the straight line: delete the stored plan; whether there was one."""
    now = now or utcnow()
    initiative = indicator.initiative
    _check_can_change(actor, initiative)
    if not indicator.plan:
        return False
    indicator.plan.clear()
    db.session.flush()
    activity.record(actor, "indicator_plan_reset", initiative, now=now,
                    indicator_id=indicator.id, name=indicator.name)
    log.info("%s reset the plan of indicator %s to the straight line", actor.email, indicator.id)
    return True
