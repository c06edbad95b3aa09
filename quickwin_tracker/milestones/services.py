"""Milestone operations, and what the milestones section reads.

Each operation checks ``can_edit``, validates, mutates, records exactly one Activity (none when
nothing changed) and flushes; the caller commits. The section lists milestones by due date, the
open ones first (so the overdue ones lead), then the done ones (:func:`milestone_rows`); there is
no manual order. ``position`` is only the order of adding, the tie-break between milestones due on
the same day, written only here. Changes to one initiative's list are serialised by locking the
initiative row on PostgreSQL (SQLite serialises writers itself).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.orm import joinedload, selectinload

from ..domain import activity
from ..domain.activity import trail_date
from ..domain.clock import local_today, utcnow
from ..domain.errors import Conflict, Forbidden, Invalid
from ..domain.permissions import can_edit
from ..domain.queries import lock
from ..extensions import db
from ..models import Activity, Initiative, Milestone, Role, User

log = logging.getLogger(__name__)

TITLE_MAX = 200
RESPONSIBLE_ROLES = (Role.STAFF.value, Role.MANAGER.value, Role.ADMIN.value)

FIELD_LABELS = {
    "title": _l("title"),
    "due_date": _l("due date"),
    "responsible": _l("responsible"),
}


# --------------------------------------------------------------------------- checks


def _check_editable(actor: User, initiative: Initiative) -> None:
    decision = can_edit(actor, initiative)
    if not decision:
        raise Forbidden(decision.reason)
    if initiative.archived:
        raise Conflict(_l("This initiative is archived; its milestones can no longer change."))


def _clean_title(title: str | None) -> str:
    title = (title or "").strip()
    if not title:
        raise Invalid(_l("Give the milestone a title."), "title")
    if len(title) > TITLE_MAX:
        raise Invalid(_l("The title can be at most %(max)d characters long.", max=TITLE_MAX),
                      "title")
    return title


def _check_due_date(due_date: date | None) -> date:
    if due_date is None:
        raise Invalid(_l("Give the milestone a due date."), "due_date")
    return due_date


def _check_responsible(user: User | None) -> None:
    if user is None:
        return
    if not user.active:
        raise Invalid(_l("The responsible person's account is inactive."), "responsible")
    if user.role not in RESPONSIBLE_ROLES:
        raise Invalid(_l("Only OPD staff, unit heads and administrators can be responsible for "
                         "a milestone."), "responsible")


def eligible_responsibles() -> list[User]:
    """Everyone who may be made responsible: active staff, managers and admins of any unit."""
    return list(db.session.scalars(
        sa.select(User)
        .where(User.active.is_(True), User.role.in_(RESPONSIBLE_ROLES))
        .options(joinedload(User.unit))
        .order_by(User.name, User.id)
    ))


# --------------------------------------------------------------------------- locking


def _lock(initiative: Initiative, milestone: Milestone | None = None) -> None:
    """Serialise changes to one initiative's list (PostgreSQL row lock on the initiative), then
    re-read ``milestone``: a concurrent request may have changed or deleted it meanwhile."""
    lock(sa.select(Initiative.id).where(Initiative.id == initiative.id))
    if milestone is not None:
        try:
            db.session.refresh(milestone)
        except InvalidRequestError as exc:  # deleted meanwhile
            raise Conflict(_l("This milestone was deleted meanwhile.")) from exc


def _editing(actor: User, milestone: Milestone) -> Initiative:
    """Check that ``actor`` may change the milestone's list, lock it, and re-read the milestone;
    returns its initiative."""
    initiative = milestone.initiative
    _check_editable(actor, initiative)
    _lock(initiative, milestone)
    return initiative


# --------------------------------------------------------------------------- operations


def _responsible_name(user: User | None) -> str | None:
    return user.name if user is not None else None


def add_milestone(actor: User, initiative: Initiative, title: str, due_date: date | None,
                  responsible: User | None, now: datetime | None = None) -> Milestone:
    """Add a milestone; its ``position`` (the order of adding) breaks ties of due date."""
    now = now or utcnow()
    _check_editable(actor, initiative)
    title = _clean_title(title)
    due_date = _check_due_date(due_date)
    _check_responsible(responsible)
    _lock(initiative)
    last = db.session.scalar(
        sa.select(sa.func.max(Milestone.position)).where(Milestone.initiative_id == initiative.id)
    )
    milestone = Milestone(
        initiative_id=initiative.id, title=title, due_date=due_date, responsible=responsible,
        position=0 if last is None else last + 1, created_at=now, updated_at=now,
    )
    db.session.add(milestone)
    db.session.flush()
    db.session.expire(initiative, ["milestones"])
    activity.record(actor, "milestone_added", initiative, now=now, milestone_id=milestone.id,
                    title=title, due_date=due_date.isoformat(),
                    responsible=_responsible_name(responsible))
    log.info("%s added milestone %s to initiative %s", actor.email, milestone.id, initiative.id)
    return milestone


def update_milestone(actor: User, milestone: Milestone, title: str, due_date: date | None,
                     responsible: User | None, now: datetime | None = None
                     ) -> dict[str, list[Any]]:
    """Apply the edit; return the changes as ``{field: [old, new]}`` (empty: nothing recorded)."""
    now = now or utcnow()
    initiative = milestone.initiative
    _check_editable(actor, initiative)
    title = _clean_title(title)
    due_date = _check_due_date(due_date)
    _lock(initiative, milestone)
    changes: dict[str, list[Any]] = {}
    if title != milestone.title:
        changes["title"] = [milestone.title, title]
    if due_date != milestone.due_date:
        changes["due_date"] = [milestone.due_date.isoformat(), due_date.isoformat()]
    new_responsible_id = responsible.id if responsible is not None else None
    if new_responsible_id != milestone.responsible_id:
        # Checked only when it changes: keeping a person who has since left is not refused.
        _check_responsible(responsible)
        changes["responsible"] = [_responsible_name(milestone.responsible),
                                  _responsible_name(responsible)]
    if not changes:
        return changes
    milestone.title = title
    milestone.due_date = due_date
    milestone.responsible = responsible
    milestone.updated_at = now
    db.session.flush()
    activity.record(actor, "milestone_updated", initiative, now=now, milestone_id=milestone.id,
                    title=title, changes=changes)
    log.info("%s updated milestone %s: %s", actor.email, milestone.id, ", ".join(changes))
    return changes


def complete_milestone(actor: User, milestone: Milestone, now: datetime | None = None) -> Milestone:
    """Mark it done today, in the city's time zone, by ``actor``."""
    now = now or utcnow()
    initiative = _editing(actor, milestone)
    if milestone.done:
        raise Conflict(_l("This milestone is already done."))
    _set_done(milestone, local_today(now), actor, now)
    activity.record(actor, "milestone_completed", initiative, now=now, milestone_id=milestone.id,
                    title=milestone.title, done_on=milestone.done_on.isoformat())
    log.info("%s completed milestone %s", actor.email, milestone.id)
    return milestone


