"""Who is reminded of what, decided from the data and ``now`` alone.

Each ``plan_*`` function returns ``mail.planning.PlannedEmail`` values and writes nothing: the
jobs (``jobs.py``) queue them (``mail.planning.queue_plan``), the CLI's ``--dry-run`` and the digest
preview render them. Every plan carries the outbox ``dedupe_key`` that makes it happen once:

- milestone reminders: ``reminder:<user>:<local date>``: one email per person per day, listing
  every milestone they are responsible for or whose initiative they own that is overdue or due
  within their lead time (``User.reminder_lead_days``);
- stale nudges: ``stale:<initiative>:<local date of the last activity>``: one per stale spell;
- follow-ups: ``followup:<initiative>:<months>``: N months after the rollout;
- measurement nudges: ``measure:<indicator>:<date of the last measurement or creation>``;
- mention emails: ``mention:<notification>``.

Days are the city's local days (``QUICKWIN_TIMEZONE``): "due in 3 days" means three local
midnights from ``now``. Every kind respects the recipient's ``reminders_enabled`` (mention emails
too: they are reminders of something to read in the app; the in-app notification stays) and
skips inactive people (``_plans``): each email goes out in its recipient's language, with a link
that unsubscribes from reminders, and its template is named after its kind.
"""

from __future__ import annotations

import calendar
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from ..domain.activity import last_sign_of_life
from ..domain.clock import local_midnight_utc, local_today, to_local
from ..extensions import db
from ..lifecycle.stages import RolledOut, ordered_stages, rolled_out, rollout_dates
from ..mail.planning import PlannedEmail
from ..mail.urls import app_url
from ..models import (
    STANDING_MEASUREMENT_STATUSES,
    Indicator,
    Initiative,
    Measurement,
    Milestone,
    Notification,
    Stage,
    User,
)

log = logging.getLogger(__name__)

MAX_LEAD_DAYS = 14  # the longest lead time a user may choose (preferences form)
FOLLOWUP_WINDOW_DAYS = 14  # a follow-up is due from its anniversary for this many days
MENTION_WINDOW = timedelta(days=2)  # older unmailed mentions are left to the in-app list
REMINDERS = "reminders"  # the unsubscribe topic of every email here
MENTION = "mention"


T = TypeVar("T")  # what a plan is composed from (an item of _plans)


# --------------------------------------------------------------------------- people and plans


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months (31 Jan + 1 month → 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def wants_reminders(user: User | None) -> bool:
    return user is not None and user.active and user.reminders_enabled


def lead_days(user: User) -> int:
    """The user's reminder lead time; the configured default when theirs is unset or invalid."""
    value = user.reminder_lead_days
    if value is None or not 1 <= value <= MAX_LEAD_DAYS:
        return current_app.config["REMINDER_LEAD_DAYS"]
    return value


def _users(ids: Iterable[int | None]) -> dict[int, User]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(wanted)))}


def _first_active(stages: Sequence[Stage]) -> Stage | None:
    active = [s for s in stages if not s.retired]
    return min(active, key=lambda s: (s.position, s.id)) if active else None


def _email(kind: str, dedupe_key: str, to: User, subject: str,
           context: dict[str, Any]) -> PlannedEmail:
    """A reminder: its template is named after its kind, its link unsubscribes from reminders."""
    return PlannedEmail(kind=kind, dedupe_key=dedupe_key, to=to, subject=subject, template=kind,
                        context=context, unsubscribe=REMINDERS)


def _plans(due: Iterable[tuple[int | None, T]],
           compose: Callable[[User, T], PlannedEmail | None], *,
           people: dict[int, User] | None = None, everyone: bool = False) -> list[PlannedEmail]:
    """``compose(person, item)``, in the person's language, for each (person id, item) of ``due``
    whose person wants reminders (``everyone``: whatever their preference, for the preview);
    ``people`` are the persons when already read (else one query). A composition may return None:
    nothing to send."""
    due = list(due)
    if people is None:
        people = _users(person_id for person_id, _item in due)
    plans = []
    for person_id, item in due:
        person = people.get(person_id) if person_id is not None else None
        if person is None or not (everyone or wants_reminders(person)):
            continue
        with force_locale(person.locale):
            plan = compose(person, item)
        if plan is not None:
            plans.append(plan)
    return plans


# --------------------------------------------------------------------------- milestones


@dataclass
class MilestoneItem:
    milestone_id: int
    title: str
    due_date: date
    days: int  # due date minus today (local): 0 due today, negative overdue
    initiative_id: int
    initiative_title: str
    url: str
    responsible: bool = False  # the recipient is responsible for it
    owner: bool = False  # the recipient owns its initiative

    @property
    def overdue(self) -> bool:
        return self.days < 0

    @property
    def days_overdue(self) -> int:
        return -self.days


