"""The Sekda's summary: headline figures, the dimension × stage matrix, a table per OPD, outcome
achievement per dimension, the at-risk list, and trends — in a constant number of queries.

Scope: reviewers and admins see the whole city; a manager sees their own unit.

What the period filter means (it applies to every block):
- the initiatives considered are those that existed by the end of the period and are not archived;
- "rolled out" counts moves into a rolled-out stage (the rollout stage, or one placed after it;
  ``lifecycle.stages.rolled_out``) from one that is not, from the activity trail, within the
  period; "active" initiatives are those not rolled out, and only they can be stale;
- "overdue milestones" are open milestones due before the end of the period (or before today,
  whichever is earlier);
- statuses are as of today (the rule in ``lifecycle/status.py``);
- trends cover the period week by week (cumulative flow) and month by month (throughput), up to
  the week and month of today.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from typing import Any

import sqlalchemy as sa
from flask import current_app

from ..domain.activity import last_sign_of_life
from ..domain.clock import local_midnight_utc, local_today, to_local, utcnow
from ..extensions import db
from ..lifecycle.progress import mean_progress
from ..lifecycle.stages import RolledOut, ordered_stages, rolled_out
from ..lifecycle.status import Assessment, Status, assess_many
from ..models import (
    STANDING_MEASUREMENT_STATUSES,
    Activity,
    Dimension,
    Indicator,
    Initiative,
    Measurement,
    Milestone,
    Role,
    Stage,
    Unit,
    User,
)
from .periods import Period, preset

Scope = list[sa.ColumnElement[bool]]  # the conditions that select the initiatives considered
Assessed = dict[int, tuple[Assessment, Any]]  # initiative id -> (assessment, facts)


@dataclass
class UnitRow:
    unit: Unit
    by_stage: Counter = field(default_factory=Counter)
    by_status: Counter = field(default_factory=Counter)
    overdue_milestones: int = 0
    stale: int = 0
    progress_values: list[float] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.by_stage.values())

    @property
    def average_progress(self) -> float | None:
        return mean_progress(self.progress_values)


@dataclass
class DimensionOutcome:
    dimension: Dimension
    met: int = 0
    behind: int = 0
    unmeasured: int = 0


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


@dataclass
class Summary:
    period: Period
    unit: Unit | None  # a manager's scope; None = the whole city
    stages: list[Stage]
    dimensions: list[Dimension]
    headline: Headline
    matrix: dict[tuple[int, int], int]
    unit_rows: list[UnitRow]
    outcomes: list[DimensionOutcome]
    attention: list[tuple[Any, Assessment]]  # (initiative row, assessment), worst first
    cfd: list[tuple[date, dict[int, int]]]  # week start -> stage id -> count
    throughput: list[tuple[date, dict[int, int]]]  # month start -> dimension id -> rolled out
    # The status words in the reader's language, looked up once (the attention list repeats them
    # thousands of times in a large city).
    status_labels: dict[Status, str] = field(default_factory=dict)

    @cached_property
    def attention_by_dimension(self) -> dict[int, list[tuple[Any, Assessment]]]:
        grouped: dict[int, list[tuple[Any, Assessment]]] = defaultdict(list)
        for row, assessment in self.attention:
            grouped[row.dimension_id].append((row, assessment))
        return grouped

    @property
    def matrix_attention(self) -> dict[tuple[int, int], int]:
        """Initiatives at risk or off track per (dimension id, stage id) cell of the matrix."""
        return dict(Counter((row.dimension_id, row.stage_id) for row, _a in self.attention))

    @property
    def attention_counts(self) -> dict[Status, int]:
        """How many initiatives are off track, and how many at risk."""
        return _status_counts(self.attention)

    def attention_counts_in(self, dimension_id: int) -> dict[Status, int]:
        """``attention_counts`` in one dimension."""
        return _status_counts(self.attention_by_dimension.get(dimension_id, []))

    @property
    def matrix_row_totals(self) -> dict[int, int]:
        """Initiatives per dimension."""
        return _totals(self.matrix, 0)

    @property
    def matrix_column_totals(self) -> dict[int, int]:
        """Initiatives per stage."""
        return _totals(self.matrix, 1)


def _status_counts(attention: list[tuple[Any, Assessment]]) -> dict[Status, int]:
    counts = Counter(assessment.status for _row, assessment in attention)
    return {Status.OFF_TRACK: counts[Status.OFF_TRACK], Status.AT_RISK: counts[Status.AT_RISK]}


def _totals(matrix: dict[tuple[int, int], int], axis: int) -> dict[int, int]:
    """The sums of ``matrix`` (dimension id, stage id) -> count along one of its keys."""
    totals: dict[int, int] = defaultdict(int)
    for key, n in matrix.items():
        totals[key[axis]] += n
    return totals


HEADLINE_FIGURES = ("active", "rolled_out_period", "rolled_out_quarter", "rolled_out_year",
                    "with_measurement_share", "on_track_share", "overdue_milestones",
                    "average_days_to_rollout")


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
                  sort: str = "code", descending: bool = False) -> Summary:
    """The summary ``user`` may read (``scope_unit``) for ``period``, statuses as of ``now``; the
    per-unit table sorted by ``sort`` (a key of ``SORT_KEYS``). A constant number of queries:
    the reading functions below each run one, the assembling ones none."""
    now = now or utcnow()
    today = local_today(now)
    unit = scope_unit(user)
    all_stages = ordered_stages()
    stages = [s for s in all_stages if not s.retired]
    done = rolled_out(all_stages)  # (retired stages too: the trail may name them)
    dimensions = list(db.session.scalars(sa.select(Dimension).order_by(Dimension.position)))
    units = _units(unit)

    scope = _scope(period, unit)
    rows = _rows(scope)
    assessed = assess_many(rows, stages, today, scope=_ids(scope))  # (no list of every id)
    rollouts = _rollouts(done, scope, period, today)
    measured = _measured(scope)
    overdue_by_unit = _overdue_by_unit(scope, period, today)
    last_activity = _last_activity(scope)

    unit_rows = _unit_rows(units, rows, assessed, done, last_activity, overdue_by_unit,
                           stale_cutoff=now - timedelta(days=int(current_app.config.get(
                               "STALE_DAYS", 21))))
    return Summary(
        period=period, unit=unit, stages=stages, dimensions=dimensions,
        headline=_headline(rows, assessed, done, rollouts, measured, overdue_by_unit, period,
                           today),
        matrix=dict(Counter((row.dimension_id, row.stage_id) for row in rows)),
        unit_rows=_sorted_units(unit_rows, sort, descending),
        outcomes=_outcomes(dimensions, rows, assessed),
        attention=_attention(rows, assessed),
        # (the trends stop at today: no flat lines into weeks and months still to come)
        cfd=[p for p in _cumulative_flow(scope, stages, period) if p[0] <= today],
        throughput=[p for p in _throughput(rollouts, dimensions, period) if p[0] <= today],
        status_labels={status: status.label for status in Status},
    )


# --------------------------------------------------------------------------- reading (one query each)


def _scope(period: Period, unit: Unit | None) -> Scope:
    """The initiatives considered: not archived, existing by the end of the period, of ``unit``."""
    scope = [Initiative.archived.is_(False), Initiative.created_at < period.end_utc]
    if unit is not None:
        scope.append(Initiative.unit_id == unit.id)
    return scope


def _ids(scope: Scope) -> sa.Select:
    """The ids of the initiatives in ``scope``, as a subquery (no list of every id)."""
    return sa.select(Initiative.id).where(*scope)


def _units(unit: Unit | None) -> list[Unit]:
    """The rows of the per-unit table: every unit, or the manager's own."""
    stmt = sa.select(Unit).order_by(Unit.code)
    if unit is not None:
        stmt = stmt.where(Unit.id == unit.id)
    return list(db.session.scalars(stmt))


