"""The weekly digest: what a unit head (manager) or a reviewer reads on Monday morning.

A digest belongs to an ISO week, the week it is sent in (``weeks.DigestWeek``, ``2026-W48``). It
reports on **the week before**: the local Monday-to-Monday that ended when its own week began,
because a digest sent on Monday at 07:00 about the hours since midnight would say nothing. "Due in
the next 7 days", "overdue", "stale" and the statuses are judged at ``now``.

- a manager's digest covers their unit only: initiatives moved (from → to), milestones due in the
  next 7 days and overdue, measurements recorded with the indicator's progress, stale initiatives,
  the unit's initiatives by status, and counts by stage;
- a reviewer's digest covers the city: counts and statuses by dimension and by unit, the at-risk
  and off-track initiatives with their reasons, and the quick wins rolled out.

``build_digest`` runs a fixed number of queries whatever the number of initiatives (see
``tests/digests/test_digests.py``) and returns plain dataclasses, with every text already in the
recipient's language and every link absolute (``QUICKWIN_BASE_URL``). Sending it by email, and
the preview, are ``emails.py``.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from ..domain.activity import localized_name
from ..domain.clock import local_midnight_utc, local_today
from ..domain.texts import date_span
from ..extensions import db
from ..lifecycle.progress import progress
from ..lifecycle.stages import ordered_stages, rolled_out
from ..lifecycle.status import Status, assess_many, latest_verified_value
from ..mail.urls import app_url
from ..models import (
    Activity,
    Dimension,
    Health,
    Indicator,
    Initiative,
    Measurement,
    MeasurementStatus,
    Milestone,
    ProgressUpdate,
    Review,
    ReviewDecision,
    Role,
    Stage,
    Unit,
    User,
)
from ..reminders.services import stale_initiatives
from .weeks import DigestWeek

log = logging.getLogger(__name__)

DUE_SOON_DAYS = 7
STATUS_ORDER = (Status.OFF_TRACK, Status.AT_RISK, Status.ON_TRACK, Status.DONE)
MEASUREMENT_STATUS_LABELS = {
    MeasurementStatus.SUBMITTED.value: _l("awaiting verification"),
    MeasurementStatus.VERIFIED.value: _l("verified"),
    MeasurementStatus.RETURNED.value: _l("returned"),
}


# --------------------------------------------------------------------------- the digest


@dataclass
class MoveItem:
    initiative_id: int
    title: str
    url: str
    from_stage: str
    to_stage: str
    at: datetime
    actor: str | None


@dataclass
class MilestoneRow:
    title: str
    due_date: date
    days: int  # due date minus today: negative when overdue
    initiative_title: str
    url: str
    responsible: str | None

    @property
    def days_overdue(self) -> int:
        return -self.days


@dataclass
class MeasurementItem:
    initiative_id: int
    initiative_title: str
    url: str
    indicator: str
    value: float
    unit_of_measure: str
    measured_on: date
    status: str
    status_label: str
    progress: float | None  # the indicator's progress (latest verified measurement)


@dataclass
class StaleItem:
    initiative_id: int
    title: str
    url: str
    stage: str
    idle_days: int
    last_activity_on: date


@dataclass
class InitiativeStatus:
    title: str
    url: str
    unit_code: str
    stage: str
    status: Status
    reasons: list[str] = field(default_factory=list)


@dataclass
class StatusGroup:
    status: Status
    label: str
    icon: str
    items: list[InitiativeStatus]


@dataclass
class CountRow:
    """One line of a summary table: a stage, a dimension or a unit."""

    label: str
    total: int
    by_status: dict[str, int] = field(default_factory=dict)
    url: str = ""


@dataclass
class RolloutItem:
    title: str
    url: str
    unit_code: str
    at: datetime


@dataclass
class DecisionItem:
    title: str
    url: str
    decision: str  # translated label
    note: str
    follow_up_on: date | None
    review_title: str


@dataclass
class UpdateItem:
    """A progress update posted in the reported week."""
    initiative_id: int
    title: str
    url: str
    health: str
    health_label: str
    author: str
    moved: str
    rosier: bool  # reported better than the initiative's status today


@dataclass
class LateUpdate:
    """An initiative whose progress update is due and not posted."""
    title: str
    url: str
    due_on: date
    days_late: int


@dataclass
class Digest:
    kind: str  # "manager" or "reviewer"
    user: User
    week: DigestWeek
    period_start: date  # the reported Monday
    period_end: date  # the Monday after (exclusive)
    today: date
    period_text: str  # the reported week in the recipient's language: "23–29 Nov 2026"
    board_url: str
    unit_name: str = ""
    unit_code: str = ""
    total: int = 0
    # manager
    moved: list[MoveItem] = field(default_factory=list)
    due_soon: list[MilestoneRow] = field(default_factory=list)
    overdue: list[MilestoneRow] = field(default_factory=list)
    measurements: list[MeasurementItem] = field(default_factory=list)
    updates: list[UpdateItem] = field(default_factory=list)
    late_updates: list[LateUpdate] = field(default_factory=list)
    stale: list[StaleItem] = field(default_factory=list)
    decisions: list[DecisionItem] = field(default_factory=list)
    by_status: list[StatusGroup] = field(default_factory=list)
    by_stage: list[CountRow] = field(default_factory=list)
    # reviewer
    by_dimension: list[CountRow] = field(default_factory=list)
    by_unit: list[CountRow] = field(default_factory=list)
    at_risk: list[InitiativeStatus] = field(default_factory=list)
    rolled_out: list[RolloutItem] = field(default_factory=list)
    status_totals: dict[str, int] = field(default_factory=dict)

    @property
    def period_last_day(self) -> date:
        return self.period_end - timedelta(days=1)

    @property
    def statuses(self) -> tuple[Status, ...]:
        return STATUS_ORDER

    @property
    def is_empty(self) -> bool:
        """Nothing happened and nothing needs attention (the standing counts aside)."""
        if self.kind == "manager":
            return not (self.moved or self.due_soon or self.overdue or self.measurements
                        or self.updates or self.late_updates or self.stale or self.at_risk
                        or self.decisions)
        return not (self.rolled_out or self.at_risk)


def receives_digest(user: User) -> bool:
    """Managers with a unit and reviewers (preferences aside)."""
    return (user.role == Role.MANAGER.value and user.unit_id is not None) or \
        user.role == Role.REVIEWER.value


def _window(week_start: date) -> tuple[datetime, datetime]:
    return local_midnight_utc(week_start), local_midnight_utc(week_start + timedelta(days=7))


def _initiative_url(initiative_id: int, anchor: str | None = None) -> str:
    return app_url("initiatives.detail", initiative_id=initiative_id, _anchor=anchor)


def _initiatives(unit_id: int | None) -> list[Any]:
    """Non-archived initiatives (of one unit, or all) as rows; one query."""
    stmt = (
        sa.select(Initiative.id, Initiative.title, Initiative.stage_id, Initiative.dimension_id,
                  Initiative.unit_id, Initiative.stage_entered_at, Initiative.created_at,
                  Initiative.target_date, Unit.code.label("unit_code"),
                  Unit.name.label("unit_name"))
        .join(Unit, Unit.id == Initiative.unit_id)
        .where(Initiative.archived.is_(False))
        .order_by(Initiative.title, Initiative.id)
    )
    if unit_id is not None:
        stmt = stmt.where(Initiative.unit_id == unit_id)
    return list(db.session.execute(stmt))


def _statuses(rows: Sequence[Any], stages: Sequence[Stage], today: date, unit_id: int | None
              ) -> dict[int, InitiativeStatus]:
    """The status of each of ``rows`` (``_initiatives(unit_id)``)."""
    names = {s.id: s.name for s in stages}
    scope = sa.select(Initiative.id).where(Initiative.archived.is_(False))
    if unit_id is not None:
        scope = scope.where(Initiative.unit_id == unit_id)
    assessed = assess_many(rows, stages, today, scope=scope)  # (no list of every id)
    return {
        row.id: InitiativeStatus(
            title=row.title, url=_initiative_url(row.id), unit_code=row.unit_code,
            stage=names.get(row.stage_id, "?"), status=assessed[row.id][0].status,
            reasons=[r.text for r in assessed[row.id][0].reasons],
        )
        for row in rows
    }


def _at_risk(statuses: dict[int, InitiativeStatus]) -> list[InitiativeStatus]:
    worst = {Status.OFF_TRACK: 0, Status.AT_RISK: 1}
    risky = [s for s in statuses.values() if s.status in worst]
    return sorted(risky, key=lambda s: (worst[s.status], s.unit_code, s.title))


def _count_rows(rows: Sequence[Any], statuses: dict[int, InitiativeStatus], key: str,
                labels: dict[int, str], keep_empty: bool = False) -> list[CountRow]:
    totals: Counter[int] = Counter()
    by_status: dict[int, Counter[str]] = defaultdict(Counter)
    for row in rows:
        group = getattr(row, key)
        totals[group] += 1
        by_status[group][statuses[row.id].status.value] += 1
    return [CountRow(label=labels.get(group, "?"), total=totals[group],
                     by_status=dict(by_status[group]))
            for group in labels if keep_empty or totals[group]]


def _moves(week_start: date, unit_id: int | None) -> list[Any]:
    """Stage moves in the reported week, oldest first; one query."""
    start, end = _window(week_start)
    stmt = (
        sa.select(Activity.created_at, Activity.data, Initiative.id, Initiative.title,
                  Unit.code.label("unit_code"), User.name.label("actor"))
        .join(Initiative, Initiative.id == Activity.initiative_id)
        .join(Unit, Unit.id == Initiative.unit_id)
        .outerjoin(User, User.id == Activity.actor_id)
        .where(Activity.verb == "moved", Activity.created_at >= start, Activity.created_at < end,
               Initiative.archived.is_(False))
        .order_by(Activity.created_at, Activity.id)
    )
    if unit_id is not None:
        stmt = stmt.where(Initiative.unit_id == unit_id)
    return list(db.session.execute(stmt))


# --------------------------------------------------------------------------- manager


def _milestones(unit_id: int, today: date) -> tuple[list[MilestoneRow], list[MilestoneRow]]:
    """(due in the next 7 days, overdue) open milestones of the unit; one query."""
    rows = db.session.execute(
        sa.select(Milestone.title, Milestone.due_date, Initiative.id.label("initiative_id"),
                  Initiative.title.label("initiative_title"), User.name.label("responsible"))
        .join(Initiative, Initiative.id == Milestone.initiative_id)
        .outerjoin(User, User.id == Milestone.responsible_id)
        .where(Initiative.unit_id == unit_id, Initiative.archived.is_(False),
               Milestone.done_on.is_(None),
               Milestone.due_date < today + timedelta(days=DUE_SOON_DAYS))
        .order_by(Milestone.due_date, Initiative.title, Milestone.position, Milestone.id)
    )
    due_soon, overdue = [], []
    for row in rows:
        item = MilestoneRow(
            title=row.title, due_date=row.due_date, days=(row.due_date - today).days,
            initiative_title=row.initiative_title, responsible=row.responsible,
            url=_initiative_url(row.initiative_id, "milestones"),
        )
        (overdue if item.days < 0 else due_soon).append(item)
    return due_soon, overdue


def _updates(unit_id: int, week_start: date, statuses: dict[int, Any]) -> list[UpdateItem]:
    """Progress updates posted in the reported week, oldest first, each marked when rosier than
    its initiative's status today (``statuses``: as ``_statuses`` gives them); one query."""
    from ..updates.services import rosier

    start, end = _window(week_start)
    rows = db.session.execute(
        sa.select(ProgressUpdate.health, ProgressUpdate.moved, User.name.label("author"),
                  Initiative.id, Initiative.title)
        .join(Initiative, Initiative.id == ProgressUpdate.initiative_id)
        .outerjoin(User, User.id == ProgressUpdate.author_id)
        .where(Initiative.unit_id == unit_id, Initiative.archived.is_(False),
               ProgressUpdate.created_at >= start, ProgressUpdate.created_at < end)
        .order_by(ProgressUpdate.created_at, ProgressUpdate.id)
    ).all()
    items = []
    for r in rows:
        status = statuses.get(r.id)
        items.append(UpdateItem(
            initiative_id=r.id, title=r.title, url=_initiative_url(r.id, "updates"),
            health=r.health, health_label=Health(r.health).label, author=r.author or "",
            moved=r.moved if len(r.moved) <= 280 else r.moved[:279] + "…",
            rosier=status is not None and rosier(r.health, status.status)))
    return items


