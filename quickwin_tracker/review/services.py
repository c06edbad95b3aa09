"""The Sekda's summary: headline figures, the dimension × stage matrix, a table per OPD, outcome
achievement per dimension, the most urgent initiatives, and trends — in a constant number of
queries that count in SQL, so its cost hardly grows with the city.

Scope: reviewers and admins see the whole city; a manager sees their own unit.

What the period filter means (it applies to every block):
- the initiatives considered are those that existed by the end of the period and are not archived;
- "rolled out" counts moves into a rolled-out stage (the rollout stage, or one placed after it;
  ``lifecycle.stages.rolled_out``) from one that is not, from the activity trail, within the
  period; "active" initiatives are those not rolled out, and only they can be stale;
- "overdue milestones" are open milestones due before the end of the period (or before today,
  whichever is earlier);
- statuses are as of today (the rule in ``lifecycle/status.py``, kept per initiative by
  ``lifecycle/kept.py`` and refreshed here before they are counted), and so are the outcome's
  variance against its plan and its indicators' achievement bands (``lifecycle/bands.py``,
  kept with the statuses and summed per OPD and dimension in the same grouped query);
- trends cover the period week by week (cumulative flow) and month by month (throughput), up to
  the week and month of today.

How it is counted: the kept statuses are refreshed (only those someone changed since, or all of
them on a new day), then one grouped query over initiatives and their kept statuses gives the
matrix, the per-unit counts, the outcome counts and most of the headline; the at-risk lists are
the top ``attention_limit`` per dimension (a window query), assessed again for their reasons;
stale initiatives are those with no sign of life since the cutoff (a query of what happened
lately, not of every initiative's history); the cumulative flow starts from today's stages and
undoes the moves made since each week's end.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Any

import sqlalchemy as sa
from flask import current_app

from ..budget.services import enabled as budget_enabled
from ..budget.summary import BudgetSummary, build_budget_summary
from ..domain.clock import aware_utc, local_midnight_utc, local_today, utcnow
from ..extensions import db
from ..lifecycle import kept
from ..lifecycle.bands import MAX_BANDS, Band, configured_bands
from ..lifecycle.stages import RolledOut, ordered_stages, rolled_out
from ..lifecycle.status import SEVERITY, Assessment, Status, assess_many
from ..models import (
    Activity,
    Comment,
    Dimension,
    Indicator,
    Initiative,
    InitiativeStatus,
    Measurement,
    Milestone,
    ProgressUpdate,
    Role,
    Stage,
    Unit,
    User,
)
from .periods import Period, preset

Scope = list[sa.ColumnElement[bool]]  # the conditions that select the initiatives considered
ATTENTION = (Status.OFF_TRACK, Status.AT_RISK)


@dataclass
class UnitRow:
    unit: Unit
    by_stage: Counter = field(default_factory=Counter)
    by_status: Counter = field(default_factory=Counter)
    overdue_milestones: int = 0
    stale: int = 0
    progress_sum: float = 0.0  # over the initiatives with a measured outcome
    progress_count: int = 0
    owing: int = 0  # active initiatives, which owe progress updates
    updated: int = 0  # of them, with an update within their cadence
    variance_sum: float = 0.0  # over the initiatives measured against a plan (kept rows)
    variance_count: int = 0

    @property
    def average_variance(self) -> float | None:
        """Mean of its initiatives' outcome variance against the plan for today (verified −
        planned progress, points; ``lifecycle.trajectory``); None: none measured against one."""
        return self.variance_sum / self.variance_count if self.variance_count else None

    @property
    def updates_on_time(self) -> float | None:
        """The share of its active initiatives with a progress update within their cadence."""
        return self.updated / self.owing if self.owing else None

    @property
    def total(self) -> int:
        return sum(self.by_stage.values())

    @property
    def average_progress(self) -> float | None:
        """The mean outcome progress of the unit's measured initiatives (None: none measured)."""
        return self.progress_sum / self.progress_count if self.progress_count else None


@dataclass
class DimensionOutcome:
    dimension: Dimension
    met: int = 0
    behind: int = 0
    unmeasured: int = 0
    variance_sum: float = 0.0
    variance_count: int = 0

    @property
    def average_variance(self) -> float | None:
        """As ``UnitRow.average_variance``, over the dimension's initiatives."""
        return self.variance_sum / self.variance_count if self.variance_count else None


@dataclass
class Headline:
    active: int
    rolled_out_period: int
    rolled_out_quarter: int
    rolled_out_year: int
    with_measurement_share: float | None
    on_track_share: float | None
    overdue_milestones: int
    average_days_to_rollout: float | None
    updates_on_time_share: float | None = None  # active initiatives updated within their cadence


@dataclass(frozen=True, slots=True)
class Silent:
    """An active initiative whose progress update is late, with its last one (or creation)."""
    id: int
    title: str
    unit_code: str
    last_at: datetime
    has_update: bool