def _rows(scope: Scope) -> list[Any]:
    return list(db.session.execute(
        sa.select(Initiative.id, Initiative.title, Initiative.unit_id, Initiative.dimension_id,
                  Initiative.stage_id, Initiative.stage_entered_at, Initiative.created_at,
                  Initiative.target_date, Unit.code.label("unit_code"))
        .join(Unit, Unit.id == Initiative.unit_id)
        .where(*scope)
        .order_by(Initiative.id)
    ).all())


def _year_and_quarter(today: date) -> tuple[date, Period]:
    """The first day of ``today``'s year, and its quarter (the headline counts both)."""
    return date(today.year, 1, 1), preset("quarter", today)


def _rollouts(done: RolledOut, scope: Scope, period: Period, today: date) -> list[Any]:
    """Moves into the rolled-out stages, from the trail (the moment a quick win was rolled out),
    from the earliest of the period, the year and the quarter: (initiative id, moved at,
    initiative created at, dimension id)."""
    if not done.codes:
        return []
    year_start, quarter = _year_and_quarter(today)
    earliest = min(period.start, year_start, quarter.start)
    return list(db.session.execute(
        sa.select(Activity.initiative_id, Activity.created_at, Initiative.created_at,
                  Initiative.dimension_id)
        .join(Initiative, Initiative.id == Activity.initiative_id)
        .where(done.rollout_moves(),
               Activity.created_at >= local_midnight_utc(earliest),
               Activity.created_at < period.end_utc,
               Initiative.id.in_(_ids(scope)))
    ).all())