def _late_updates(unit_id: int, now: datetime, stages: list[Stage]) -> list[LateUpdate]:
    """The unit's initiatives whose progress update is late (``updates.reminders``), most late
    first; two queries."""
    from ..updates.reminders import owed_updates

    return [LateUpdate(o.title, o.url, o.due.on, o.due.days_late)
            for o in owed_updates(now, stages, unit_id=unit_id) if o.due.late]


def _measurements(unit_id: int, week_start: date) -> list[MeasurementItem]:
    """Measurements recorded in the reported week, with their indicator's progress (latest
    verified measurement, as ``lifecycle.status.load_facts`` counts it); two queries."""
    start, end = _window(week_start)
    rows = db.session.execute(
        sa.select(Measurement.value, Measurement.measured_on, Measurement.status,
                  Indicator.id.label("indicator_id"), Indicator.name, Indicator.unit_of_measure,
                  Indicator.baseline, Indicator.target, Indicator.direction,
                  Initiative.id.label("initiative_id"), Initiative.title)
        .join(Indicator, Indicator.id == Measurement.indicator_id)
        .join(Initiative, Initiative.id == Indicator.initiative_id)
        .where(Initiative.unit_id == unit_id, Initiative.archived.is_(False),
               Measurement.status != MeasurementStatus.WITHDRAWN.value,
               Measurement.recorded_at >= start, Measurement.recorded_at < end)
        .order_by(Measurement.recorded_at, Measurement.id)
    ).all()
    if not rows:
        return []
    latest = dict(db.session.execute(
        sa.select(Indicator.id, latest_verified_value())
        .where(Indicator.id.in_({r.indicator_id for r in rows}))).all())
    return [
        MeasurementItem(
            initiative_id=r.initiative_id, initiative_title=r.title, url=_initiative_url(r.initiative_id,
                                                          f"indicator-{r.indicator_id}"),
            indicator=r.name, value=r.value, unit_of_measure=r.unit_of_measure,
            measured_on=r.measured_on, status=r.status,
            status_label=str(MEASUREMENT_STATUS_LABELS.get(r.status, r.status)),
            progress=progress(r.baseline, r.target, r.direction, latest.get(r.indicator_id)),
        )
        for r in rows
    ]


