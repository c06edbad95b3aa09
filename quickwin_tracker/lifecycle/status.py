"""Status of an initiative: on track, at risk, off track or done. Derived, never typed in.

The rule (``assess``), in order:

1. Rolled out (in the rollout stage or a stage placed after it, see ``rolled_out``): **done**.
2. Otherwise every problem found gives a reason with a severity; the status is the worst one:
   - a milestone not done past its due date (in the city's time zone: due today is not overdue
     before midnight WITA): at risk; 14 days or more overdue: off track;
   - longer in the current stage than the stage's expected duration: at risk; twice as long or
     more: off track;
   - the target rollout date has passed: off track;
   - outcome progress (verified measurements only) behind the *planned* progress for today by
     more than 25 points: at risk; by more than 50: off track. Planned progress is each
     indicator's trajectory (``trajectory.py``: its edited plan, else the straight line from the
     baseline at the initiative's start to the target at its target date) read for today and
     expressed as progress from the baseline; both sides are means over the indicators that
     have a verified measurement *and* a planned path (an indicator with no baseline, target or
     target date is not judged against a plan). Before issue 14 the comparison was with the
     share of time elapsed, which is what the straight line still gives.
3. No reason: **on track**.

``load_facts`` gathers what the rule needs for many initiatives in a constant number of queries
(open milestones; per indicator the latest verified measurement and its edited plan, folded into
the same query), for the board, pages and digests.

**Rolled out** is a property of a stage, not a position: admins mark one active stage as the
rollout stage (``Stage.rollout``). ``rolled_out(stages)`` is the one answer every feature asks
(status rule, board, summary, public page, digests, reminders, gates): the rollout stage and every
stage placed after it. A stage after the rollout stage (an "Evaluasi", say) is a post-rollout
stage: its initiatives were rolled out and stay so (done, on the public page, not active, not
stale), so adding one, or moving initiatives into it, changes none of the figures. Rolling out is
*entering* these stages from one that is not (``RolledOut.rolls_out``), which is what the summary
and the digests count, and what the rollout stage's gate guards whichever of them is entered.
"""

from __future__ import annotations

import enum
from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Any, NamedTuple

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..domain.clock import city_tz, local_date, local_today
from ..domain.texts import Texts
from ..extensions import db
from ..models import (
    Indicator,
    IndicatorPlan,
    Measurement,
    MeasurementStatus,
    Milestone,
    Stage,
)
from .bands import indicator_achievement
from .progress import mean_progress, progress
from .stages import rolled_out
from .trajectory import Trajectory, mean_pairs, planned_progress, trajectory

OVERDUE_OFF_TRACK_DAYS = 14
BEHIND_AT_RISK_POINTS = 25.0
BEHIND_OFF_TRACK_POINTS = 50.0


class Status(enum.StrEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"
    DONE = "done"

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self])

    @property
    def icon(self) -> str:
        """A text symbol, so status never relies on colour alone."""
        return STATUS_ICONS[self]


STATUS_LABELS = {
    Status.ON_TRACK: _l("on track"),
    Status.AT_RISK: _l("at risk"),
    Status.OFF_TRACK: _l("off track"),
    Status.DONE: _l("done"),
}

STATUS_ICONS = {Status.ON_TRACK: "●", Status.AT_RISK: "▲", Status.OFF_TRACK: "✖", Status.DONE: "✔"}

# How serious a status is (a reported health uses the same words: look it up by its value).
SEVERITY = {Status.ON_TRACK: 0, Status.AT_RISK: 1, Status.OFF_TRACK: 2}


class Reason(NamedTuple):
    status: Status
    kind: str  # "milestone_overdue", "stage_too_long", "target_passed", "outcome_behind"
    text: str


@dataclass(slots=True)
class Assessment:
    status: Status
    reasons: list[Reason] = field(default_factory=list)

    @property
    def reasons_text(self) -> str:
        """The reasons, joined: 'milestone “X” is 5 days overdue; …'"""
        return "; ".join(r.text for r in self.reasons)

    @property
    def summary(self) -> str:
        """'at risk: milestone “X” is 5 days overdue; …'"""
        if not self.reasons:
            return self.status.label
        return f"{self.status.label}: {self.reasons_text}"


@dataclass(slots=True)
class Facts:
    """What the status rule reads about one initiative."""

    initiative_id: int
    stage_id: int
    stage_entered_at: datetime
    created_at: datetime
    target_date: date | None
    overdue: list[tuple[str, date]] = field(default_factory=list)  # (title, due date), oldest first
    next_milestone: tuple[str, date] | None = None
    indicator_progress: list[float | None] = field(default_factory=list)
    # Each indicator's planned path (``trajectory.Trajectory``; None: nothing planned), in the
    # order of ``indicator_progress``.
    indicator_paths: list[Trajectory | None] = field(default_factory=list)
    # Each indicator's achievement for the day the facts were read (``bands``; None: none).
    indicator_achievements: list[float | None] = field(default_factory=list)
    entered_on: date | None = None  # the city's date of ``stage_entered_at`` (set by assess_many)
    pending: int = 0  # measurements recorded and awaiting verification (they count nowhere yet)
    verified: int = 0  # indicators with a verified measurement

    @property
    def progress(self) -> float | None:
        return mean_progress(self.indicator_progress)

    def against_plan(self, today: date) -> tuple[float | None, float | None]:
        """(mean planned progress, mean variance) for ``today``: see ``plan_standing``."""
        return plan_standing(self, today)