def reopen_milestone(actor: User, milestone: Milestone, now: datetime | None = None) -> Milestone:
    now = now or utcnow()
    initiative = _editing(actor, milestone)
    if not milestone.done:
        raise Conflict(_l("This milestone is not done."))
    _set_done(milestone, None, None, now)
    activity.record(actor, "milestone_reopened", initiative, now=now, milestone_id=milestone.id,
                    title=milestone.title)
    log.info("%s reopened milestone %s", actor.email, milestone.id)
    return milestone


def _set_done(milestone: Milestone, day: date | None, by: User | None, now: datetime) -> None:
    milestone.done_on = day
    milestone.done_by = by
    milestone.updated_at = now
    db.session.flush()


def delete_milestone(actor: User, milestone: Milestone, now: datetime | None = None) -> None:
    now = now or utcnow()
    initiative = _editing(actor, milestone)
    milestone_id, title = milestone.id, milestone.title
    db.session.delete(milestone)
    db.session.flush()
    db.session.expire(initiative, ["milestones"])
    activity.record(actor, "milestone_deleted", initiative, now=now, milestone_id=milestone_id,
                    title=title)
    log.info("%s deleted milestone %s of initiative %s", actor.email, milestone_id, initiative.id)


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class MilestoneRow:
    """One milestone as the section shows it; ``overdue_days`` is 0 unless it is overdue."""

    milestone: Milestone
    overdue_days: int
    due_today: bool


def milestone_rows(initiative: Initiative, today: date | None = None) -> list[MilestoneRow]:
    """The initiative's milestones as the section lists them: the open ones by due date (so the
    overdue ones come first, the most overdue at the top), then the done ones by due date; ties
    in the order they were added. "Overdue by N days" is counted in the city's days (the same
    rule as ``lifecycle.status``: due on D is overdue from 00:00 local time on D+1)."""
    today = today or local_today()
    milestones = db.session.scalars(
        sa.select(Milestone).where(Milestone.initiative_id == initiative.id)
        .options(selectinload(Milestone.responsible), selectinload(Milestone.done_by))
        .order_by(Milestone.due_date, Milestone.position, Milestone.id)
    )
    rows = []
    for m in sorted(milestones, key=lambda m: m.done):  # stable: keeps the due-date order
        late = 0 if m.done else max(0, (today - m.due_date).days)
        rows.append(MilestoneRow(m, late, not m.done and m.due_date == today))
    return rows


# --------------------------------------------------------------------------- the trail


@activity.describer("milestone_added")
def _added(entry: Activity) -> str:
    data = entry.data or {}
    return _("added milestone “%(title)s”, due %(date)s",
             title=data.get("title", "?"), date=trail_date(data.get("due_date")))


@activity.describer("milestone_updated")
def _updated(entry: Activity) -> str:
    data = entry.data or {}
    parts = []
    for name, (old, new) in (data.get("changes") or {}).items():
        if name == "due_date":
            old, new = trail_date(old), trail_date(new)
        parts.append(_("%(field)s: %(old)s → %(new)s", field=str(FIELD_LABELS.get(name, name)),
                       old=old or "—", new=new or "—"))
    return _("edited milestone “%(title)s”: %(changes)s",
             title=data.get("title", "?"), changes="; ".join(parts))


@activity.describer("milestone_completed")
def _completed(entry: Activity) -> str:
    return _("marked milestone “%(title)s” done", title=(entry.data or {}).get("title", "?"))


@activity.describer("milestone_reopened")
def _reopened(entry: Activity) -> str:
    return _("reopened milestone “%(title)s”", title=(entry.data or {}).get("title", "?"))


# Manual reordering is gone (the list follows the due dates); trails written before keep reading.
@activity.describer("milestone_reordered")
def _reordered(entry: Activity) -> str:
    data = entry.data or {}
    return _("moved milestone “%(title)s” from place %(old)d to %(new)d",
             title=data.get("title", "?"), old=data.get("from_position", 0),
             new=data.get("to_position", 0))


@activity.describer("milestone_deleted")
def _deleted(entry: Activity) -> str:
    return _("deleted milestone “%(title)s”", title=(entry.data or {}).get("title", "?"))