def _decisions(unit_id: int, week_start: date) -> list[DecisionItem]:
    """The Sekda's review decisions about the unit's initiatives, taken in the reported week."""
    start, end = _window(week_start)
    rows = db.session.execute(
        sa.select(ReviewDecision, Initiative.title, Review.title)
        .join(Initiative, Initiative.id == ReviewDecision.initiative_id)
        .join(Review, Review.id == ReviewDecision.review_id)
        .where(Initiative.unit_id == unit_id, ReviewDecision.decided_at >= start,
               ReviewDecision.decided_at < end)
        .order_by(ReviewDecision.decided_at)
    ).all()
    return [
        DecisionItem(title=title, url=_initiative_url(d.initiative_id, "review-decisions"),
                     decision=d.label, note=d.note, follow_up_on=d.follow_up_on,
                     review_title=review_title)
        for d, title, review_title in rows
    ]


def _moved(week_start: date, unit_id: int, language: str) -> list[MoveItem]:
    """The unit's stage moves in the reported week, stages named in ``language``; one query."""
    items = []
    for m in _moves(week_start, unit_id):
        data = m.data or {}
        items.append(MoveItem(
            initiative_id=m.id, title=m.title, url=_initiative_url(m.id), actor=m.actor, at=m.created_at,
            from_stage=localized_name(data.get("from_name"), data.get("from_stage", "?"), language),
            to_stage=localized_name(data.get("to_name"), data.get("to_stage", "?"), language)))
    return items