@dataclass(frozen=True, slots=True)
class Rosier:
    """An initiative whose latest progress update reports better than its status today."""
    id: int
    title: str
    unit_code: str
    reported: str  # its health
    status: Status
    reported_at: datetime


@dataclass
class Summary:
    period: Period
    unit: Unit | None  # a manager's scope; None = the whole city
    stages: list[Stage]
    dimensions: list[Dimension]
    headline: Headline
    matrix: dict[tuple[int, int], int]  # (dimension id, stage id) -> initiatives
    matrix_attention: dict[tuple[int, int], int]  # the same cells: at risk or off track
    unit_rows: list[UnitRow]
    outcomes: list[DimensionOutcome]
    # The most urgent (off track first, then by target date), as (initiative row, assessment):
    # the first ``attention_limit`` of the city, and of each dimension (every one when no limit).
    attention: list[tuple[Any, Assessment]]
    attention_by_dimension: dict[int, list[tuple[Any, Assessment]]]
    # How many are off track and at risk, in all and per dimension id (the lists are cut).
    attention_counts: dict[Status, int]
    attention_counts_by_dimension: dict[int, dict[Status, int]]
    cfd: list[tuple[date, dict[int, int]]]  # week start -> stage id -> count
    throughput: list[tuple[date, dict[int, int]]]  # month start -> dimension id -> rolled out
    # Progress updates: the longest silent (late, oldest first) and the rosiest reports (the first
    # ``attention_limit`` of each), and how many there are in all.
    silent: list[Silent] = field(default_factory=list)
    silent_total: int = 0
    rosier: list[Rosier] = field(default_factory=list)
    rosier_total: int = 0
    # The status words in the reader's language, looked up once.
    status_labels: dict[Status, str] = field(default_factory=dict)
    rolled_out: RolledOut = field(default_factory=RolledOut)  # the stages that count as rolled out
    # Absorption beside outcome progress, and "spent much, achieved little" (``budget.summary``);
    # None when the deployment does not track budgets (``QUICKWIN_BUDGET``).
    budget: BudgetSummary | None = None
    # Achievement bands (``lifecycle.bands``): the configured bands, highest first, and how many
    # indicators fall in each (by band key; None: not banded) per unit id and per dimension id.
    bands: list[Band] = field(default_factory=list)
    bands_by_unit: dict[int, Counter] = field(default_factory=dict)
    bands_by_dimension: dict[int, Counter] = field(default_factory=dict)

    @cached_property
    def bands_total(self) -> Counter:
        """Indicators per band over the whole scope."""
        total: Counter = Counter()
        for counts in self.bands_by_dimension.values():
            total.update(counts)
        return total

    @property
    def attention_total(self) -> int:
        """How many initiatives are at risk or off track."""
        return sum(self.attention_counts.values())

    def attention_counts_in(self, dimension_id: int) -> dict[Status, int]:
        """``attention_counts`` in one dimension."""
        return self.attention_counts_by_dimension.get(
            dimension_id, {status: 0 for status in ATTENTION})

    def attention_total_in(self, dimension_id: int) -> int:
        return sum(self.attention_counts_in(dimension_id).values())

    @cached_property
    def outcomes_by_dimension(self) -> dict[int, DimensionOutcome]:
        return {o.dimension.id: o for o in self.outcomes}

    @cached_property
    def matrix_row_totals(self) -> dict[int, int]:
        """Initiatives per dimension."""
        return _totals(self.matrix, 0)

    @cached_property
    def matrix_column_totals(self) -> dict[int, int]:
        """Initiatives per stage."""
        return _totals(self.matrix, 1)


def _totals(matrix: dict[tuple[int, int], int], axis: int) -> dict[int, int]:
    """The sums of ``matrix`` (dimension id, stage id) -> count along one of its keys."""
    totals: dict[int, int] = defaultdict(int)
    for key, n in matrix.items():
        totals[key[axis]] += n
    return totals


@dataclass
class Previous:
    """The last review's frozen headline (``cycle.snapshot_of``), to show each figure's change."""
    review: Any  # models.Review
    headline: dict[str, Any]

    def change(self, summary: Summary, figure: str) -> float | None:
        """The figure now minus the figure at the last review (None when either is unknown)."""
        now, then = getattr(summary.headline, figure), self.headline.get(figure)
        if now is None or then is None:
            return None
        return now - then


def previous_review(unit: Unit | None) -> Previous | None:
    """The latest review of the same scope (the whole city, or ``unit``) with a frozen headline.
    One query (the last few reviews; a scope's latest is among them in practice)."""
    from ..models import Review

    code = unit.code if unit is not None else None
    for review in db.session.scalars(
            sa.select(Review).order_by(Review.started_at.desc(), Review.id.desc()).limit(20)):
        snap = review.snapshot or {}
        if snap.get("unit") == code and snap.get("headline"):
            return Previous(review, snap["headline"])
    return None


