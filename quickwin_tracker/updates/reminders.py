"""Who is told that a progress update is owed (issue 14), decided from the data and ``now``:

- **due**: on the due date (``services.next_due``) and after it, the initiative's owner gets an
  email (outbox dedupe key ``update-due:<initiative>:<due date>``) and a notification, once per
  due date: posting an update moves the due date on, and the next cycle starts afresh. An
  initiative without an owner (or whose owner's account is closed) is the unit head's to
  report on or to give an owner: the head gets this reminder, worded for them;
- **missed**: ``UPDATE_GRACE_DAYS`` after the due date, the unit's head (``Unit.head``) is told
  likewise, once (``update-missed:<initiative>:<due date>``).

Days are the city's. Initiatives rolled out, archived, or in a retired stage owe no update. The
job (``reminders.jobs.send_update_reminders``, daily) queues the emails and adds the
notifications; it never commits (the scheduler commits once per run).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from ..domain.clock import local_midnight_utc, local_today
from ..extensions import db
from ..lifecycle.stages import ordered_stages, rolled_out
from ..mail.planning import PlannedEmail, queue_plan
from ..mail.urls import app_url
from ..models import Initiative, Notification, Stage, Unit, User
from ..reminders.services import wants_reminders
from .services import Due, latest_updates, next_due

log = logging.getLogger(__name__)

UPDATE_DUE = "update_due"
UPDATE_MISSED = "update_missed"
REMINDERS = "reminders"  # the unsubscribe topic (as every reminder's)


@dataclass
class OwedUpdate:
    initiative_id: int
    title: str
    unit_id: int
    owner_id: int | None
    head_id: int | None
    due: Due
    url: str


def owed_updates(now: datetime, stages: Sequence[Stage] | None = None,
                 unit_id: int | None = None) -> list[OwedUpdate]:
    """The initiatives (of ``unit_id``, or all) whose update is due today or late, most late
    first: two queries."""
    stages = list(stages) if stages is not None else ordered_stages()
    done = rolled_out(stages)
    eligible = {s.id: s for s in stages if not s.retired and s.id not in done}
    if not eligible:
        return []
    today = local_today(now)
    conditions = [Initiative.archived.is_(False), Initiative.stage_id.in_(list(eligible))]
    if unit_id is not None:
        conditions.append(Initiative.unit_id == unit_id)
    rows = db.session.execute(
        sa.select(Initiative.id, Initiative.title, Initiative.unit_id, Initiative.owner_id,
                  Initiative.stage_id, Initiative.created_at, Unit.head_id)
        .join(Unit, Unit.id == Initiative.unit_id).where(*conditions)
    ).all()
    latest = latest_updates(sa.select(Initiative.id).where(*conditions))
    owed = []
    for row in rows:
        due = next_due(row.created_at, latest.get(row.id), eligible[row.stage_id], today)
        if due.on <= today:
            owed.append(OwedUpdate(row.id, row.title, row.unit_id, row.owner_id, row.head_id, due,
                                   app_url("initiatives.detail", initiative_id=row.id,
                                           _anchor="updates")))
    owed.sort(key=lambda o: (-o.due.days_late, o.initiative_id))
    return owed


def _already_told(kind: str, owed: list[OwedUpdate]) -> set[tuple[int, int]]:
    """(initiative, person) pairs already notified of ``kind`` since the earliest due date."""
    if not owed:
        return set()
    since = local_midnight_utc(min(o.due.on for o in owed))
    return set(db.session.execute(
        sa.select(Notification.initiative_id, Notification.user_id)
        .where(Notification.kind == kind, Notification.created_at >= since,
               Notification.initiative_id.in_([o.initiative_id for o in owed]))
    ).all())


def _email(kind: str, key: str, to: User, subject: str, context: dict) -> PlannedEmail:
    return PlannedEmail(kind=kind, dedupe_key=key, to=to, subject=subject, template=kind,
                        context=context, unsubscribe=REMINDERS)


@dataclass
class Telling:
    """One person to tell of one owed update: the notification to add and, when they want
    reminders, the email to queue."""
    kind: str
    item: OwedUpdate
    person: User
    plan: PlannedEmail | None


def plan_update_reminders(now: datetime) -> list[Telling]:
    """Who is told of which owed update now (see the module docstring); writes nothing."""
    grace = int(current_app.config["UPDATE_GRACE_DAYS"])
    owed = owed_updates(now)
    missed = [o for o in owed if o.due.missed(grace)]
    people = {u.id: u for u in db.session.scalars(sa.select(User).where(
        User.id.in_({o.owner_id for o in owed} | {o.head_id for o in owed} - {None}),
        User.active.is_(True)))}

    def reporter(item: OwedUpdate) -> int | None:  # the owner, else the unit's head
        return item.owner_id if item.owner_id in people else item.head_id

    tellings = []
    for kind, items, person_of in ((UPDATE_DUE, owed, reporter),
                                   (UPDATE_MISSED, missed, lambda o: o.head_id)):
        told = _already_told(kind, [o for o in items if person_of(o) in people])
        for item in items:
            person = people.get(person_of(item))
            if person is None or (item.initiative_id, person.id) in told:
                continue
            plan = None
            if wants_reminders(person):
                with force_locale(person.locale):
                    subject = (_("A progress update on “%(title)s” is due", title=item.title)
                               if kind == UPDATE_DUE else
                               _("No progress update on “%(title)s” since it was due",
                                 title=item.title))
                plan = _email(kind, f"{kind.replace('_', '-')}:{item.initiative_id}:"
                                    f"{item.due.on.isoformat()}", person, subject,
                              {"item": item, "grace_days": grace,
                               "as_head": person.id != item.owner_id})
            tellings.append(Telling(kind, item, person, plan))
    return tellings


def send_update_reminders(now: datetime) -> dict[str, int]:
    """Tell owners of due updates and heads of missed ones: a notification each, and an email
    through the outbox to those who want reminders."""
    tellings = plan_update_reminders(now)
    plans = [t.plan for t in tellings if t.plan is not None]
    queued = 0
    for telling in tellings:
        db.session.add(Notification(user=telling.person, kind=telling.kind,
                                    initiative_id=telling.item.initiative_id, created_at=now))
        if telling.plan is not None and queue_plan(telling.plan, now) is not None:
            queued += 1
    db.session.flush()
    counts = {"due": len(plans), "queued": queued, "already_queued": len(plans) - queued,
              "notified": len(tellings)}
    log.info("update reminders: %s", counts)
    return counts