def _stale(now: datetime, unit_id: int, stages: list[Stage], active: set[int]) -> list[StaleItem]:
    """The unit's stale initiatives (``reminders.services.stale_initiatives``), except those in
    ``active`` (moved or measured in the reported week: the same email lists them, and calling
    them inactive beside that would contradict it when ``QUICKWIN_STALE_DAYS`` is shorter than
    the week); one query."""
    names = {s.id: s.name for s in stages}
    return [
        StaleItem(initiative_id=s.initiative_id, title=s.title, url=s.url, stage=names.get(s.stage_id, "?"),
                  idle_days=s.idle_days, last_activity_on=s.last_activity_on)
        for s in stale_initiatives(now, unit_id=unit_id, stages=stages)
        if s.initiative_id not in active
    ]


def _by_status(statuses: dict[int, InitiativeStatus]) -> list[StatusGroup]:
    """The initiatives grouped by status, worst first; statuses nobody has are left out."""
    groups = []
    for status in STATUS_ORDER:
        items = [s for s in statuses.values() if s.status == status]
        if items:
            groups.append(StatusGroup(status, status.label, status.icon, items))
    return groups


def _manager_digest(digest: Digest, user: User, stages: list[Stage], now: datetime,
                    language: str) -> None:
    unit = user.unit
    digest.unit_name, digest.unit_code = unit.name, unit.code
    today, week_start = digest.today, digest.period_start

    rows = _initiatives(unit.id)
    statuses = _statuses(rows, stages, today, unit.id)
    digest.total = len(rows)
    digest.moved = _moved(week_start, unit.id, language)
    digest.due_soon, digest.overdue = _milestones(unit.id, today)
    digest.measurements = _measurements(unit.id, week_start)
    digest.updates = _updates(unit.id, week_start, statuses)
    digest.late_updates = _late_updates(unit.id, now, stages)
    listed = {m.initiative_id for m in digest.moved} | {
        m.initiative_id for m in digest.measurements} | {u.initiative_id for u in digest.updates}
    digest.stale = _stale(now, unit.id, stages, listed)
    digest.decisions = _decisions(unit.id, week_start)
    digest.at_risk = _at_risk(statuses)
    digest.by_status = _by_status(statuses)
    digest.status_totals = dict(Counter(s.status.value for s in statuses.values()))
    per_stage = Counter(row.stage_id for row in rows)
    digest.by_stage = [CountRow(label=s.name, total=per_stage.get(s.id, 0))
                       for s in stages if not s.retired or per_stage.get(s.id)]