def milestone_items(now: datetime, user: User | None = None) -> dict[int, list[MilestoneItem]]:
    """Open milestones of non-archived initiatives due up to ``MAX_LEAD_DAYS`` ahead (and every
    overdue one), per person concerned (responsible and initiative owner), earliest first.
    Two queries; ``user`` narrows it to that person."""
    today = local_today(now)
    stmt = (
        sa.select(Milestone.id, Milestone.title, Milestone.due_date, Milestone.responsible_id,
                  Initiative.id.label("initiative_id"), Initiative.title.label("initiative_title"),
                  Initiative.owner_id)
        .join(Initiative, Initiative.id == Milestone.initiative_id)
        .where(Milestone.done_on.is_(None), Initiative.archived.is_(False),
               Milestone.due_date <= today + timedelta(days=MAX_LEAD_DAYS))
        .order_by(Milestone.due_date, Initiative.title, Milestone.position, Milestone.id)
    )
    if user is not None:
        stmt = stmt.where(sa.or_(Milestone.responsible_id == user.id,
                                 Initiative.owner_id == user.id))
    per_user: dict[int, list[MilestoneItem]] = defaultdict(list)
    for row in db.session.execute(stmt):
        url = app_url("initiatives.detail", initiative_id=row.initiative_id,
                      _anchor="milestones")
        for person_id in {row.responsible_id, row.owner_id} - {None}:
            if user is not None and person_id != user.id:
                continue
            per_user[person_id].append(MilestoneItem(
                milestone_id=row.id, title=row.title, due_date=row.due_date,
                days=(row.due_date - today).days, initiative_id=row.initiative_id,
                initiative_title=row.initiative_title, url=url,
                responsible=row.responsible_id == person_id, owner=row.owner_id == person_id,
            ))
    return per_user


def plan_milestone_reminders(now: datetime, user: User | None = None,
                             respect_preferences: bool = True) -> list[PlannedEmail]:
    """One email per person listing all their milestones due within their lead time or overdue.

    ``respect_preferences=False`` (the preview) plans it even for someone who turned reminders
    off."""
    today = local_today(now)

    def compose(person: User, items: list[MilestoneItem]) -> PlannedEmail | None:
        horizon = lead_days(person)
        mine = [i for i in items if i.days <= horizon]
        if not mine:
            return None
        subject = ngettext("%(num)d milestone needs attention",
                           "%(num)d milestones need attention", len(mine))
        return _email("reminder", f"reminder:{person.id}:{today.isoformat()}", person, subject,
                      {"today": today, "lead_days": horizon,
                       "overdue": [i for i in mine if i.overdue],
                       "upcoming": [i for i in mine if not i.overdue]})

    plans = _plans(milestone_items(now, user).items(), compose,
                   people={user.id: user} if user is not None else None,
                   everyone=not respect_preferences)
    plans.sort(key=lambda p: p.to.id)
    return plans


# --------------------------------------------------------------------------- stale initiatives


@dataclass
class StaleInitiative:
    initiative_id: int
    title: str
    unit_id: int
    owner_id: int | None
    stage_id: int
    last_activity_at: datetime
    idle_days: int
    url: str

    @property
    def last_activity_on(self) -> date:
        return to_local(self.last_activity_at).date()


def stale_initiatives(now: datetime, unit_id: int | None = None,
                      stages: Sequence[Stage] | None = None) -> list[StaleInitiative]:
    """Non-archived initiatives in an active stage that is not rolled out (``rolled_out``) whose
    last sign of life (``domain.activity.last_sign_of_life``: trail entry, measurement recorded,
    comment, else creation) is ``QUICKWIN_STALE_DAYS`` local days ago or more;
    longest idle first. One query (plus the stages when not given)."""
    stages = list(stages) if stages is not None else ordered_stages()
    done = rolled_out(stages)
    eligible = [s.id for s in stages if not s.retired and s.id not in done]
    if not eligible:
        return []
    today = local_today(now)
    days = current_app.config["STALE_DAYS"]
    cutoff = local_midnight_utc(today - timedelta(days=days - 1))
    # Correlated subqueries read one index entry per initiative, where grouped ones read the
    # whole trail.
    last_at = last_sign_of_life()
    stmt = (
        sa.select(Initiative.id, Initiative.title, Initiative.unit_id, Initiative.owner_id,
                  Initiative.stage_id, last_at.label("last_at"))
        .where(Initiative.archived.is_(False), Initiative.stage_id.in_(eligible),
               last_at < cutoff)
        .order_by(last_at, Initiative.id)
    )
    if unit_id is not None:
        stmt = stmt.where(Initiative.unit_id == unit_id)
    return [
        StaleInitiative(
            initiative_id=row.id, title=row.title, unit_id=row.unit_id, owner_id=row.owner_id,
            stage_id=row.stage_id, last_activity_at=row.last_at,
            idle_days=(today - to_local(row.last_at).date()).days,
            url=app_url("initiatives.detail", initiative_id=row.id),
        )
        for row in db.session.execute(stmt)
    ]


