"""Indicator trajectories: the value an indicator is planned to have on any day, from its baseline
to its target (issue 14, item 4). Plain functions, no database.

**The path.** It starts at the *start*, the city's date of the initiative's creation (the day
the status rule has always counted from), at the baseline, and ends at the *due* date, the
indicator's target date or else the initiative's, at the target:

- **No edited plan: a straight line** from (start, baseline) to (due, target).
- **An edited plan** is a planned value at the end of each period (``IndicatorPlan`` rows, one
  per month or quarter end, the last one the due date): the path goes from (start, baseline)
  through those points, straight between them (linear in days). Points on or before the start
  are ignored (the path starts at the baseline). A plan may end before the due date or away
  from the target: it is the unit's plan, and the path follows it.
- **Before the start**: the baseline. **After the last point** (the due date, or the edited
  plan's last period end): that point's value is held.
- **No path** (``None``) without a baseline and a target, or without a due date and edited
  points: nothing is planned, the status rule does not judge the indicator against a plan, and
  no variance or achievement is shown for it.

Direction needs nothing special: for "lower is better" the target lies below the baseline, and
planned progress (``lifecycle.progress.progress`` of the planned value) is direction-aware.

**Periods** (``period_ends``): the calendar ends of months (or quarters: 31 March, 30 June,
30 September, 31 December) strictly after the start and strictly before the due date, then the
due date itself: the rows of the plan editor, each prefilled with the straight line.

**Variance** (``variance``): verified progress minus planned progress for the day, in points
(−12: 12 points behind the plan).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from .progress import progress

MONTH = "month"
QUARTER = "quarter"
PERIODS = (MONTH, QUARTER)
MAX_PERIODS = 120  # rows the editor offers at most (ten years of months)
STRAIGHT_DIGITS = 6  # significant digits of a straight-line value in the editor


@dataclass(frozen=True, slots=True)
class Trajectory:
    """An indicator's planned path (see the module docstring). ``points``: the edited plan,
    ascending by date, after the start; empty: the straight line to ``due``."""

    baseline: float
    target: float
    direction: str
    start: date
    due: date | None
    points: tuple[tuple[date, float], ...] = ()

    @property
    def edited(self) -> bool:
        return bool(self.points)

    @property
    def nodes(self) -> tuple[tuple[date, float], ...]:
        """The path's corners: the start at the baseline, then the plan (or the due date at the
        target)."""
        if self.points:
            return ((self.start, self.baseline), *self.points)
        if self.due is None or self.due <= self.start:
            # (a due date on or before the start: the whole change is planned at once)
            return ((self.start, self.baseline), (self.start, self.target))
        return ((self.start, self.baseline), (self.due, self.target))

    @property
    def end(self) -> date:
        """The day the path reaches its last value."""
        return self.nodes[-1][0]

    def value_on(self, day: date) -> float:
        """The planned value on ``day``: interpolated between corners, baseline before the start,
        the last value held after the end."""
        nodes = self.nodes
        if day < nodes[0][0]:
            return nodes[0][1]
        days = [d for d, _v in nodes]
        k = bisect_right(days, day)
        if k >= len(nodes):
            return nodes[-1][1]
        (d0, v0), (d1, v1) = nodes[k - 1], nodes[k]
        span = (d1 - d0).days
        if span <= 0:
            return v1
        return v0 + (v1 - v0) * (day - d0).days / span

    def straight_on(self, day: date) -> float:
        """The straight line's value on ``day`` (what an unedited plan says)."""
        return Trajectory(self.baseline, self.target, self.direction, self.start,
                          self.due).value_on(day)

    def progress_on(self, day: date) -> float:
        """Planned progress on ``day``: the planned value as progress from the baseline toward
        the target (``lifecycle.progress``), in points; 0 at the start, 100 at the target."""
        value = progress(self.baseline, self.target, self.direction, self.value_on(day))
        return 0.0 if value is None else value  # (never None: baseline and target are known)


def trajectory(baseline: float | None, target: float | None, direction: str, start: date,
               due: date | None, points: Iterable[tuple[date, float]] = ()) -> Trajectory | None:
    """The path of an indicator (see the module docstring); ``None`` when nothing is planned."""
    if baseline is None or target is None:
        return None
    kept = tuple(sorted((d, float(v)) for d, v in points if d > start))
    if due is None and not kept:
        return None
    return Trajectory(float(baseline), float(target), direction, start, due, kept)


def planned_progress(path: Trajectory | None, day: date) -> float | None:
    return None if path is None else path.progress_on(day)


def variance(actual: float | None, planned: float | None) -> float | None:
    """Verified progress minus planned progress, in points; None when either is unknown."""
    if actual is None or planned is None:
        return None
    return actual - planned


def mean_pairs(actual: Sequence[float | None],
               planned: Sequence[float | None]) -> tuple[float | None, float | None]:
    """Over the indicators with both a verified progress and a planned one: the mean planned
    progress and the mean variance (None, None when there is none)."""
    pairs = [(a, p) for a, p in zip(actual, planned, strict=False)
             if a is not None and p is not None]
    if not pairs:
        return None, None
    n = len(pairs)
    return sum(p for _a, p in pairs) / n, sum(a - p for a, p in pairs) / n


# --------------------------------------------------------------------------- periods


def _month_end(year: int, month: int) -> date:
    first_next = date(year + month // 12, month % 12 + 1, 1)
    return first_next - timedelta(days=1)


def period_ends(start: date, due: date, period: str) -> list[date]:
    """The plan's rows: calendar period ends strictly between ``start`` and ``due``, then
    ``due`` (nothing when ``due`` is not after ``start``)."""
    if due <= start:
        return []
    step = 3 if period == QUARTER else 1
    ends: list[date] = []
    year, month = start.year, start.month
    if step == 3:
        month = ((month - 1) // 3) * 3 + 3  # the quarter's last month
    while True:
        end = _month_end(year, month)
        if end >= due:
            break
        if end > start:
            ends.append(end)
        month += step
        if month > 12:
            year, month = year + 1, month - 12
    ends.append(due)
    return ends


def rounded(value: float) -> float:
    """A straight-line value as the editor prefills it: ``STRAIGHT_DIGITS`` significant digits
    (33.3333, not 33.333333333333336)."""
    if value == 0 or not math.isfinite(value):
        return value
    return float(f"{value:.{STRAIGHT_DIGITS}g}")


def on_straight_line(path: Trajectory, day: date, value: float) -> bool:
    """Is ``value`` the straight line's on ``day``, as the editor prefilled it? (Within the
    rounding of ``rounded``, relative to the values' scale.) A plan saved with every row on the
    line is stored as no plan at all."""
    line = path.straight_on(day)
    scale = max(1.0, abs(line), abs(path.target - path.baseline))
    return abs(value - line) <= 10.0 ** -(STRAIGHT_DIGITS - 1) * scale