def scope_unit(user: User) -> Unit | None:
    """The unit a summary reader is limited to (managers), or None for the whole city."""
    return user.unit if user.role == Role.MANAGER else None


def build_summary(user: User, period: Period, now: datetime | None = None,
                  sort: str = "code", descending: bool = False,
                  attention_limit: int | None = None) -> Summary:
    """The summary ``user`` may read (``scope_unit``) for ``period``, statuses as of ``now``; the
    per-unit table sorted by ``sort`` (a key of ``SORT_KEYS``); the at-risk lists cut to the
    first ``attention_limit`` (the page), or whole (the stocktake pack, a review's snapshot).

    A constant number of queries, each counting in SQL; it writes the kept statuses it had to
    refresh (``lifecycle.kept``), which the caller commits."""
    now = now or utcnow()
    return with_stale(count_summary(user, period, now, attention_limit), now, sort, descending)


def count_summary(user: User, period: Period, now: datetime,
                  attention_limit: int | None = None) -> Summary:
    """``build_summary`` but for the stale counts (each unit row's ``stale`` is 0) and the sort:
    every figure that only a change of the city can change (``review.remembered`` keeps it
    until one does); ``with_stale`` adds the figures that the passing time changes."""
    today = local_today(now)
    unit = scope_unit(user)
    all_stages = ordered_stages()
    stages = [s for s in all_stages if not s.retired]
    done = rolled_out(all_stages)  # (retired stages too: the trail may name them)
    dimensions = list(db.session.scalars(sa.select(Dimension).order_by(Dimension.position)))
    units = _units(unit)

    scope = _scope(period, unit)
    kept.refresh(today, all_stages)
    groups = _groups(scope)
    rollouts = _rollouts(scope, period, today)
    if period.end >= today:  # overdue as of today: what the kept rows counted
        overdue_by_unit: dict[int, int] = defaultdict(int)
        for g in groups:
            overdue_by_unit[g.unit_id] += g.overdue
    else:
        overdue_by_unit = _overdue_by_unit(scope, period)
    attention, attention_by_dimension = _attention(scope, dimensions, all_stages, today,
                                                   attention_limit)
    owing = _owing(scope, all_stages, done)
    fresh_by_unit = _updates_by_unit(owing, all_stages, today)
    silent, silent_total = _silent(owing, all_stages, today, attention_limit)
    rosier, rosier_total = _rosier(scope, attention_limit)
    bands = list(configured_bands())
    bands_by_unit, bands_by_dimension = _band_counts(groups, bands)

    unit_rows = _unit_rows(units, groups, overdue_by_unit, fresh_by_unit)
    matrix: Counter = Counter()
    matrix_attention: Counter = Counter()
    counts_by_dimension: dict[int, dict[Status, int]] = defaultdict(
        lambda: {status: 0 for status in ATTENTION})
    for g in groups:
        matrix[(g.dimension_id, g.stage_id)] += g.n
        if g.status in ATTENTION:
            matrix_attention[(g.dimension_id, g.stage_id)] += g.n
            counts_by_dimension[g.dimension_id][g.status] += g.n
    counts = {status: sum(c[status] for c in counts_by_dimension.values()) for status in ATTENTION}
    return Summary(
        period=period, unit=unit, stages=stages, dimensions=dimensions,
        headline=_headline(groups, done, rollouts, overdue_by_unit, fresh_by_unit),
        matrix=dict(matrix), matrix_attention=dict(matrix_attention),
        unit_rows=unit_rows,
        outcomes=_outcomes(dimensions, groups),
        attention=attention, attention_by_dimension=attention_by_dimension,
        attention_counts=counts, attention_counts_by_dimension=dict(counts_by_dimension),
        # (the trends stop at today: no flat lines into weeks and months still to come)
        cfd=[p for p in _cumulative_flow(scope, stages, all_stages, period) if p[0] <= today],
        throughput=[p for p in _throughput(scope, dimensions, period) if p[0] <= today],
        silent=silent, silent_total=silent_total, rosier=rosier, rosier_total=rosier_total,
        status_labels={status: status.label for status in Status},
        rolled_out=done,
        budget=(build_budget_summary(scope, units, dimensions, attention_limit)
                if budget_enabled() else None),
        bands=bands, bands_by_unit=bands_by_unit,
        bands_by_dimension=bands_by_dimension,
    )


