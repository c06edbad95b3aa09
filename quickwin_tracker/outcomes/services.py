"""Outcome operations: indicators, measurements and their review.

Each function checks permission (``Forbidden``), validates (``Invalid`` with the form field the
message belongs next to), changes, records exactly one Activity and flushes; the caller commits.

Progress "to the Sekda" counts verified measurements only: :func:`indicator_progress` is the
progress of an indicator's latest *verified* measurement (latest by date, then by id, as in
``lifecycle.status.load_facts``). Submitted, returned and withdrawn measurements are shown, never
counted.

A recorded measurement is never edited silently: :func:`correct_measurement` (new value, date or
note, with a reason) and :func:`withdraw_measurement` (with a reason) each leave one trail entry
with what it was, and who may do which is ``permissions.can_amend_measurement``. A correction
always sends the measurement back to "submitted", so a reviewer other than the corrector checks
the new figure; a withdrawn measurement stays listed with its reason and counts nowhere.

Deleting an indicator deletes its measurements and their evidence (rows now, files once the
transaction has committed: ``evidence.remove_after_commit``). How the trail tells these changes
is in ``trail.py``.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..domain import activity
from ..domain.clock import local_today, utcnow
from ..domain.errors import Conflict, Forbidden, Invalid
from ..domain.links import clean_link
from ..domain.permissions import can_amend_measurement, can_edit, can_verify
from ..extensions import db
from ..lifecycle.progress import progress
from ..models import (
    Direction,
    Evidence,
    Indicator,
    Initiative,
    Measurement,
    MeasurementStatus,
    User,
)
from .evidence import check_upload, remove_after_commit, save_evidence

log = logging.getLogger(__name__)

NAME_MAX = 200
UNIT_MAX = 40
NOTE_MAX = 2000
REASON_MAX = 1000

DIRECTION_LABELS = {
    Direction.HIGHER.value: _l("higher is better"),
    Direction.LOWER.value: _l("lower is better"),
}
STATUS_LABELS = {
    MeasurementStatus.SUBMITTED.value: _l("awaiting verification"),
    MeasurementStatus.VERIFIED.value: _l("verified"),
    MeasurementStatus.RETURNED.value: _l("returned"),
    MeasurementStatus.WITHDRAWN.value: _l("withdrawn"),
}
STATUS_ICONS = {"submitted": "○", "verified": "●", "returned": "✖", "withdrawn": "⊘"}


# --------------------------------------------------------------------------- progress


def latest_verified(measurements: Iterable[Measurement]) -> Measurement | None:
    verified = [m for m in measurements if m.status == MeasurementStatus.VERIFIED.value]
    return max(verified, key=lambda m: (m.measured_on, m.id or 0), default=None)


def latest_pending(measurements: Iterable[Measurement]) -> Measurement | None:
    """The latest measurement awaiting verification that is newer than the latest verified one:
    what progress would become once it is verified. It does not count until then."""
    measurements = list(measurements)
    verified = latest_verified(measurements)
    after = (verified.measured_on, verified.id or 0) if verified is not None else None
    pending = [m for m in measurements if m.status == MeasurementStatus.SUBMITTED.value
               and (after is None or (m.measured_on, m.id or 0) > after)]
    return max(pending, key=lambda m: (m.measured_on, m.id or 0), default=None)


def pending_progress(indicator: Indicator, measurements: Iterable[Measurement]) -> float | None:
    """Progress of :func:`latest_pending`; ``None`` when nothing newer awaits verification."""
    pending = latest_pending(measurements)
    return progress(indicator.baseline, indicator.target, indicator.direction,
                    pending.value if pending is not None else None)


def indicator_progress(indicator: Indicator,
                       measurements: Iterable[Measurement] | None = None) -> float | None:
    """Progress of the latest verified measurement; ``None`` when nothing is verified yet."""
    latest = latest_verified(indicator.measurements if measurements is None else measurements)
    return progress(indicator.baseline, indicator.target, indicator.direction,
                    latest.value if latest is not None else None)


# --------------------------------------------------------------------------- checks


def _check_can_change(actor: User, initiative: Initiative) -> None:
    decision = can_edit(actor, initiative)
    if not decision:
        raise Forbidden(decision.reason)
    if initiative.archived:
        raise Conflict(_l("This initiative is archived; bring it back to the board to change it."))


def _number(value: float | None, field: str, required: bool = False) -> float | None:
    if value is None:
        if required:
            raise Invalid(_l("Enter the measured value."), field)
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number):
        raise Invalid(_l("Enter a number, e.g. 12.5."), field)
    return number


@dataclass
class IndicatorData:
    name: str
    unit_of_measure: str = ""
    baseline: float | None = None
    target: float | None = None
    direction: str = Direction.HIGHER.value
    target_date: date | None = None


def _clean_indicator(data: IndicatorData) -> dict[str, Any]:
    name = (data.name or "").strip()
    if not name:
        raise Invalid(_l("Give the indicator a name."), "name")
    if len(name) > NAME_MAX:
        raise Invalid(_l("At most %(max)d characters.", max=NAME_MAX), "name")
    unit = (data.unit_of_measure or "").strip()
    if len(unit) > UNIT_MAX:
        raise Invalid(_l("At most %(max)d characters.", max=UNIT_MAX), "unit_of_measure")
    if data.direction not in DIRECTION_LABELS:
        raise Invalid(_l("Choose whether higher or lower values are better."), "direction")
    baseline = _number(data.baseline, "baseline")
    target = _number(data.target, "target")
    if baseline is not None and target is not None:
        if target == baseline:
            raise Invalid(_l("The target must differ from the baseline: progress is measured from "
                             "one to the other."), "target")
        if data.direction == Direction.HIGHER.value and target < baseline:
            raise Invalid(_l("“Higher is better” needs a target above the baseline: choose "
                             "“lower is better” or check the baseline and target."), "direction")
        if data.direction == Direction.LOWER.value and target > baseline:
            raise Invalid(_l("“Lower is better” needs a target below the baseline: choose "
                             "“higher is better” or check the baseline and target."), "direction")
    return {"name": name, "unit_of_measure": unit, "baseline": baseline, "target": target,
            "direction": data.direction, "target_date": data.target_date}


def _plain(value: Any) -> Any:
    """A JSON-friendly form of a field value for the trail."""
    return value.isoformat() if isinstance(value, date) else value


# --------------------------------------------------------------------------- indicators


def add_indicator(actor: User, initiative: Initiative, data: IndicatorData,
                  now: datetime | None = None) -> Indicator:
    now = now or utcnow()
    _check_can_change(actor, initiative)
    values = _clean_indicator(data)
    last = db.session.scalar(
        sa.select(sa.func.max(Indicator.position)).where(Indicator.initiative_id == initiative.id))
    indicator = Indicator(initiative=initiative, position=0 if last is None else last + 1,
                          created_at=now, **values)
    db.session.add(indicator)
    db.session.flush()
    activity.record(actor, "indicator_added", initiative, now=now, indicator_id=indicator.id,
                    **{k: _plain(v) for k, v in values.items()})
    log.info("%s added indicator %s to initiative %s", actor.email, indicator.id, initiative.id)
    return indicator


def update_indicator(actor: User, indicator: Indicator, data: IndicatorData,
                     now: datetime | None = None) -> dict[str, list[Any]]:
    """Apply the edit; return the changed fields as ``{field: [old, new]}`` (empty: nothing)."""
    now = now or utcnow()
    initiative = indicator.initiative
    _check_can_change(actor, initiative)
    values = _clean_indicator(data)
    changes = {
        field: [_plain(getattr(indicator, field)), _plain(new)]
        for field, new in values.items() if getattr(indicator, field) != new
    }
    if not changes:
        return changes
    for field, new in values.items():
        setattr(indicator, field, new)
    db.session.flush()
    activity.record(actor, "indicator_updated", initiative, now=now, indicator_id=indicator.id,
                    name=indicator.name, changes=changes)
    log.info("%s updated indicator %s: %s", actor.email, indicator.id, ", ".join(changes))
    return changes


def delete_indicator(actor: User, indicator: Indicator, now: datetime | None = None) -> None:
    """Delete the indicator, its measurements and their evidence: the Evidence rows now, their
    files once the transaction commits (a rollback keeps both). Evidence another indicator's
    measurement still refers to is kept."""
    now = now or utcnow()
    initiative = indicator.initiative
    _check_can_change(actor, initiative)
    count = db.session.scalar(
        sa.select(sa.func.count()).select_from(Measurement)
        .where(Measurement.indicator_id == indicator.id))
    own = sa.select(Measurement.evidence_id).where(Measurement.indicator_id == indicator.id,
                                                   Measurement.evidence_id.is_not(None))
    shared = sa.select(Measurement.evidence_id).where(Measurement.indicator_id != indicator.id,
                                                      Measurement.evidence_id.is_not(None))
    files = list(db.session.scalars(
        sa.select(Evidence).where(Evidence.id.in_(own), Evidence.id.not_in(shared))))
    activity.record(actor, "indicator_deleted", initiative, now=now, indicator_id=indicator.id,
                    name=indicator.name, measurements=count, evidence_files=len(files))
    db.session.delete(indicator)  # its measurements go with it (cascade)
    for item in files:
        db.session.delete(item)
    db.session.flush()
    remove_after_commit(files)
    log.info("%s deleted indicator %s (%d measurements, %d evidence files)", actor.email,
             indicator.id, count, len(files))


# --------------------------------------------------------------------------- measurements


@dataclass
class _Figure:
    """A measured value, its date and a note: what a measurement or a correction says."""

    value: float | None
    measured_on: date | None
    note: str = ""


@dataclass
class MeasurementData(_Figure):
    link: str = ""


def _check_measured_on(day: date | None, now: datetime) -> date:
    if day is None:
        raise Invalid(_l("Enter the date of the measurement."), "measured_on")
    if day > local_today(now):
        raise Invalid(_l("The date of a measurement cannot be in the future."), "measured_on")
    return day


def _clean_note(note: str | None) -> str:
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise Invalid(_l("At most %(max)d characters.", max=NOTE_MAX), "note")
    return note


def _clean_reason(reason: str | None, missing: Any) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(missing, "reason")
    if len(reason) > REASON_MAX:
        raise Invalid(_l("At most %(max)d characters.", max=REASON_MAX), "reason")
    return reason


def record_measurement(actor: User, indicator: Indicator, data: MeasurementData,
                       upload: Any = None, now: datetime | None = None) -> Measurement:
    """Record a value (status: submitted) with an optional evidence file (a ``FileStorage``)."""
    now = now or utcnow()
    initiative = indicator.initiative
    _check_can_change(actor, initiative)
    value = _number(data.value, "value", required=True)
    _check_measured_on(data.measured_on, now)
    link = clean_link(data.link)
    checked = check_upload(upload)  # reads the file; nothing is written before every check passed
    evidence = save_evidence(actor, checked, now=now) if checked is not None else None
    measurement = Measurement(
        indicator=indicator, value=value, measured_on=data.measured_on,
        note=(data.note or "").strip(), link=link, evidence=evidence, recorded_by=actor,
        recorded_at=now, status=MeasurementStatus.SUBMITTED.value,
    )
    db.session.add(measurement)
    db.session.flush()
    activity.record(actor, "measurement_recorded", initiative, now=now,
                    **_measurement_facts(measurement),
                    evidence=measurement.evidence_id is not None)
    log.info("%s recorded measurement %s for indicator %s", actor.email, measurement.id,
             indicator.id)
    return measurement


def _measurement_facts(m: Measurement) -> dict[str, Any]:
    return {"measurement_id": m.id, "indicator_id": m.indicator_id, "indicator": m.indicator.name,
            "value": m.value, "unit": m.indicator.unit_of_measure,
            "measured_on": m.measured_on.isoformat()}


ALREADY_REVIEWED = {
    MeasurementStatus.VERIFIED.value: _l("This measurement has already been verified."),
    MeasurementStatus.RETURNED.value: _l("This measurement has already been returned."),
    MeasurementStatus.WITHDRAWN.value: _l("This measurement has been withdrawn."),
}


def reviewable_by(measurement: Measurement, user: User) -> bool:
    """Four eyes: nobody verifies or returns a measurement they recorded or last corrected."""
    return user.id not in (measurement.recorded_by_id, measurement.corrected_by_id)


def _check_reviewer(actor: User, measurement: Measurement) -> None:
    decision = can_verify(actor)
    if not decision:
        raise Forbidden(decision.reason)
    if measurement.recorded_by_id == actor.id:
        raise Forbidden(_l("Nobody reviews their own measurement: another reviewer must."))
    if measurement.corrected_by_id == actor.id:
        raise Forbidden(_l("Nobody reviews a measurement they corrected: another reviewer must."))
    if measurement.status != MeasurementStatus.SUBMITTED.value:
        raise Conflict(ALREADY_REVIEWED.get(measurement.status, ""))


def _set_review(actor: User, measurement: Measurement, status: MeasurementStatus, note: str,
                now: datetime) -> None:
    # One conditional UPDATE: of two reviewers acting at once, only the first changes it.
    result = db.session.execute(
        sa.update(Measurement)
        .where(Measurement.id == measurement.id,
               Measurement.status == MeasurementStatus.SUBMITTED.value)
        .values(status=status.value, reviewed_by_id=actor.id, reviewed_at=now, review_note=note)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        current = db.session.scalar(
            sa.select(Measurement.status).where(Measurement.id == measurement.id))
        raise Conflict(ALREADY_REVIEWED.get(current, _l("This measurement no longer exists.")))
    db.session.refresh(measurement)


def verify_measurement(actor: User, measurement: Measurement, now: datetime | None = None) -> None:
    now = now or utcnow()
    _check_reviewer(actor, measurement)
    _set_review(actor, measurement, MeasurementStatus.VERIFIED, "", now)
    activity.record(actor, "measurement_verified", measurement.indicator.initiative, now=now,
                    **_measurement_facts(measurement))
    db.session.flush()
    log.info("%s verified measurement %s", actor.email, measurement.id)


def return_measurement(actor: User, measurement: Measurement, reason: str,
                       now: datetime | None = None) -> None:
    now = now or utcnow()
    _check_reviewer(actor, measurement)
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(_l("Say why it is returned, so the unit can correct it."), "reason")
    _set_review(actor, measurement, MeasurementStatus.RETURNED, reason, now)
    activity.record(actor, "measurement_returned", measurement.indicator.initiative, now=now,
                    reason=reason, **_measurement_facts(measurement))
    db.session.flush()
    log.info("%s returned measurement %s", actor.email, measurement.id)


# --------------------------------------------------------------------------- corrections


@dataclass
class CorrectionData(_Figure):
    reason: str = ""


def _check_can_amend(actor: User, measurement: Measurement) -> Initiative:
    initiative = measurement.indicator.initiative
    if measurement.status == MeasurementStatus.WITHDRAWN.value:
        raise Conflict(_l("This measurement has been withdrawn; record a new one instead."))
    decision = can_amend_measurement(actor, initiative, measurement)
    if not decision:
        raise Forbidden(decision.reason)
    if initiative.archived:
        raise Conflict(_l("This initiative is archived; bring it back to the board to change it."))
    return initiative


def _amend(measurement: Measurement, **values: Any) -> None:
    """One conditional UPDATE: refused if the measurement was reviewed, corrected or withdrawn
    since it was read (a reviewer verifying it meanwhile must not see another figure verified)."""
    seen = measurement.corrected_at
    result = db.session.execute(
        sa.update(Measurement)
        .where(Measurement.id == measurement.id, Measurement.status == measurement.status,
               Measurement.corrected_at.is_(None) if seen is None
               else Measurement.corrected_at == seen)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise Conflict(_l("Someone changed this measurement meanwhile; the section now shows it "
                          "as it is. Please check and try again."))
    db.session.refresh(measurement)


def correct_measurement(actor: User, measurement: Measurement, data: CorrectionData,
                        now: datetime | None = None) -> dict[str, list[Any]]:
    """Correct the value, date or note, with a reason; the measurement is "submitted" again (to
    be verified anew). Returns the changes as ``{field: [old, new]}``; nothing changed is refused
    (a correction without one would be noise in the trail)."""
    now = now or utcnow()
    initiative = _check_can_amend(actor, measurement)
    new = {"value": _number(data.value, "value", required=True),
           "measured_on": _check_measured_on(data.measured_on, now),
           "note": _clean_note(data.note)}
    reason = _clean_reason(data.reason, _l("Say why it is corrected: the trail keeps the reason."))
    changes = {field: [_plain(getattr(measurement, field)), _plain(value)]
               for field, value in new.items() if getattr(measurement, field) != value}
    if not changes:
        raise Invalid(_l("Nothing to correct: change the value, the date or the note."), "value")
    previous_status = measurement.status
    _amend(measurement, **new, status=MeasurementStatus.SUBMITTED.value, reviewed_by_id=None,
           reviewed_at=None, review_note="", corrected_by_id=actor.id, corrected_at=now)
    activity.record(actor, "measurement_corrected", initiative, now=now, changes=changes,
                    reason=reason, previous_status=previous_status,
                    **_measurement_facts(measurement))
    db.session.flush()
    log.info("%s corrected measurement %s (%s)", actor.email, measurement.id, ", ".join(changes))
    return changes


def withdraw_measurement(actor: User, measurement: Measurement, reason: str,
                         now: datetime | None = None) -> None:
    """Withdraw the measurement, with a reason: it stays listed, "withdrawn", and counts nowhere."""
    now = now or utcnow()
    initiative = _check_can_amend(actor, measurement)
    reason = _clean_reason(reason, _l("Say why it is withdrawn: the trail keeps the reason."))
    previous_status = measurement.status
    _amend(measurement, status=MeasurementStatus.WITHDRAWN.value, withdrawn_by_id=actor.id,
           withdrawn_at=now, withdrawn_reason=reason)
    activity.record(actor, "measurement_withdrawn", initiative, now=now, reason=reason,
                    previous_status=previous_status, **_measurement_facts(measurement))
    db.session.flush()
    log.info("%s withdrew measurement %s", actor.email, measurement.id)