def _measured(scope: Scope) -> set[int]:
    """The initiatives with a standing measurement of any indicator."""
    return set(db.session.scalars(
        sa.select(Indicator.initiative_id).distinct()
        .join(Measurement, Measurement.indicator_id == Indicator.id)
        .where(Measurement.status.in_(STANDING_MEASUREMENT_STATUSES),
               Indicator.initiative_id.in_(_ids(scope)))
    ))


def _overdue_by_unit(scope: Scope, period: Period, today: date) -> dict[int, int]:
    """Open milestones due before the end of the period (or today, if earlier), per unit."""
    cutoff = min(today, period.end + timedelta(days=1))
    return dict(db.session.execute(
        sa.select(Initiative.unit_id, sa.func.count(Milestone.id))
        .join(Initiative, Initiative.id == Milestone.initiative_id)
        .where(Milestone.done_on.is_(None), Milestone.due_date < cutoff, *scope)
        .group_by(Initiative.unit_id)
    ).all())


def _last_activity(scope: Scope) -> dict[int, datetime]:
    """Each initiative's last sign of life (``domain.activity.last_sign_of_life``, the rule the
    reminders and the digest use for "stale")."""
    return dict(db.session.execute(
        sa.select(Initiative.id, last_sign_of_life()).where(*scope)
    ).all())


# --------------------------------------------------------------------------- assembling (no queries)


def _unit_rows(units: list[Unit], rows: list[Any], assessed: Assessed, done: RolledOut,
               last_activity: dict[int, datetime], overdue_by_unit: dict[int, int],
               stale_cutoff: datetime) -> list[UnitRow]:
    """The per-unit table: initiatives by stage and status, progress, stale initiatives (not
    rolled out, no trail entry since ``stale_cutoff``) and overdue milestones."""
    unit_rows = {u.id: UnitRow(u) for u in units}
    for row in rows:
        unit_row = unit_rows.get(row.unit_id)
        if unit_row is None:
            continue
        assessment, facts = assessed[row.id]
        unit_row.by_stage[row.stage_id] += 1
        unit_row.by_status[assessment.status] += 1
        if facts.progress is not None:
            unit_row.progress_values.append(facts.progress)
        seen = last_activity.get(row.id)
        if row.stage_id not in done and (seen is None or _aware(seen) < stale_cutoff):
            unit_row.stale += 1
    for unit_id, n in overdue_by_unit.items():
        if unit_id in unit_rows:
            unit_rows[unit_id].overdue_milestones = n
    return list(unit_rows.values())


def _outcomes(dimensions: list[Dimension], rows: list[Any],
              assessed: Assessed) -> list[DimensionOutcome]:
    """Per dimension, the indicators that met their target, are behind, or are unmeasured."""
    outcomes = {d.id: DimensionOutcome(d) for d in dimensions}
    for row in rows:
        outcome = outcomes.get(row.dimension_id)
        if outcome is None:
            continue
        for value in assessed[row.id][1].indicator_progress:
            if value is None:
                outcome.unmeasured += 1
            elif value >= 100:
                outcome.met += 1
            else:
                outcome.behind += 1
    return list(outcomes.values())


def _attention(rows: list[Any], assessed: Assessed) -> list[tuple[Any, Assessment]]:
    """The initiatives off track (first) or at risk, the most urgent first: by target date
    (none last), then title."""
    attention = [(row, assessed[row.id][0]) for row in rows
                 if assessed[row.id][0].status in (Status.AT_RISK, Status.OFF_TRACK)]
    attention.sort(key=lambda pair: (pair[1].status != Status.OFF_TRACK,
                                     pair[0].target_date or date.max, pair[0].title))
    return attention


def _rolled_between(rollouts: list[Any], start_utc: datetime, end_utc: datetime) -> int:
    """How many initiatives were rolled out from ``start_utc`` until before ``end_utc``."""
    return len({r[0] for r in rollouts if start_utc <= r[1] < end_utc})