def with_stale(summary: Summary, now: datetime, sort: str = "code",
               descending: bool = False) -> Summary:
    """``summary`` (from ``count_summary``, left as it is) with each unit's stale initiatives as
    of ``now`` and its unit rows sorted by ``sort``: one query. Stale counts move with the time
    alone (an initiative falls silent at an instant, with no write) and read what no change clock
    follows (the trail, comments), so they are counted on every read."""
    cutoff = now - timedelta(days=int(current_app.config.get("STALE_DAYS", 21)))
    stale_by_unit = _stale_by_unit(_scope(summary.period, summary.unit), summary.rolled_out,
                                   cutoff)
    rows = [replace(row, stale=stale_by_unit.get(row.unit.id, 0)) for row in summary.unit_rows]
    return replace(summary, unit_rows=_sorted_units(rows, sort, descending))


# --------------------------------------------------------------------------- reading (one query each)


def _scope(period: Period, unit: Unit | None) -> Scope:
    """The initiatives considered: not archived, existing by the end of the period, of ``unit``."""
    scope = [Initiative.archived.is_(False), Initiative.created_at < period.end_utc]
    if unit is not None:
        scope.append(Initiative.unit_id == unit.id)
    return scope


def _units(unit: Unit | None) -> list[Unit]:
    """The rows of the per-unit table: every unit, or the manager's own."""
    stmt = sa.select(Unit).order_by(Unit.code)
    if unit is not None:
        stmt = stmt.where(Unit.id == unit.id)
    return list(db.session.scalars(stmt))


@dataclass(frozen=True, slots=True)
class Group:
    """Initiatives of one unit, dimension, stage and status, with what they add up to."""
    unit_id: int
    dimension_id: int
    stage_id: int
    status: Status
    n: int
    progress_sum: float  # over ``progress_count`` of them (those with a measured outcome)
    progress_count: int
    met: int  # indicators that met their target
    behind: int
    unmeasured: int
    measured: int  # initiatives with a standing measurement
    overdue: int  # their open milestones due before today
    variance_sum: float = 0.0  # outcome variance against the plan, over ``variance_count``
    variance_count: int = 0
    bands: tuple[int, ...] = ()  # indicators per configured band (kept ``band_1`` …)
    unbanded: int = 0


def _groups(scope: Scope) -> list[Group]:
    """The scope's initiatives counted by unit, dimension, stage and kept status: at most
    units × dimensions × stages × 4 rows, whatever the number of initiatives."""
    k = InitiativeStatus
    band_sums = [sa.func.sum(getattr(k, f"band_{n}")) for n in range(1, MAX_BANDS + 1)]
    return [Group(unit_id, dimension_id, stage_id, Status(status), n, progress_sum or 0.0,
                  progress_count, met or 0, behind or 0, unmeasured or 0, measured or 0,
                  overdue or 0, variance_sum or 0.0, variance_count or 0,
                  tuple(b or 0 for b in bands), unbanded or 0)
            for unit_id, dimension_id, stage_id, status, n, progress_sum, progress_count, met,
            behind, unmeasured, measured, overdue, variance_sum, variance_count, unbanded, *bands
            in db.session.execute(
                sa.select(Initiative.unit_id, Initiative.dimension_id, Initiative.stage_id,
                          k.status, sa.func.count(), sa.func.sum(k.progress),
                          sa.func.count(k.progress), sa.func.sum(k.indicators_met),
                          sa.func.sum(k.indicators_behind), sa.func.sum(k.indicators_unmeasured),
                          sa.func.sum(sa.case((k.measured, 1), else_=0)),
                          sa.func.sum(k.overdue_milestones), sa.func.sum(k.progress_variance),
                          sa.func.count(k.progress_variance), sa.func.sum(k.unbanded),
                          *band_sums)
                .join(k, k.initiative_id == Initiative.id)
                .where(*scope)
                .group_by(Initiative.unit_id, Initiative.dimension_id, Initiative.stage_id,
                          k.status))]


def _band_counts(groups: list[Group], bands: list[Band],
                 ) -> tuple[dict[int, Counter], dict[int, Counter]]:
    """Indicators by band key (None: not banded) per unit id and per dimension id, from the
    grouped kept rows (``band_1`` is the first configured band)."""
    by_unit: dict[int, Counter] = defaultdict(Counter)
    by_dimension: dict[int, Counter] = defaultdict(Counter)
    for g in groups:
        counts = {band.key: n for band, n in zip(bands, g.bands, strict=False) if n}
        if g.unbanded:
            counts[None] = g.unbanded
        by_unit[g.unit_id].update(counts)
        by_dimension[g.dimension_id].update(counts)
    return dict(by_unit), dict(by_dimension)


def _year_and_quarter(today: date) -> tuple[date, Period]:
    """The first day of ``today``'s year, and its quarter (the headline counts both)."""
    return date(today.year, 1, 1), preset("quarter", today)


@dataclass(frozen=True, slots=True)
class Rollouts:
    """Rollouts (an initiative's latest move into the rolled-out stages from one that is not, from
    the trail): how many initiatives in the period, in today's quarter and in today's year (up to
    the period's end), and the mean days from creation to rollout of those in the period."""
    period: int = 0
    quarter: int = 0
    year: int = 0
    average_days: float | None = None


