"""Achievement bands (issue 14, item 5): each indicator's achievement for the period, placed in
configurable bands, by default the SAKIP scale. Plain functions; the bands come from the
configuration (``QUICKWIN_ACHIEVEMENT_BANDS``), checked at start-up.

**Achievement** (``achievement``), in percent, of the latest verified value (the realisation)
against the value planned for the day (the indicator's trajectory read for today,
``lifecycle.trajectory``; with no trajectory but a target, the target itself):

- higher is better: ``realisation / planned × 100``;
- lower is better: the SAKIP inverse form ``(2 × planned − realisation) / planned × 100``
  (``(planned − (realisation − planned)) / planned``: each unit above the plan costs what a unit
  below it earns; unlike ``planned / realisation`` it stays defined at a realisation of 0);
- it may pass 100 (beyond the plan) and go below 0 (far worse than the plan);
- planned value 0 (e.g. "zero complaints"): the ratio is undefined, so 100 when the realisation
  is at or beyond 0 in the indicator's direction, else 0;
- planned value below 0: no ratio means anything there: no achievement (not banded);
- no verified measurement, no target: no achievement (not banded, counted as such).

**Bands** (``band_of``): each band has a lower bound; an achievement falls in the first band
(highest bound first) whose bound it reaches, and everything below the lowest bound (negative
achievements included) in the lowest band. The default, the SAKIP scale
(``91:very_good,76:good,66:fair,51:poor,0:very_poor``): ≥ 91 very good, 76 to under 91 good, 66
to under 76 fair, 51 to under 66 poor, under 51 very poor.

**Rounding at the edges**: the achievement is rounded half up to two decimals (as reports print
it: 90,995 → 91,00) and that rounded value is banded with the half-open ranges above, so what a
reader sees decides the band: 91 and 90,995 are very good, 90,5 and 90,99 good, 76 good,
75,99 fair, 66 fair, 51 poor, 50,99 and 50 very poor, anything above 100 very good, anything
negative very poor. The SAKIP table's "76–90" leaves 90–91 unwritten; reading its bounds as
lower bounds closes that gap without a second rounding rule.

**Format** of ``QUICKWIN_ACHIEVEMENT_BANDS``: comma-separated ``lower bound:key``, bounds
strictly descending, keys lowercase words (``a-z``, digits, ``_``), unique, at most eight bands
(each initiative's kept row counts its indicators per band in a column of its own). The five SAKIP keys
have translated labels (Sangat Baik, Baik, Cukup, Kurang, Sangat Kurang); another key is shown
as written, with ``_`` as spaces.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from flask import current_app
from flask_babel import lazy_gettext as _l

from .trajectory import Trajectory

DEFAULT_BANDS = "91:very_good,76:good,66:fair,51:poor,0:very_poor"
MAX_BANDS = 8  # kept per initiative in as many columns (``InitiativeStatus.band_1`` …)
KEY = re.compile(r"^[a-z][a-z0-9_]{0,19}$")
LABELS = {
    "very_good": _l("very good"),
    "good": _l("good"),
    "fair": _l("fair"),
    "poor": _l("poor"),
    "very_poor": _l("very poor"),
}


@dataclass(frozen=True, slots=True)
class Band:
    key: str
    minimum: float

    @property
    def label(self) -> str:
        known = LABELS.get(self.key)
        return str(known) if known is not None else self.key.replace("_", " ")


def parse_bands(text: str) -> tuple[Band, ...]:
    """``QUICKWIN_ACHIEVEMENT_BANDS`` as bands, highest bound first; ``ValueError`` saying what
    is wrong."""
    items = [item.strip() for item in (text or "").split(",") if item.strip()]
    if not items:
        raise ValueError("give at least one band, e.g. " + DEFAULT_BANDS)
    if len(items) > MAX_BANDS:
        raise ValueError(f"at most {MAX_BANDS} bands")
    bands: list[Band] = []
    for item in items:
        bound, sep, key = item.partition(":")
        key = key.strip()
        if not sep or not KEY.match(key):
            raise ValueError(f"{item!r} is not 'lower bound:key' (key: lowercase letters, digits "
                             f"and _), e.g. 91:very_good")
        try:
            minimum = float(bound.strip().replace(",", "."))
        except ValueError:
            raise ValueError(f"{item!r}: {bound.strip()!r} is not a number") from None
        if minimum != minimum or minimum in (float("inf"), float("-inf")):
            raise ValueError(f"{item!r}: the bound must be a finite number")
        if bands and minimum >= bands[-1].minimum:
            raise ValueError("bounds must be strictly descending (highest band first), "
                             f"{minimum:g} follows {bands[-1].minimum:g}")
        if any(b.key == key for b in bands):
            raise ValueError(f"the key {key!r} appears twice")
        bands.append(Band(key, minimum))
    return tuple(bands)


def configured_bands() -> tuple[Band, ...]:
    """The deployment's bands (parsed and checked once, at start-up: ``config``)."""
    return current_app.config["ACHIEVEMENT_BAND_LIST"]


def rounded(value: float) -> float:
    """Half up to two decimals, as shown (``Decimal`` of the shortest repr, so 90.995 → 91.0)."""
    return float(Decimal(repr(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def achievement(realisation: float | None, planned: float | None,
                direction: str) -> float | None:
    """Achievement in percent (see the module docstring), unrounded; None: not banded."""
    if realisation is None or planned is None or planned < 0:
        return None
    if planned == 0:
        met = realisation >= 0 if direction == "higher" else realisation <= 0
        return 100.0 if met else 0.0
    if direction == "lower":
        return (2 * planned - realisation) / planned * 100.0
    return realisation / planned * 100.0


def band_of(value: float | None, bands: tuple[Band, ...] | None = None) -> Band | None:
    """The band of an achievement (rounded as ``rounded``); None when there is none."""
    if value is None:
        return None
    bands = bands if bands is not None else configured_bands()
    shown = rounded(value)
    for band in bands:
        if shown >= band.minimum:
            return band
    return bands[-1]


def planned_for(path: Trajectory | None, target: float | None, day: date) -> float | None:
    """The value planned for ``day``: the trajectory's, else (nothing planned over time) the
    target."""
    return path.value_on(day) if path is not None else target


def indicator_achievement(realisation: float | None, path: Trajectory | None,
                          target: float | None, direction: str, day: date) -> float | None:
    """``achievement`` of the realisation against the value planned for ``day``."""
    return achievement(realisation, planned_for(path, target, day), direction)


def band_counts(achievements: Iterable[float | None],
                bands: tuple[Band, ...] | None = None) -> tuple[list[int], int]:
    """How many of ``achievements`` fall in each band (in the bands' order), and how many have
    none."""
    bands = bands if bands is not None else configured_bands()
    counts = [0] * len(bands)
    unbanded = 0
    for value in achievements:
        band = band_of(value, bands)
        if band is None:
            unbanded += 1
        else:
            counts[bands.index(band)] += 1
    return counts, unbanded