def _headline(rows: list[Any], assessed: Assessed, done: RolledOut, rollouts: list[Any],
              measured: set[int], overdue_by_unit: dict[int, int], period: Period,
              today: date) -> Headline:
    year_start, quarter = _year_and_quarter(today)
    in_period = [r for r in rollouts if period.start_utc <= r[1] < period.end_utc]
    durations = [(moved - created).total_seconds() / 86400 for _i, moved, created, _d in in_period]
    statuses = Counter(assessed[row.id][0].status for row in rows)
    total = len(rows)
    return Headline(
        active=sum(1 for r in rows if r.stage_id not in done),
        rolled_out_period=len({r[0] for r in in_period}),
        rolled_out_quarter=_rolled_between(
            rollouts, local_midnight_utc(quarter.start),
            local_midnight_utc(quarter.end + timedelta(days=1))),
        rolled_out_year=_rolled_between(rollouts, local_midnight_utc(year_start),
                                        local_midnight_utc(date(today.year + 1, 1, 1))),
        with_measurement_share=(len(measured & {r.id for r in rows}) / total) if total else None,
        on_track_share=((statuses[Status.ON_TRACK] + statuses[Status.DONE]) / total)
        if total else None,
        overdue_milestones=sum(overdue_by_unit.values()),
        average_days_to_rollout=(sum(durations) / len(durations)) if durations else None,
    )


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


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


def _cumulative_flow(scope, stages: list[Stage], period: Period) -> list[tuple[date, dict[int, int]]]:
    """Initiatives per stage at the end of each week of the period, from the trail ("created" or
    "imported" puts an initiative in the first stage, "moved" into a stage shown here changes its
    stage; a move into any other stage changes nothing). One aggregate query: each such event
    holds its stage from its week until the week of the initiative's next one (``lead``), and
    the query counts them by stage, first week and last week; the weeks are summed here."""
    weeks = _weeks(period)
    if not stages:
        return [(week, {}) for week in weeks]
    by_code = {s.code: s.id for s in stages}
    to_stage = Activity.data["to_stage"].as_string()
    placing = (sa.select(
        Activity.created_at.label("at"),
        sa.func.lead(Activity.created_at, type_=Activity.created_at.type).over(
            partition_by=Activity.initiative_id,
            order_by=(Activity.created_at, Activity.id)).label("next_at"),
        sa.case((Activity.verb.in_(("created", "imported")), stages[0].id),
                *[(to_stage == code, stage_id) for code, stage_id in by_code.items()],
                ).label("stage_id"))
        .where(sa.or_(Activity.verb.in_(("created", "imported")),
                      sa.and_(Activity.verb == "moved", to_stage.in_(list(by_code)))),
               Activity.created_at < period.end_utc,
               Activity.initiative_id.in_(sa.select(Initiative.id).where(*scope)))
        .subquery())
    boundaries = [local_midnight_utc(week + timedelta(days=7)) for week in weeks]

    def week_of(column: Any) -> sa.Case:  # the first week whose end is after ``column``
        return sa.case(*[(column < boundary, k) for k, boundary in enumerate(boundaries)],
                       else_=len(weeks))

    first, last = week_of(placing.c.at), week_of(placing.c.next_at)
    changes = [Counter() for _ in range(len(weeks) + 1)]
    for stage_id, held_from, held_until, n in db.session.execute(
            sa.select(placing.c.stage_id, first, last, sa.func.count())
            .group_by(placing.c.stage_id, first, last)):
        changes[held_from][stage_id] += n
        changes[held_until][stage_id] -= n
    points, counts = [], Counter()
    for k, week in enumerate(weeks):
        counts.update(changes[k])
        points.append((week, {s.id: counts.get(s.id, 0) for s in stages}))
    return points


def _months(period: Period) -> list[date]:
    months, day = [], period.start.replace(day=1)
    while day <= period.end:
        months.append(day)
        day = (day + timedelta(days=32)).replace(day=1)
    return months


def _throughput(rollouts, dimensions: list[Dimension],
                period: Period) -> list[tuple[date, dict[int, int]]]:
    """Quick wins rolled out per month of the period, per dimension (from the rollouts above)."""
    counts: dict[date, Counter] = defaultdict(Counter)
    for _initiative_id, moved_at, _created, dimension_id in rollouts:
        local = to_local(_aware(moved_at)).date()
        if period.start <= local <= period.end:
            counts[local.replace(day=1)][dimension_id] += 1
    return [(month, {d.id: counts[month].get(d.id, 0) for d in dimensions})
            for month in _months(period)]