def _rollouts(scope: Scope, period: Period, today: date) -> Rollouts:
    """``Rollouts``, counted in SQL over the kept rows' latest rollout: one row."""
    year_start, quarter = _year_and_quarter(today)
    at = InitiativeStatus.rolled_out_at
    windows = [(period.start_utc, period.end_utc), (quarter.start_utc, quarter.end_utc),
               (local_midnight_utc(year_start), local_midnight_utc(date(today.year + 1, 1, 1)))]
    within = [sa.and_(at >= start, at < end) for start, end in windows]
    days = _days_between(at, Initiative.created_at)
    in_period, in_quarter, in_year, days_sum = db.session.execute(
        sa.select(*(sa.func.count(sa.case((w, 1))) for w in within),
                  sa.func.sum(sa.case((within[0], days))))
        .select_from(Initiative)
        .join(InitiativeStatus, InitiativeStatus.initiative_id == Initiative.id)
        .where(at >= min(start for start, _end in windows), at < period.end_utc, *scope)
    ).one()
    return Rollouts(in_period, in_quarter, in_year,
                    (days_sum / in_period) if in_period else None)


def _days_between(later: Any, earlier: Any) -> sa.ColumnElement[float]:
    """``later - earlier`` in days (fractional), in the session's dialect."""
    if db.session.get_bind().dialect.name == "postgresql":
        return sa.extract("epoch", later - earlier) / 86400.0
    return sa.func.julianday(later) - sa.func.julianday(earlier)


def _overdue_by_unit(scope: Scope, period: Period) -> dict[int, int]:
    """Open milestones due before the end of a period that ended before today, per unit (for
    a period reaching today, the kept rows count them)."""
    cutoff = period.end + timedelta(days=1)
    return dict(db.session.execute(
        sa.select(Initiative.unit_id, sa.func.count(Milestone.id))
        .join(Initiative, Initiative.id == Milestone.initiative_id)
        .where(Milestone.done_on.is_(None), Milestone.due_date < cutoff, *scope)
        .group_by(Initiative.unit_id)
    ).all())


def _stale_by_unit(scope: Scope, done: RolledOut, cutoff: datetime) -> dict[int, int]:
    """Active initiatives with no sign of life since ``cutoff``, per unit: the rule of
    ``domain.activity.last_sign_of_life`` (no trail entry, measurement recorded or comment since,
    and created before), asked of what happened since the cutoff rather than of every
    initiative's history."""
    alive = sa.union_all(  # (NOT IN needs no duplicates removed first)
        sa.select(Activity.initiative_id)
        .where(Activity.created_at >= cutoff, Activity.initiative_id.is_not(None)),
        sa.select(Indicator.initiative_id)
        .join(Measurement, Measurement.indicator_id == Indicator.id)
        .where(Measurement.recorded_at >= cutoff),
        sa.select(Comment.initiative_id).where(Comment.created_at >= cutoff),
    )
    conditions = [*scope, Initiative.created_at < cutoff, Initiative.id.not_in(alive)]
    if done.stage_ids:
        conditions.append(Initiative.stage_id.not_in(done.stage_ids))
    return dict(db.session.execute(
        sa.select(Initiative.unit_id, sa.func.count()).where(*conditions)
        .group_by(Initiative.unit_id)
    ).all())


def _attention(scope: Scope, dimensions: list[Dimension], stages: list[Stage], today: date,
               limit: int | None,
               ) -> tuple[list[tuple[Any, Assessment]], dict[int, list[tuple[Any, Assessment]]]]:
    """The initiatives off track (first) or at risk, the most urgent first (by target date, none
    last, then the longest known): the first ``limit`` of each dimension (one query of a
    ``LIMIT`` per dimension, each read along the board's index) and of the whole scope (the
    first ``limit`` of those), or all of them; each assessed again for its reasons."""
    k = InitiativeStatus
    urgency = (k.status != Status.OFF_TRACK.value, Initiative.target_date.is_(None),
               Initiative.target_date, Initiative.id)
    columns = (Initiative.id, Initiative.title, Initiative.unit_id, Initiative.dimension_id,
               Initiative.stage_id, Initiative.stage_entered_at, Initiative.created_at,
               Initiative.target_date, Unit.code.label("unit_code"),
               (k.status != Status.OFF_TRACK.value).label("not_off_track"))
    wanted = (sa.select(*columns)
              .join(k, k.initiative_id == Initiative.id)
              .join(Unit, Unit.id == Initiative.unit_id)
              .where(*scope, k.status.in_([s.value for s in ATTENTION])))
    if limit is None or not dimensions:
        stmt = wanted.order_by(*urgency)
    else:
        parts = [wanted.where(Initiative.dimension_id == d.id).order_by(*urgency).limit(limit)
                 .subquery() for d in dimensions]
        stmt = sa.union_all(*(sa.select(part) for part in parts))
    rows = sorted(db.session.execute(stmt).all(), key=_urgency)
    assessed = assess_many(rows, stages, today)
    by_dimension: dict[int, list[tuple[Any, Assessment]]] = defaultdict(list)
    for row in rows:
        by_dimension[row.dimension_id].append((row, assessed[row.id][0]))
    overall = [(row, assessed[row.id][0]) for row in rows[:limit]]
    return overall, dict(by_dimension)


