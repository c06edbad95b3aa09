"""What the outcomes section of an initiative page shows: indicators with their progress, chart
and measurements, and the forms the current user may use. :func:`build_section` is the one
builder, for the initiative page and for every answer that re-renders the section
(``templates/outcomes/_section.html``).

Several forms share the page, so each carries a prefix (``indicator-7-name``,
``measurement-7-value``, ``return-12-reason``, ``correct-12-value``, ``withdraw-12-reason``,
``new-indicator-name``); a form sent with errors comes back in place of its fresh twin, keyed by
that prefix. ``TEMPLATE_HELPERS`` are the formatting functions and labels the template uses
(registered with the other template globals in the app factory).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext, ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from sqlalchemy.orm import joinedload, selectinload

from ..domain.clock import local_date, local_today
from ..domain.permissions import can_amend_measurement, can_edit, can_verify
from ..domain.texts import number
from ..extensions import db
from ..lifecycle.bands import Band, band_of, indicator_achievement
from ..lifecycle.bands import rounded as rounded_achievement
from ..lifecycle.progress import bar_width, mean_progress
from ..lifecycle.trajectory import Trajectory, planned_progress, rounded, variance
from ..models import Indicator, Initiative, Measurement, MeasurementStatus
from . import evidence, plans, services
from .charts import indicator_chart_svg, progress_bar_svg
from .forms import (
    CorrectionForm,
    IndicatorForm,
    MeasurementForm,
    PlanForm,
    ReturnForm,
    WithdrawForm,
)

NEW_INDICATOR = "new-indicator"


def indicator_prefix(indicator_id: int) -> str:
    return f"indicator-{indicator_id}"


def measurement_prefix(indicator_id: int) -> str:
    return f"measurement-{indicator_id}"


def plan_prefix(indicator_id: int) -> str:
    return f"plan-{indicator_id}"


def return_prefix(measurement_id: int) -> str:
    return f"return-{measurement_id}"


def correct_prefix(measurement_id: int) -> str:
    return f"correct-{measurement_id}"


def withdraw_prefix(measurement_id: int) -> str:
    return f"withdraw-{measurement_id}"


Forms = dict[str, FlaskForm]  # forms sent with errors, by prefix


@dataclass
class IndicatorRow:
    indicator: Indicator
    measurements: list[Measurement]
    progress: float | None  # verified measurements only: what counts
    bar: int
    chart: Markup
    # The latest measurement awaiting verification, newer than the latest verified one, and
    # the progress it would give once verified (shown lighter, hatched; it does not count).
    pending: Measurement | None = None
    pending_progress: float | None = None
    progress_bar: Markup | None = None
    edit_form: IndicatorForm | None = None
    measurement_form: MeasurementForm | None = None
    return_forms: dict[int, ReturnForm] = field(default_factory=dict)
    # Per measurement the current user may correct or withdraw (``can_amend_measurement``).
    correct_forms: dict[int, CorrectionForm] = field(default_factory=dict)
    withdraw_forms: dict[int, WithdrawForm] = field(default_factory=dict)
    edit_open: bool = False
    record_open: bool = False
    # The trajectory (``lifecycle.trajectory``): the path (None: nothing planned), planned
    # progress for today, verified progress minus it (points), the planned value of each
    # measurement's date (by measurement id), and the plan editor with its rows (period end,
    # value field) or why there is none.
    path: Trajectory | None = None
    planned_today: float | None = None
    planned_value_today: float | None = None
    variance: float | None = None
    planned_on: dict[int, float] = field(default_factory=dict)
    plan_form: PlanForm | None = None
    plan_rows: list[tuple[date, object]] = field(default_factory=list)
    plan_open: bool = False
    plan_blocked: str | None = None
    # Achievement for today (``lifecycle.bands``: percent, rounded as banded) and its band.
    achievement: float | None = None
    band: Band | None = None


@dataclass
class OutcomesSection:
    initiative: Initiative
    rows: list[IndicatorRow]
    can_edit: bool
    can_verify: bool
    new_form: IndicatorForm | None = None
    new_open: bool = False
    message: str | None = None
    message_kind: str = "success"

    @property
    def progress(self) -> float | None:
        """The initiative's outcome progress: mean over indicators, verified measurements only."""
        return mean_progress(row.progress for row in self.rows)