def plan_stale_nudges(now: datetime) -> list[PlannedEmail]:
    """One nudge per stale spell to the initiative's owner."""
    stages = ordered_stages()
    names = {s.id: s for s in stages}
    stale_days = current_app.config["STALE_DAYS"]

    def compose(owner: User, item: StaleInitiative) -> PlannedEmail:
        subject = ngettext("“%(title)s” has had no activity for %(num)d day",
                           "“%(title)s” has had no activity for %(num)d days",
                           item.idle_days, title=item.title)
        return _email("stale_nudge",
                      f"stale:{item.initiative_id}:{item.last_activity_on.isoformat()}", owner,
                      subject, {"item": item, "stage_name": names[item.stage_id].name,
                                "stale_days": stale_days})

    return _plans([(s.owner_id, s) for s in stale_initiatives(now, stages=stages)], compose)


# --------------------------------------------------------------------------- follow-ups


@dataclass
class FollowUp:
    initiative_id: int
    title: str
    months: int
    rolled_out_on: date
    due_on: date
    url: str
    indicators: list[str] = field(default_factory=list)


def plan_followups(now: datetime) -> list[PlannedEmail]:
    """Rolled-out initiatives (``rolled_out``) whose rollout was N months ago (each N of
    ``QUICKWIN_FOLLOWUP_MONTHS``): from that local date on, for ``FOLLOWUP_WINDOW_DAYS`` days,
    the owner is asked for a new outcome measurement, once per N. The rollout is the move into
    the rolled-out stages (``rollout_dates``): a later move into a post-rollout stage does not
    restart the clock."""
    months_list: tuple[int, ...] = current_app.config["FOLLOWUP_MONTHS"]
    done = rolled_out(ordered_stages())
    if not months_list or not done.stage_ids:
        return []
    due = _followups_due(now, months_list, done)
    if not due:
        return []
    indicators = _indicator_names({item.initiative_id for _owner, item in due})

    def compose(owner: User, item: FollowUp) -> PlannedEmail:
        item.indicators = indicators.get(item.initiative_id, [])
        subject = ngettext(
            "%(num)d month since “%(title)s” rolled out: time to measure its outcome",
            "%(num)d months since “%(title)s” rolled out: time to measure its outcome",
            item.months, title=item.title)
        return _email("followup", f"followup:{item.initiative_id}:{item.months}", owner, subject,
                      {"item": item})

    return _plans(due, compose)


def _followups_due(now: datetime, months_list: Sequence[int],
                   done: RolledOut) -> list[tuple[int, FollowUp]]:
    """(owner id, follow-up) of every rolled-out initiative inside one of its follow-up windows
    at ``now``; two queries."""
    today = local_today(now)
    earliest = now - timedelta(days=31 * max(months_list) + FOLLOWUP_WINDOW_DAYS + 2)
    rows = db.session.execute(
        sa.select(Initiative.id, Initiative.title, Initiative.owner_id, Initiative.stage_entered_at)
        .where(Initiative.stage_id.in_(done.stage_ids), Initiative.archived.is_(False),
               Initiative.owner_id.is_not(None), Initiative.stage_entered_at >= earliest)
        .order_by(Initiative.id)
    ).all()
    rolled_on = rollout_dates({row.id: row.stage_entered_at for row in rows}, done)
    due: list[tuple[int, FollowUp]] = []
    for row in rows:
        entered = to_local(rolled_on[row.id]).date()
        for months in months_list:
            anniversary = add_months(entered, months)
            if anniversary <= today <= anniversary + timedelta(days=FOLLOWUP_WINDOW_DAYS):
                due.append((row.owner_id, FollowUp(
                    initiative_id=row.id, title=row.title, months=months, rolled_out_on=entered,
                    due_on=anniversary,
                    url=app_url("initiatives.detail", initiative_id=row.id, _anchor="outcomes"))))
    return due


def _indicator_names(initiative_ids: Iterable[int]) -> dict[int, list[str]]:
    """The names of each initiative's indicators, in their order; one query."""
    names: dict[int, list[str]] = defaultdict(list)
    for initiative_id, name in db.session.execute(
        sa.select(Indicator.initiative_id, Indicator.name)
        .where(Indicator.initiative_id.in_(set(initiative_ids)))
        .order_by(Indicator.initiative_id, Indicator.position, Indicator.id)
    ):
        names[initiative_id].append(name)
    return names


# --------------------------------------------------------------------------- measurements