def _urgency(row: Any) -> tuple[Any, ...]:
    """The order of the at-risk lists, as the query's ORDER BY has it."""
    return (bool(row.not_off_track), row.target_date is None, row.target_date or date.max, row.id)


@dataclass(frozen=True)
class Owing:
    """The active initiatives of a scope (they owe progress updates), and when each last spoke:
    its latest update, else its creation (SQL expressions for the queries below)."""
    conditions: list[sa.ColumnElement[bool]]
    last_at: sa.ColumnElement[datetime]
    has_update: sa.ColumnElement[bool]


def _owing(scope: Scope, stages: list[Stage], done: RolledOut) -> Owing:
    latest = (sa.select(sa.func.max(ProgressUpdate.created_at))
              .where(ProgressUpdate.initiative_id == Initiative.id)
              .correlate(Initiative).scalar_subquery())
    active = [s.id for s in stages if not s.retired and s.id not in done]
    return Owing([*scope, Initiative.stage_id.in_(active)],
                 sa.type_coerce(sa.func.coalesce(latest, Initiative.created_at),
                                Initiative.created_at.type),
                 latest.is_not(None))


def _on_time(owing: Owing, stages: list[Stage], today: date) -> sa.ColumnElement[bool]:
    """An update within its stage's cadence: the last one (or the creation) on or after the
    city's day ``today - cadence`` (``updates.services.next_due``)."""
    from ..updates.services import cadence_days

    return sa.or_(*(sa.and_(Initiative.stage_id == s.id, owing.last_at >= local_midnight_utc(
        today - timedelta(days=cadence_days(s)))) for s in stages)) if stages else sa.false()


def _updates_by_unit(owing: Owing, stages: list[Stage],
                     today: date) -> dict[int, tuple[int, int]]:
    """Per unit: (active initiatives, of them updated within their cadence); one query."""
    on_time = _on_time(owing, stages, today)
    return {unit_id: (n, updated or 0) for unit_id, n, updated in db.session.execute(
        sa.select(Initiative.unit_id, sa.func.count(),
                  sa.func.sum(sa.case((on_time, 1), else_=0)))
        .where(*owing.conditions).group_by(Initiative.unit_id))}


def _silent(owing: Owing, stages: list[Stage], today: date,
            limit: int | None) -> tuple[list[Silent], int]:
    """The active initiatives whose update is late, silent longest first (the first ``limit``),
    and how many; two queries."""
    late = [*owing.conditions, sa.not_(_on_time(owing, stages, today))]
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Initiative).where(*late))
    stmt = (sa.select(Initiative.id, Initiative.title, Unit.code, owing.last_at,
                      owing.has_update)
            .join(Unit, Unit.id == Initiative.unit_id).where(*late)
            .order_by(owing.last_at, Initiative.id))
    if limit is not None:
        stmt = stmt.limit(limit)
    return [Silent(i, title, code, aware_utc(at), bool(has)) for i, title, code, at, has
            in db.session.execute(stmt)], total or 0


def _rosier(scope: Scope, limit: int | None) -> tuple[list[Rosier], int]:
    """Initiatives whose latest update reports better than their kept status (the first
    ``limit``: the worst status first, then the oldest report), and how many; two queries."""
    k = InitiativeStatus
    ranked = (sa.select(ProgressUpdate.initiative_id, ProgressUpdate.health,
                        ProgressUpdate.created_at,
                        sa.func.row_number().over(
                            partition_by=ProgressUpdate.initiative_id,
                            order_by=(ProgressUpdate.created_at.desc(),
                                      ProgressUpdate.id.desc())).label("n"))
              .subquery())
    reported = sa.case(*((ranked.c.health == h.value, n) for h, n in SEVERITY.items()),
                       else_=0)
    derived = sa.case(*((k.status == h.value, n) for h, n in SEVERITY.items()), else_=-1)
    rosier = [*scope, ranked.c.n == 1, k.status != Status.DONE.value, reported < derived]
    joined = (sa.select(Initiative.id, Initiative.title, Unit.code, ranked.c.health, k.status,
                        ranked.c.created_at)
              .join(ranked, ranked.c.initiative_id == Initiative.id)
              .join(k, k.initiative_id == Initiative.id)
              .join(Unit, Unit.id == Initiative.unit_id).where(*rosier))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(joined.subquery()))
    stmt = joined.order_by(derived.desc(), ranked.c.created_at, Initiative.id)
    if limit is not None:
        stmt = stmt.limit(limit)
    return [Rosier(i, title, code, health, Status(status), aware_utc(at))
            for i, title, code, health, status, at in db.session.execute(stmt)], total or 0