def _sent_or(forms: Forms, key: str, fresh: Callable[[], FlaskForm]) -> FlaskForm:
    """The form sent under ``key`` (with its errors), or else a fresh one."""
    return forms[key] if key in forms else fresh()


def _indicators(initiative: Initiative) -> list[Indicator]:
    return list(db.session.scalars(
        sa.select(Indicator)
        .where(Indicator.initiative_id == initiative.id)
        .options(selectinload(Indicator.plan), selectinload(Indicator.measurements).options(
            joinedload(Measurement.recorded_by), joinedload(Measurement.reviewed_by),
            joinedload(Measurement.corrected_by), joinedload(Measurement.withdrawn_by),
            joinedload(Measurement.evidence)))
        .order_by(Indicator.position, Indicator.id)
    ))


def _edit_forms(row: IndicatorRow, forms: Forms, today: date) -> None:
    """Editing the indicator and recording a measurement of it."""
    indicator = row.indicator
    key = indicator_prefix(indicator.id)
    row.edit_open = key in forms
    row.edit_form = _sent_or(forms, key, lambda: IndicatorForm(formdata=None, obj=indicator,
                                                               prefix=key))
    key = measurement_prefix(indicator.id)
    row.record_open = key in forms
    row.measurement_form = _sent_or(forms, key, lambda: MeasurementForm(
        formdata=None, prefix=key, data={"measured_on": today}))


def _plan_form(row: IndicatorRow, forms: Forms) -> None:
    """The plan editor: a row per period end, prefilled with the stored path (or the straight
    line, rounded as ``trajectory.rounded``)."""
    indicator = row.indicator
    row.plan_blocked = plans.cannot_plan(indicator)
    if row.plan_blocked is not None or row.path is None:
        return
    key = plan_prefix(indicator.id)
    row.plan_open = key in forms
    ends = plans.editor_ends(indicator)
    path = row.path

    def fresh() -> PlanForm:
        values = [path.value_on(d) if path.edited else rounded(path.value_on(d)) for d in ends]
        return PlanForm(formdata=None, prefix=key, data={
            "plan_period": indicator.plan_period, "ends": ",".join(d.isoformat() for d in ends),
            "values": values})

    form = _sent_or(forms, key, fresh)
    row.plan_form = form
    days = form.end_dates() if key in forms else ends
    row.plan_rows = list(zip(days, form.values, strict=False))


def _measurement_forms(row: IndicatorRow, initiative: Initiative, m: Measurement, forms: Forms,
                       verifier: bool) -> None:
    """Returning ``m`` (a reviewer other than who recorded or corrected it); correcting and
    withdrawing it (``can_amend_measurement``; not once withdrawn, nor on an archived
    initiative)."""
    if (verifier and m.status == MeasurementStatus.SUBMITTED.value
            and services.reviewable_by(m, current_user)):
        key = return_prefix(m.id)
        row.return_forms[m.id] = _sent_or(forms, key, lambda: ReturnForm(formdata=None, prefix=key))
    if (initiative.archived or m.status == MeasurementStatus.WITHDRAWN.value
            or not can_amend_measurement(current_user, initiative, m)):
        return
    key = correct_prefix(m.id)
    row.correct_forms[m.id] = _sent_or(forms, key, lambda: CorrectionForm(
        formdata=None, prefix=key,
        data={"value": m.value, "measured_on": m.measured_on, "note": m.note}))
    key = withdraw_prefix(m.id)
    row.withdraw_forms[m.id] = _sent_or(forms, key, lambda: WithdrawForm(formdata=None, prefix=key))