def plan_standing(facts: Any, today: date) -> tuple[float | None, float | None]:
    """Over the indicators with a verified measurement and a planned path: the mean planned
    progress for ``today`` and the mean variance (verified − planned, in points). ``facts``: a
    ``Facts`` or a board card."""
    planned = [planned_progress(path, today) for path in facts.indicator_paths]
    return mean_pairs(facts.indicator_progress, planned)


class StageRule(NamedTuple):
    """What ``assess`` reads of a stage; callers assessing many build one per stage, so the
    stage's localized name is looked up once, not per initiative."""

    id: int
    expected_days: int | None
    name: str

    @classmethod
    def of(cls, stage: Stage) -> StageRule:
        return cls(stage.id, stage.expected_days, stage.name)


def assess(facts: Facts, stage: Stage | StageRule, done: Container[int], today: date,
           texts: Texts | None = None, tz: tzinfo | None = None) -> Assessment:
    """The status of one initiative and why. ``facts`` is a ``Facts`` or anything with its fields
    (the board's cards are); ``done``: the rolled-out stage ids (``rolled_out(stages)``).
    ``texts`` and ``tz`` (the current catalogue and the city's zone) may be passed in by callers
    assessing many."""
    if facts.stage_id in done:
        return Assessment(Status.DONE)
    texts = texts or Texts()
    tz = tz or city_tz()
    reasons: list[Reason] = []

    for title, due in facts.overdue:
        days = (today - due).days
        if days < 1:
            continue
        severity = Status.OFF_TRACK if days >= OVERDUE_OFF_TRACK_DAYS else Status.AT_RISK
        reasons.append(Reason(severity, "milestone_overdue", texts.ngettext(
            "milestone “%(title)s” is %(num)d day overdue",
            "milestone “%(title)s” is %(num)d days overdue", days, title=title)))

    expected = stage.expected_days
    if expected:
        in_stage = (today - (facts.entered_on or local_date(facts.stage_entered_at, tz))).days
        if in_stage > expected:
            severity = Status.OFF_TRACK if in_stage >= 2 * expected else Status.AT_RISK
            reasons.append(Reason(severity, "stage_too_long", texts.gettext(
                "%(days)d days in %(stage)s, expected at most %(expected)d",
                days=in_stage, stage=stage.name, expected=expected)))

    if facts.target_date and today > facts.target_date:
        reasons.append(Reason(Status.OFF_TRACK, "target_passed", texts.gettext(
            "the target rollout date %(date)s has passed", date=texts.date(facts.target_date))))

    planned, variance = plan_standing(facts, today)
    if planned is not None and variance is not None and -variance > BEHIND_AT_RISK_POINTS:
        severity = Status.OFF_TRACK if -variance > BEHIND_OFF_TRACK_POINTS else Status.AT_RISK
        reasons.append(Reason(severity, "outcome_behind", texts.gettext(
            "outcome at %(progress)d%% while the plan expects %(planned)d%% by today",
            progress=round(planned + variance), planned=round(planned))))

    if not reasons:
        return Assessment(Status.ON_TRACK)
    worst = max((r.status for r in reasons), key=SEVERITY.__getitem__)
    reasons.sort(key=lambda r: -SEVERITY[r.status])
    return Assessment(worst, reasons)


# --------------------------------------------------------------------------- loading


class _Row:
    """Anything with these attributes: an Initiative or a board card."""

    id: int
    stage_id: int
    stage_entered_at: datetime
    created_at: datetime
    target_date: date | None


def load_facts(initiatives: Sequence[_Row], today: date | None = None,
               scope: sa.Select[Any] | None = None) -> dict[int, Facts]:
    """Facts for many initiatives in two queries (open milestones; indicators with their latest
    verified measurement), whatever their number. ``scope``, when given, is a SELECT of their ids
    (or of more): the queries then join it instead of carrying every id as a parameter, which is
    faster for thousands and has no parameter limit."""
    facts = {
        i.id: Facts(i.id, i.stage_id, i.stage_entered_at, i.created_at, i.target_date)
        for i in initiatives
    }
    gather_facts(facts, today, scope)
    return facts