# --------------------------------------------------------------------------- reviewer


def _reviewer_digest(digest: Digest, stages: list[Stage]) -> None:
    today, week_start = digest.today, digest.period_start
    rows = _initiatives(None)
    statuses = _statuses(rows, stages, today, None)
    digest.total = len(rows)
    dimensions = list(db.session.scalars(sa.select(Dimension).order_by(Dimension.position,
                                                                        Dimension.id)))
    digest.by_dimension = _count_rows(rows, statuses, "dimension_id",
                                      {d.id: d.name for d in dimensions}, keep_empty=True)
    units = {row.unit_id: f"{row.unit_code} · {row.unit_name}"
             for row in sorted(rows, key=lambda r: r.unit_code)}
    digest.by_unit = _count_rows(rows, statuses, "unit_id", units)
    digest.at_risk = _at_risk(statuses)
    digest.status_totals = dict(Counter(s.status.value for s in statuses.values()))
    done = rolled_out(stages)
    seen: set[int] = set()
    for move in reversed(_moves(week_start, None)):
        data = move.data or {}
        if done.rolls_out(data.get("from_stage"), data.get("to_stage")) and move.id not in seen:
            seen.add(move.id)
            digest.rolled_out.append(RolloutItem(title=move.title, url=_initiative_url(move.id),
                                                 unit_code=move.unit_code, at=move.created_at))
    digest.rolled_out.reverse()


# --------------------------------------------------------------------------- building


def build_digest(user: User, week_start: date, now: datetime) -> Digest:
    """The digest ``user`` receives, reporting on the local week ``week_start`` (a Monday) to
    the Monday after; "due", "overdue", "stale" and statuses are judged at ``now``.

    Managers get their unit's digest, reviewers the city's; anyone else gets ``ValueError``.
    Texts are produced in ``user``'s language. A constant number of queries.
    """
    if not receives_digest(user):
        raise ValueError(f"{user.email} ({user.role}) receives no digest")
    with force_locale(user.locale):
        language = user.locale
        stages = ordered_stages()
        digest = Digest(
            kind="manager" if user.role == Role.MANAGER.value else "reviewer",
            user=user, week=DigestWeek.of(week_start + timedelta(days=7)),
            period_start=week_start, period_end=week_start + timedelta(days=7),
            today=local_today(now), board_url=app_url("board.index"),
            period_text=date_span(week_start, week_start + timedelta(days=6), language),
        )
        if digest.kind == "manager":
            _manager_digest(digest, user, stages, now, language)
        else:
            _reviewer_digest(digest, stages)
    return digest