# --------------------------------------------------------------------------- assembling (no queries)


def _unit_rows(units: list[Unit], groups: list[Group], overdue_by_unit: dict[int, int],
               fresh_by_unit: dict[int, tuple[int, int]]) -> list[UnitRow]:
    """The per-unit table: initiatives by stage and status, progress, overdue milestones and
    updates on time (stale initiatives: ``with_stale``)."""
    unit_rows = {u.id: UnitRow(u) for u in units}
    for g in groups:
        unit_row = unit_rows.get(g.unit_id)
        if unit_row is None:
            continue
        unit_row.by_stage[g.stage_id] += g.n
        unit_row.by_status[g.status] += g.n
        unit_row.progress_sum += g.progress_sum
        unit_row.progress_count += g.progress_count
        unit_row.variance_sum += g.variance_sum
        unit_row.variance_count += g.variance_count
    for unit_id, unit_row in unit_rows.items():
        unit_row.overdue_milestones = overdue_by_unit.get(unit_id, 0)
        unit_row.owing, unit_row.updated = fresh_by_unit.get(unit_id, (0, 0))
    return list(unit_rows.values())


def _outcomes(dimensions: list[Dimension], groups: list[Group]) -> list[DimensionOutcome]:
    """Per dimension, the indicators that met their target, are behind, or are unmeasured."""
    outcomes = {d.id: DimensionOutcome(d) for d in dimensions}
    for g in groups:
        outcome = outcomes.get(g.dimension_id)
        if outcome is not None:
            outcome.met += g.met
            outcome.behind += g.behind
            outcome.unmeasured += g.unmeasured
            outcome.variance_sum += g.variance_sum
            outcome.variance_count += g.variance_count
    return list(outcomes.values())


def _headline(groups: list[Group], done: RolledOut, rollouts: Rollouts,
              overdue_by_unit: dict[int, int],
              fresh_by_unit: dict[int, tuple[int, int]]) -> Headline:
    total = sum(g.n for g in groups)
    on_track = sum(g.n for g in groups if g.status in (Status.ON_TRACK, Status.DONE))
    return Headline(
        active=sum(g.n for g in groups if g.stage_id not in done),
        rolled_out_period=rollouts.period,
        rolled_out_quarter=rollouts.quarter,
        rolled_out_year=rollouts.year,
        with_measurement_share=(sum(g.measured for g in groups) / total) if total else None,
        on_track_share=(on_track / total) if total else None,
        overdue_milestones=sum(overdue_by_unit.values()),
        average_days_to_rollout=rollouts.average_days,
        updates_on_time_share=_share(fresh_by_unit.values()),
    )


def _share(pairs: Any) -> float | None:
    """Updated ÷ owing over (owing, updated) pairs; None when none owe."""
    owing = updated = 0
    for o, u in pairs:
        owing, updated = owing + o, updated + u
    return updated / owing if owing else None


SORT_KEYS = {
    "code": lambda r: r.unit.code,
    "total": lambda r: r.total,
    "on_track": lambda r: r.by_status[Status.ON_TRACK],
    "at_risk": lambda r: r.by_status[Status.AT_RISK],
    "off_track": lambda r: r.by_status[Status.OFF_TRACK],
    "done": lambda r: r.by_status[Status.DONE],
    "overdue": lambda r: r.overdue_milestones,
    "stale": lambda r: r.stale,
    "progress": lambda r: (r.average_progress is not None, r.average_progress or 0),
    "variance": lambda r: (r.average_variance is not None, r.average_variance or 0),
    "updates": lambda r: (r.updates_on_time is not None, r.updates_on_time or 0),
}


def _sorted_units(rows: list[UnitRow], sort: str, descending: bool) -> list[UnitRow]:
    key = SORT_KEYS.get(sort, SORT_KEYS["code"])
    return sorted(rows, key=key, reverse=descending)


def _weeks(period: Period) -> list[date]:
    first = period.start - timedelta(days=period.start.weekday())
    weeks, day = [], first
    while day <= period.end:
        weeks.append(day)
        day += timedelta(days=7)
    return weeks