def _row(initiative: Initiative, indicator: Indicator, forms: Forms, editable: bool,
         verifier: bool, today: date) -> IndicatorRow:
    measurements = list(indicator.measurements)
    value = services.indicator_progress(indicator, measurements)
    pending = services.latest_pending(measurements)
    pending_value = services.pending_progress(indicator, measurements)
    path = plans.path_of(indicator)
    chart = indicator_chart_svg(indicator, measurements, start=local_date(initiative.created_at),
                                due=indicator.target_date or initiative.target_date, today=today,
                                path=path)
    bar = progress_bar_svg(str(indicator.id), None if value is None else bar_width(value),
                           None if pending_value is None else bar_width(pending_value))
    row = IndicatorRow(indicator, measurements, value, bar_width(value), chart, pending,
                       pending_value, bar)
    row.path = path
    row.planned_today = planned_progress(path, today)
    row.planned_value_today = path.value_on(today) if path is not None else None
    row.variance = variance(value, row.planned_today)
    if path is not None:
        row.planned_on = {m.id: path.value_on(m.measured_on) for m in measurements}
    latest = services.latest_verified(measurements)
    achieved = indicator_achievement(latest.value if latest is not None else None, path,
                                     indicator.target, indicator.direction, today)
    row.band = band_of(achieved)
    row.achievement = None if achieved is None else rounded_achievement(achieved)
    if editable:
        _edit_forms(row, forms, today)
        _plan_form(row, forms)
    for m in measurements:
        _measurement_forms(row, initiative, m, forms, verifier)
    return row


def build_section(initiative: Initiative, forms: Forms | None = None, message: str | None = None,
                  message_kind: str = "success") -> OutcomesSection:
    """Everything the section shows; ``forms`` (sent, with errors) replace fresh forms."""
    forms = forms or {}
    editable = bool(can_edit(current_user, initiative)) and not initiative.archived
    verifier = bool(can_verify(current_user))
    today = local_today()
    rows = [_row(initiative, indicator, forms, editable, verifier, today)
            for indicator in _indicators(initiative)]
    section = OutcomesSection(initiative, rows, editable, verifier, message=message,
                              message_kind=message_kind)
    if editable:
        section.new_open = NEW_INDICATOR in forms
        section.new_form = _sent_or(forms, NEW_INDICATOR, lambda: IndicatorForm(
            formdata=None, prefix=NEW_INDICATOR))
    return section


def plan_variance_words(points: float | None) -> str:
    """Verified minus planned progress in words: "12 points behind the plan", "5 points ahead
    of the plan", "on plan" (within half a point), "—" when unknown. Whole points, in the
    reader's number format."""
    if points is None:
        return number(None)
    whole = round(abs(points))
    if whole == 0:
        return gettext("on plan")
    if points < 0:
        return ngettext("%(points)s point behind the plan", "%(points)s points behind the plan",
                        whole, points=number(whole))
    return ngettext("%(points)s point ahead of the plan", "%(points)s points ahead of the plan",
                    whole, points=number(whole))


def band_label(key: str) -> str:
    """A band's words from its key (a review's frozen snapshot keeps keys, not labels)."""
    return Band(key, 0).label


def planned_number(value: float | None) -> str:
    """A planned value (interpolated, so rarely round) to the precision people plan in: whole
    from 1,000, one decimal from 10, else two: "390,1" rather than "390,134"."""
    if value is None:
        return number(None)
    size = abs(value)
    return number(value, 0 if size >= 1000 else 1 if size >= 10 else 2)


def signed_points(points: float | None) -> str:
    """Variance in a table cell: "−12", "+5", "0" (whole points), "—" when unknown."""
    if points is None:
        return number(None)
    whole = round(points)
    if whole == 0:
        return "0"
    return ("+" if whole > 0 else "−") + number(abs(whole))


TEMPLATE_HELPERS = {
    "plan_variance_words": plan_variance_words,
    "planned_number": planned_number,
    "band_label": band_label,
    "signed_points": signed_points,
    "outcome_number": number,
    "evidence_size": evidence.size_label,
    "outcome_labels": {"status": services.STATUS_LABELS, "icons": services.STATUS_ICONS,
                       "direction": services.DIRECTION_LABELS},
}