def gather_facts(holders: Mapping[int, Any], today: date | None = None,
                 scope: sa.Select[Any] | None = None) -> None:
    """``load_facts``' two queries, appended to ``holders`` (id -> anything with ``overdue``,
    ``indicator_progress`` and ``indicator_paths`` lists, a ``next_milestone`` of None,
    ``pending`` of 0, and ``created_at`` and ``target_date``): a ``Facts`` each, or the board's
    cards, which carry these fields themselves."""
    if not holders:
        return
    today = today or local_today()
    wanted = list(holders) if scope is None else scope

    open_milestones = db.session.execute(
        sa.select(Milestone.initiative_id, Milestone.title, Milestone.due_date)
        .where(Milestone.initiative_id.in_(wanted), Milestone.done_on.is_(None))
        .order_by(Milestone.initiative_id, Milestone.due_date, Milestone.position, Milestone.id)
    )
    for initiative_id, title, due in open_milestones.all():
        f = holders.get(initiative_id)
        if f is None:
            continue
        if due < today:
            f.overdue.append((title, due))
        elif f.next_milestone is None:
            f.next_milestone = (title, due)

    indicators = db.session.execute(
        sa.select(Indicator.initiative_id, Indicator.baseline, Indicator.target,
                  Indicator.direction, Indicator.target_date, latest_verified_value(),
                  awaiting_verification(), edited_plan())
        .where(Indicator.initiative_id.in_(wanted))
        .order_by(Indicator.initiative_id, Indicator.position, Indicator.id)
    )
    tz = city_tz()
    starts: dict[int, date] = {}
    for (initiative_id, baseline, target, direction, due, value, pending,
         plan) in indicators.all():
        f = holders.get(initiative_id)
        if f is not None:
            f.indicator_progress.append(progress(baseline, target, direction, value))
            f.pending += pending or 0
            f.verified += value is not None
            start = starts.get(initiative_id)
            if start is None:
                start = starts[initiative_id] = local_date(f.created_at, tz)
            path = trajectory(baseline, target, direction, start, due or f.target_date,
                              parse_plan(plan))
            f.indicator_paths.append(path)
            achieved = getattr(f, "indicator_achievements", None)  # (a Facts: the board's
            if achieved is not None:                               # cards do not need it)
                achieved.append(indicator_achievement(value, path, target, direction, today))


def edited_plan() -> sa.ScalarSelect[str]:
    """The edited plan of ``Indicator`` as one text, ``date:value;date:value…`` (None: no edited
    plan), correlated like ``latest_verified_value``: folded into the indicators' query, so the
    status rule's facts stay two queries (``parse_plan`` reads it)."""
    row = (sa.cast(IndicatorPlan.period_end, sa.String) + ":"
           + sa.cast(IndicatorPlan.planned, sa.String))
    if db.session.get_bind().dialect.name == "postgresql":
        joined = sa.func.string_agg(row, ";")
    else:
        joined = sa.func.group_concat(row, ";")
    return (sa.select(joined).where(IndicatorPlan.indicator_id == Indicator.id)
            .correlate(Indicator).scalar_subquery())


def parse_plan(text: str | None) -> list[tuple[date, float]]:
    """``edited_plan``'s text as (period end, planned value) pairs, by date."""
    if not text:
        return []
    points = []
    for item in text.split(";"):
        day, _sep, value = item.partition(":")
        points.append((date.fromisoformat(day.strip()[:10]), float(value)))
    return sorted(points)


def awaiting_verification() -> sa.ScalarSelect[int]:
    """How many measurements of ``Indicator`` await verification (correlated, like
    ``latest_verified_value``): recorded, shown as pending, counted nowhere until verified."""
    return (
        sa.select(sa.func.count(Measurement.id))
        .where(Measurement.indicator_id == Indicator.id,
               Measurement.status == MeasurementStatus.SUBMITTED.value)
        .correlate(Indicator)
        .scalar_subquery()
    )


def latest_verified_value() -> sa.ScalarSelect[float]:
    """The latest verified measurement of ``Indicator`` (correlated to the enclosing query): what
    outcome progress counts. Answered per indicator from the index on (indicator, measured on); a
    window over all measurements joined back without an index cost SQLite 15 ms at 1,000
    initiatives."""
    return (
        sa.select(Measurement.value)
        .where(Measurement.indicator_id == Indicator.id,
               Measurement.status == MeasurementStatus.VERIFIED.value)
        .order_by(Measurement.measured_on.desc(), Measurement.id.desc())
        .limit(1)
        .correlate(Indicator)
        .scalar_subquery()
    )


def assess_many(initiatives: Sequence[_Row], stages: Sequence[Stage],
                today: date | None = None, scope: sa.Select[Any] | None = None,
                ) -> dict[int, tuple[Assessment, Facts]]:
    """``assess`` for each of ``initiatives`` (``scope``: see ``load_facts``)."""
    today = today or local_today()
    by_id = {s.id: StageRule.of(s) for s in stages}
    done = rolled_out(stages)
    facts = load_facts(initiatives, today, scope)
    texts, tz = Texts(), city_tz()
    result: dict[int, tuple[Assessment, Facts]] = {}
    for initiative_id, f in facts.items():
        stage = by_id.get(f.stage_id)
        if stage is None:
            stage = by_id[f.stage_id] = StageRule.of(db.session.get(Stage, f.stage_id))
        f.entered_on = local_date(f.stage_entered_at, tz)
        result[initiative_id] = (assess(f, stage, done, today, texts, tz), f)
    return result


def initiatives_with_status(assessed: dict[int, tuple[Assessment, Facts]],
                            wanted: Status) -> set[int]:
    return {i for i, (a, _f) in assessed.items() if a.status == wanted}