@dataclass
class MissingMeasurement:
    indicator_id: int
    indicator: str
    initiative_id: int
    title: str
    since: date  # the last measurement's date, or the indicator's creation (local)
    measured_before: bool
    idle_days: int
    url: str


def plan_measurement_nudges(now: datetime) -> list[PlannedEmail]:
    """Indicators of non-archived initiatives past the first stage with no measurement (other
    than returned or withdrawn ones) for ``QUICKWIN_MEASUREMENT_NUDGE_DAYS`` local days, counted
    from the latest measurement date or else the indicator's creation: one nudge to the
    initiative's owner per indicator and quiet spell."""
    stages = ordered_stages()
    first = _first_active(stages)
    if first is None:
        return []
    later = [s.id for s in stages if (s.position, s.id) > (first.position, first.id)]
    if not later:
        return []
    days = current_app.config["MEASUREMENT_NUDGE_DAYS"]

    def compose(owner: User, item: MissingMeasurement) -> PlannedEmail:
        subject = ngettext("No measurement of “%(indicator)s” for %(num)d day",
                           "No measurement of “%(indicator)s” for %(num)d days",
                           item.idle_days, indicator=item.indicator)
        return _email("measurement_nudge",
                      f"measure:{item.indicator_id}:{item.since.isoformat()}", owner, subject,
                      {"item": item, "nudge_days": days})

    return _plans(_quiet_indicators(local_today(now), later, days), compose)


def _quiet_indicators(today: date, stage_ids: Sequence[int],
                      days: int) -> list[tuple[int, MissingMeasurement]]:
    """(owner id, missing measurement) of every indicator of a non-archived initiative in
    ``stage_ids`` unmeasured for ``days`` local days or more; one query."""
    latest = (
        sa.select(Measurement.indicator_id.label("indicator_id"),
                  sa.func.max(Measurement.measured_on).label("last"))
        .where(Measurement.status.in_(STANDING_MEASUREMENT_STATUSES))
        .group_by(Measurement.indicator_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(Indicator.id, Indicator.name, Indicator.created_at, latest.c.last,
                  Initiative.id.label("initiative_id"), Initiative.title, Initiative.owner_id)
        .join(Initiative, Initiative.id == Indicator.initiative_id)
        .outerjoin(latest, latest.c.indicator_id == Indicator.id)
        .where(Initiative.archived.is_(False), Initiative.stage_id.in_(stage_ids),
               Initiative.owner_id.is_not(None))
        .order_by(Initiative.id, Indicator.position, Indicator.id)
    ).all()
    quiet = []
    for row in rows:
        since = row.last if row.last is not None else to_local(row.created_at).date()
        idle = (today - since).days
        if idle >= days:
            quiet.append((row.owner_id, MissingMeasurement(
                indicator_id=row.id, indicator=row.name, initiative_id=row.initiative_id,
                title=row.title, since=since, measured_before=row.last is not None,
                idle_days=idle,
                url=app_url("initiatives.detail", initiative_id=row.initiative_id,
                            _anchor=f"indicator-{row.id}"))))
    return quiet


# --------------------------------------------------------------------------- mentions


def plan_mention_emails(now: datetime) -> list[tuple[Notification, PlannedEmail]]:
    """Mention notifications not yet emailed (from the last ``MENTION_WINDOW``), one email each.

    Skipped, and left unmailed: mentions already read in the app, and people who turned reminders
    off or are inactive (their notification stays in the app; an older one is not mailed later if
    they turn reminders back on, since the window has passed)."""
    notifications = db.session.scalars(
        sa.select(Notification)
        .where(Notification.kind == MENTION, Notification.emailed_at.is_(None),
               Notification.read_at.is_(None), Notification.created_at <= now,
               Notification.created_at > now - MENTION_WINDOW)
        .options(joinedload(Notification.user), joinedload(Notification.actor),
                 joinedload(Notification.initiative), joinedload(Notification.comment))
        .order_by(Notification.id)
    ).unique().all()
    plans = []
    for n in notifications:
        if not wants_reminders(n.user) or n.initiative is None:
            continue
        actor = n.actor.name if n.actor is not None else None
        with force_locale(n.user.locale):
            actor = actor or _("Someone")
            subject = _("%(actor)s mentioned you on “%(title)s”", actor=actor,
                        title=n.initiative.title)
        anchor = f"comment-{n.comment_id}" if n.comment_id else "comments"
        plans.append((n, _email(
            "mention", f"mention:{n.id}", n.user, subject,
            {"actor_name": actor, "initiative_title": n.initiative.title,
             "comment_body": n.comment.body if n.comment is not None else "",
             "mentioned_at": n.created_at,
             "url": app_url("initiatives.detail", initiative_id=n.initiative.id,
                            _anchor=anchor)},
        )))
    return plans