def _cumulative_flow(scope: Scope, stages: list[Stage], all_stages: list[Stage],
                     period: Period) -> list[tuple[date, dict[int, int]]]:
    """Initiatives per stage (those shown, ``stages``) at the end of each week of the period.

    Counted backwards from today, so the latest week is exactly today's board and the cost
    follows what moved since the period began, not the trail's whole history: an initiative
    counts from the week it was created, in its stage of today, except that each move made
    after a week's end is undone for that week (it was still in the move's "from" stage). Two
    aggregate queries: initiatives by stage and week of creation; moves since the first week's
    end by stages, week of creation and week of the move."""
    weeks = _weeks(period)
    if not stages:
        return [(week, {}) for week in weeks]
    bounds = [local_midnight_utc(week + timedelta(days=7)) for week in weeks]
    span = len(weeks) + 1  # week indexes 0..len(weeks): the first week whose end is after a time
    born = [Counter() for _ in range(span)]
    undone = [Counter() for _ in range(span)]  # a difference array over the weeks

    created_in = _bucket(Initiative.created_at, bounds)
    for stage_id, week, n in db.session.execute(
            sa.select(Initiative.stage_id, created_in, sa.func.count()).where(*scope)
            .group_by(Initiative.stage_id, created_in)):
        born[week][stage_id] += n

    by_code = {s.code: s.id for s in all_stages}
    moved_in = _bucket(Activity.created_at, bounds)
    # (grouped by the whole trail entry: a move's data is its stages, so this is by stages, and
    # cheaper than extracting them from every row)
    for data, created, moved, n in db.session.execute(
            sa.select(Activity.data, created_in, moved_in, sa.func.count())
            .join(Initiative, Initiative.id == Activity.initiative_id)
            .where(Activity.verb == "moved", Activity.created_at >= bounds[0], *scope)
            .group_by(Activity.data, created_in, moved_in)):
        if created >= moved:
            continue
        # In weeks created .. moved - 1 it was still in ``from_stage``, not in ``to_stage``.
        for code, sign in ((data.get("to_stage"), -1), (data.get("from_stage"), 1)):
            stage_id = by_code.get(code)
            if stage_id is not None:
                undone[created][stage_id] += sign * n
                undone[moved][stage_id] -= sign * n

    points, present, correction = [], Counter(), Counter()
    for k, week in enumerate(weeks):
        present.update(born[k])
        correction.update(undone[k])
        points.append((week, {s.id: max(0, present[s.id] + correction[s.id]) for s in stages}))
    return points


def _bucket(column: Any, bounds: list[datetime]) -> sa.ColumnElement[int]:
    """How many of ``bounds`` (ascending) are at or before ``column``: the index of the first
    week (or month) whose end is after it. Evenly spaced bounds (weeks in a zone without summer
    time, as the city's) are counted by arithmetic on whole seconds; others by a balanced CASE,
    about log2(len(bounds)) comparisons per row."""
    steps = {later - earlier for earlier, later in zip(bounds, bounds[1:], strict=False)}
    if len(steps) == 1:
        step = int(steps.pop().total_seconds())
        since = _epoch_seconds(column) - int(bounds[0].timestamp())
        return sa.case((column < bounds[0], 0), (column >= bounds[-1], len(bounds)),
                       else_=since // step + 1)  # (floor division on both)

    def answer(low: int, high: int) -> sa.ColumnElement[int]:  # the answer is in low..high
        if low == high:
            return sa.literal_column(str(low), sa.Integer)
        middle = (low + high) // 2
        return sa.case((column < bounds[middle], answer(low, middle)),
                       else_=answer(middle + 1, high))
    return answer(0, len(bounds))


def _epoch_seconds(column: Any) -> sa.ColumnElement[int]:
    """Whole seconds since 1970 of a UTC date-time column, in the session's dialect."""
    if db.session.get_bind().dialect.name == "postgresql":
        return sa.cast(sa.func.floor(sa.extract("epoch", column)), sa.BigInteger)
    return sa.cast(sa.func.strftime("%s", column), sa.Integer)


def _months(period: Period) -> list[date]:
    months, day = [], period.start.replace(day=1)
    while day <= period.end:
        months.append(day)
        day = (day + timedelta(days=32)).replace(day=1)
    return months


def _throughput(scope: Scope, dimensions: list[Dimension],
                period: Period) -> list[tuple[date, dict[int, int]]]:
    """Quick wins rolled out per month of the period, per dimension (by their latest rollout):
    one query, counting by dimension and month."""
    months = _months(period)
    counts: dict[int, Counter] = defaultdict(Counter)
    at = InitiativeStatus.rolled_out_at
    month = _bucket(at, [local_midnight_utc((m + timedelta(days=32)).replace(day=1))
                         for m in months])
    for dimension_id, k, n in db.session.execute(
            sa.select(Initiative.dimension_id, month, sa.func.count())
            .join(InitiativeStatus, InitiativeStatus.initiative_id == Initiative.id)
            .where(at >= period.start_utc, at < period.end_utc, *scope)
            .group_by(Initiative.dimension_id, month)):
        counts[k][dimension_id] += n
    return [(m, {d.id: counts[k].get(d.id, 0) for d in dimensions}) for k, m in enumerate(months)]
