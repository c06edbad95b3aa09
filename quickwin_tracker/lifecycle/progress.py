"""Outcome progress: how far a measured value has come from the baseline toward the target.

    progress = (value - baseline) / (target - baseline) × 100

- Direction-aware by construction: for "lower is better" the target is below the baseline, so
  a value that falls toward the target gives positive progress.
- It may pass 100 (over-achievement: the target was beaten) and go below 0 (worse than the
  baseline); callers show both as such, and clamp only the width of a progress bar.
- Baseline equal to target: refused when an indicator is saved (progress is undefined); for rows
  saved before that rule, 100 when the value is at or beyond the target in the indicator's
  direction, else 0.
- A direction that contradicts baseline → target (e.g. "higher is better" with a target below the
  baseline) is refused when the indicator is saved; here it is computed by the formula alone.
- No baseline, no target or no value: ``None`` ("not measured yet"), never 0.
"""

from __future__ import annotations

from collections.abc import Iterable


def progress(baseline: float | None, target: float | None, direction: str,
             value: float | None) -> float | None:
    if baseline is None or target is None or value is None:
        return None
    if target == baseline:
        met = value >= target if direction == "higher" else value <= target
        return 100.0 if met else 0.0
    return (value - baseline) / (target - baseline) * 100.0


def mean_progress(values: Iterable[float | None]) -> float | None:
    """The initiative's outcome progress: the mean over its measured indicators."""
    known = [v for v in values if v is not None]
    return sum(known) / len(known) if known else None


def bar_width(value: float | None) -> int:
    """0..100, for drawing a bar; the number shown beside it is the real value."""
    if value is None:
        return 0
    return max(0, min(100, round(value)))
