"""Review cycles: the Sekda's office reviews the quick wins periodically (monthly by default).

Starting a review freezes, as JSON, the summary of its period (``snapshot``) and the initiatives to
discuss (``agenda``: at risk, off track, stale, or with measurements awaiting verification), so a
past review always shows the figures as they were. Each decision (continue, escalate, stop, scale
up) is recorded per initiative with a note and a follow-up date, written to the initiative's
trail, and shown on its page and in the next digest of its unit's manager.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..domain import activity
from ..domain.activity import last_sign_of_life
from ..domain.clock import local_today, utcnow
from ..domain.errors import Conflict, Forbidden, Invalid
from ..domain.permissions import can_review
from ..extensions import db
from ..lifecycle.stages import rolled_out
from ..models import (
    REVIEW_DECISION_LABELS,
    Activity,
    Indicator,
    Initiative,
    Measurement,
    MeasurementStatus,
    Review,
    ReviewDecision,
    ReviewDecisionKind,
    Unit,
    User,
)
from .periods import Period
from .services import Summary, build_summary

log = logging.getLogger(__name__)


def snapshot_of(summary: Summary) -> dict[str, Any]:
    """The summary as plain JSON, frozen: codes and names, no database ids to look up later."""
    h = summary.headline
    stages = {s.id: {"code": s.code, "name_id": s.name_id, "name_en": s.name_en}
              for s in summary.stages}
    dims = {d.id: {"code": d.code, "name_id": d.name_id, "name_en": d.name_en}
            for d in summary.dimensions}
    return {
        "period": {"kind": summary.period.kind, "start": summary.period.start.isoformat(),
                   "end": summary.period.end.isoformat()},
        "unit": summary.unit.code if summary.unit else None,
        "stages": list(stages.values()),
        "dimensions": list(dims.values()),
        "headline": {
            "active": h.active, "rolled_out_period": h.rolled_out_period,
            "rolled_out_quarter": h.rolled_out_quarter, "rolled_out_year": h.rolled_out_year,
            "with_measurement_share": h.with_measurement_share,
            "on_track_share": h.on_track_share, "overdue_milestones": h.overdue_milestones,
            "average_days_to_rollout": h.average_days_to_rollout,
            "updates_on_time_share": h.updates_on_time_share,
        },
        "matrix": [{"dimension": dims[d]["code"], "stage": stages[s]["code"], "count": n}
                   for (d, s), n in sorted(summary.matrix.items()) if d in dims and s in stages],
        "units": [{
            "code": row.unit.code, "name": row.unit.name, "total": row.total,
            "by_stage": {stages[s]["code"]: n for s, n in row.by_stage.items() if s in stages},
            "by_status": {str(k): v for k, v in row.by_status.items()},
            "overdue_milestones": row.overdue_milestones, "stale": row.stale,
            "average_progress": row.average_progress,
            "updates_on_time": row.updates_on_time,
            "average_variance": row.average_variance,
        } for row in summary.unit_rows if row.total],
        "bands": [{"key": b.key, "minimum": b.minimum} for b in summary.bands],
        "bands_by_unit": [{"code": row.unit.code, "name": row.unit.name, "counts": {
            str(k) if k is not None else "": n
            for k, n in summary.bands_by_unit.get(row.unit.id, {}).items()}}
            for row in summary.unit_rows if row.total],
        "bands_by_dimension": [{"dimension": dims[d]["code"], "counts": {
            str(k) if k is not None else "": n for k, n in counts.items()}}
            for d, counts in sorted(summary.bands_by_dimension.items()) if d in dims],
        "outcomes": [{"dimension": o.dimension.code, "met": o.met, "behind": o.behind,
                      "unmeasured": o.unmeasured, "average_variance": o.average_variance}
                     for o in summary.outcomes],
    }


def build_agenda(summary: Summary, now: datetime) -> list[dict[str, Any]]:
    """The initiatives to discuss, with why: at risk / off track (and the reasons), stale, with
    measurements awaiting verification, or with a progress update late."""
    items: dict[int, dict[str, Any]] = {}

    def item(initiative_id: int, title: str, unit_code: str) -> dict[str, Any]:
        return items.setdefault(initiative_id, {
            "initiative_id": initiative_id, "title": title, "unit": unit_code,
            "status": None, "reasons": [], "why": [],
        })

    for row, assessment in summary.attention:
        entry = item(row.id, row.title, row.unit_code)
        entry["status"] = str(assessment.status)
        entry["reasons"] = [r.text for r in assessment.reasons]
        entry["why"].append(str(assessment.status))

    scope = [Initiative.archived.is_(False)]
    if summary.unit is not None:
        scope.append(Initiative.unit_id == summary.unit.id)
    awaiting = db.session.execute(
        sa.select(Initiative.id, Initiative.title, Unit.code).distinct()
        .join(Unit, Unit.id == Initiative.unit_id)
        .join(Indicator, Indicator.initiative_id == Initiative.id)
        .join(Measurement, Measurement.indicator_id == Indicator.id)
        .where(Measurement.status == MeasurementStatus.SUBMITTED.value, *scope)
    ).all()
    for initiative_id, title, unit_code in awaiting:
        item(initiative_id, title, unit_code)["why"].append("awaiting_verification")
    for silent in summary.silent:  # (the summary of a review is whole: every late update)
        item(silent.id, silent.title, silent.unit_code)["why"].append("update_late")

    stale_before = now - timedelta(days=int(current_app.config.get("STALE_DAYS", 21)))
    done = rolled_out(summary.stages)  # rolled-out quick wins are not stale work
    stale = db.session.execute(  # the reminders' rule (``last_sign_of_life``)
        sa.select(Initiative.id, Initiative.title, Unit.code)
        .join(Unit, Unit.id == Initiative.unit_id)
        .where(*scope, Initiative.stage_id.not_in(done.stage_ids),
               last_sign_of_life() < stale_before)
    ).all()
    for initiative_id, title, unit_code in stale:
        item(initiative_id, title, unit_code)["why"].append("stale")
    return sorted(items.values(), key=lambda e: (e["status"] != "off_track",
                                                 e["status"] != "at_risk", e["title"]))


def start_review(actor: User, period: Period, title: str | None = None,
                 now: datetime | None = None) -> Review:
    now = now or utcnow()
    decision = can_review(actor)
    if not decision:
        raise Forbidden(decision.reason)
    summary = build_summary(actor, period, now=now)
    review = Review(
        title=(title or "").strip() or _("Review %(start)s – %(end)s",
                                          start=format_date(period.start),
                                          end=format_date(period.end)),
        period_kind=period.kind, period_start=period.start, period_end=period.end,
        started_by=actor, started_at=now, snapshot=snapshot_of(summary),
        agenda=build_agenda(summary, now),
    )
    db.session.add(review)
    db.session.flush()
    activity.record(actor, "review_started", None, now=now, review_id=review.id,
                    title=review.title)
    log.info("%s started review %s", actor.email, review.id)
    return review


def record_decision(actor: User, review: Review, initiative: Initiative, decision: str,
                    note: str, follow_up_on: date | None, now: datetime | None = None
                    ) -> ReviewDecision:
    now = now or utcnow()
    allowed = can_review(actor)
    if not allowed:
        raise Forbidden(allowed.reason)
    try:
        kind = ReviewDecisionKind(decision)
    except ValueError as exc:
        raise Invalid(_l("Choose continue, escalate, stop or scale up."), "decision") from exc
    entry = db.session.scalar(sa.select(ReviewDecision).where(
        ReviewDecision.review_id == review.id, ReviewDecision.initiative_id == initiative.id))
    if entry is not None and (entry.decision, entry.note, entry.follow_up_on) == (
            kind.value, note.strip(), follow_up_on):
        return entry  # the decision as it stands: nothing to record
    if follow_up_on is not None and follow_up_on < local_today(now) and (
            entry is None or entry.follow_up_on != follow_up_on):
        raise Invalid(_l("The follow-up date is in the past."), "follow_up_on")
    if kind in (ReviewDecisionKind.ESCALATE, ReviewDecisionKind.STOP) and not note.strip():
        raise Invalid(_l("Say why: a note is required to escalate or stop."), "note")
    if initiative.archived:
        raise Conflict(_l("This initiative is archived."))
    if entry is None:
        entry = ReviewDecision(review=review, initiative=initiative)
        db.session.add(entry)
    entry.decision, entry.note, entry.follow_up_on = kind.value, note.strip(), follow_up_on
    entry.decided_by, entry.decided_at = actor, now
    db.session.flush()
    activity.record(actor, "review_decision", initiative, now=now, review_id=review.id,
                    decision=kind.value, note=entry.note,
                    follow_up_on=follow_up_on.isoformat() if follow_up_on else None)
    log.info("%s decided %s for initiative %s in review %s", actor.email, kind.value,
             initiative.id, review.id)
    _tell_owner(actor, review, initiative, entry, now)
    return entry


def _tell_owner(actor: User, review: Review, initiative: Initiative, entry: ReviewDecision,
                now: datetime) -> None:
    """Tell the initiative's owner (not the reviewer deciding, nor a closed account) of the
    decision, on the channels they chose for review decisions, in this same transaction: once
    per decision as recorded (a changed decision is news again)."""
    from flask_babel import force_locale

    from ..mail.planning import PlannedEmail, queue_plan
    from ..mail.urls import app_url

    owner = initiative.owner
    if owner is None or not owner.active or owner.id == actor.id:
        return
    with force_locale(owner.locale):
        label = str(REVIEW_DECISION_LABELS[ReviewDecisionKind(entry.decision)])
        subject = _("Review decision on “%(title)s”: %(decision)s", title=initiative.title,
                    decision=label)
    queue_plan(PlannedEmail(
        kind="review_decision",
        dedupe_key=f"review-decision:{entry.id}:{int(now.timestamp())}",
        to=owner, subject=subject, template="review_decision",
        context={"review_title": review.title, "initiative_title": initiative.title,
                 "decision": entry.decision, "decision_label": label, "note": entry.note,
                 "follow_up_on": entry.follow_up_on, "decided_by": actor.name,
                 "url": app_url("initiatives.detail", initiative_id=initiative.id)}), now)


def decisions_for(initiative: Initiative) -> list[ReviewDecision]:
    return list(db.session.scalars(
        sa.select(ReviewDecision).where(ReviewDecision.initiative_id == initiative.id)
        .options(sa.orm.joinedload(ReviewDecision.review), sa.orm.joinedload(ReviewDecision.decided_by))
        .order_by(ReviewDecision.decided_at.desc())
    ))


@activity.describer("review_decision")
def _describe_decision(entry: Activity) -> str:
    data = entry.data or {}
    try:
        label = str(REVIEW_DECISION_LABELS[ReviewDecisionKind(data.get("decision"))])
    except ValueError:
        label = str(data.get("decision"))
    text = _("review decision: %(decision)s", decision=label)
    if data.get("note"):
        text += f" — {data['note']}"
    if data.get("follow_up_on"):
        text += " " + _("(follow-up %(date)s)",
                        date=format_date(date.fromisoformat(data["follow_up_on"])))
    return text


@activity.describer("review_started")
def _describe_started(entry: Activity) -> str:
    return _("started the review “%(title)s”", title=(entry.data or {}).get("title", ""))
