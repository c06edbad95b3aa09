"""A small server-rendered SVG line chart of one indicator's measurements.

x: date of measurement; y: value. Dashed lines mark the baseline and the target. The line joins
verified measurements only (what counts); verified points are filled, submitted ones hollow,
returned ones drawn as a cross; withdrawn ones are left out (the table lists them). No script
and no ``style`` attributes (only presentation attributes and classes), so it survives a strict
Content-Security-Policy; every text is escaped. The measurements table next to it carries the
same data for screen readers and printing.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from flask_babel import format_date, format_decimal, ngettext
from flask_babel import gettext as _
from markupsafe import Markup, escape

from ..models import Indicator, Measurement, MeasurementStatus

MUTED = "#52606d"
GRID = "#d9e2ec"
LINE = "#0b5394"
TARGET = "#166534"
RETURNED = "#b91c1c"
FONT = 'font-family="system-ui, sans-serif" font-size="11"'

PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 56, 16, 12, 28


def _fmt(x: float) -> str:
    """A coordinate: one decimal is plenty for a chart this size."""
    return f"{x:.1f}"


def _nice_step(span: float, ticks: int = 4) -> float:
    raw = span / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude  # pragma: no cover - the loop always returns


def value_range(values: Sequence[float]) -> tuple[float, float]:
    """A y-axis range that contains ``values`` with a little room, never empty."""
    if not values:
        return 0.0, 1.0
    lo, hi = min(values), max(values)
    if lo == hi:
        room = abs(lo) * 0.1 or 1.0
        return lo - room, hi + room
    room = (hi - lo) * 0.08
    return lo - room, hi + room


def ticks(lo: float, hi: float) -> list[float]:
    step = _nice_step(hi - lo)
    first = math.ceil(lo / step)
    result = []
    k = first
    while k * step <= hi + step * 1e-9:
        result.append(round(k * step, 10) + 0.0)  # + 0.0 turns -0.0 into 0.0
        k += 1
    return result


def _summary(indicator: Indicator, ordered: Sequence[Measurement]) -> str:
    """The chart in one sentence: its accessible name."""
    details = []
    if not ordered:
        details.append(_("none recorded yet"))
    else:
        details.append(ngettext("%(num)d measurement from %(first)s to %(last)s",
                                "%(num)d measurements from %(first)s to %(last)s", len(ordered),
                                first=format_date(ordered[0].measured_on),
                                last=format_date(ordered[-1].measured_on)))
    if indicator.baseline is not None:
        details.append(_("baseline %(value)s", value=format_decimal(indicator.baseline)))
    if indicator.target is not None:
        details.append(_("target %(value)s", value=format_decimal(indicator.target)))
    return _("Measurements of “%(name)s”", name=indicator.name) + ": " + "; ".join(details)


@dataclass(frozen=True)
class _Frame:
    """The plot area and the scales from values and dates to it."""

    width: int
    height: int
    lo: float
    hi: float
    first_day: date | None
    span_days: int

    @property
    def left(self) -> int:
        return PAD_LEFT

    @property
    def top(self) -> int:
        return PAD_TOP

    @property
    def plot_w(self) -> int:
        return self.width - PAD_LEFT - PAD_RIGHT

    @property
    def plot_h(self) -> int:
        return self.height - PAD_TOP - PAD_BOTTOM

    @property
    def right(self) -> int:
        return PAD_LEFT + self.plot_w

    @property
    def bottom(self) -> int:
        return PAD_TOP + self.plot_h

    def y(self, v: float) -> float:
        return self.top + (self.hi - v) / (self.hi - self.lo) * self.plot_h

    def x(self, d: date) -> float:
        if not self.span_days or self.first_day is None:
            return self.left + self.plot_w / 2
        return self.left + (d - self.first_day).days / self.span_days * self.plot_w


def _frame(indicator: Indicator, ordered: Sequence[Measurement], width: int,
           height: int) -> _Frame:
    refs = [v for v in (indicator.baseline, indicator.target) if v is not None]
    lo, hi = value_range([m.value for m in ordered] + refs)
    days = [m.measured_on for m in ordered]
    return _Frame(width, height, lo, hi, days[0] if days else None,
                  (days[-1] - days[0]).days if days else 0)


def _grid(f: _Frame) -> list[str]:
    """Horizontal lines at round values, labelled on the left."""
    out = []
    for t in ticks(f.lo, f.hi):
        ty = _fmt(f.y(t))
        out.append(f'<line x1="{f.left}" y1="{ty}" x2="{f.right}" y2="{ty}" stroke="{GRID}"'
                   f' stroke-width="1"/>')
        out.append(f'<text x="{f.left - 6}" y="{ty}" dy="0.35em" text-anchor="end" fill="{MUTED}"'
                   f' {FONT}>{escape(format_decimal(t))}</text>')
    return out


def _references(f: _Frame, indicator: Indicator) -> list[str]:
    """Dashed lines at the baseline and the target, where set."""
    out = []
    for value, colour, name in ((indicator.baseline, MUTED, _("Baseline")),
                                (indicator.target, TARGET, _("Target"))):
        if value is None:
            continue
        ry = _fmt(f.y(value))
        text = f"{name} {format_decimal(value)}"
        out.append(f'<line class="chart-ref" x1="{f.left}" y1="{ry}" x2="{f.right}" y2="{ry}"'
                   f' stroke="{colour}" stroke-width="1.5" stroke-dasharray="6 4"/>')
        out.append(f'<text x="{f.right - 4}" y="{ry}" dy="-0.4em" text-anchor="end"'
                   f' fill="{colour}" {FONT}>{escape(text)}</text>')
    return out


def _date_axis(f: _Frame, ordered: Sequence[Measurement]) -> list[str]:
    """The first and last dates under the plot, or "no measurements yet" in it."""
    if not ordered:
        return [f'<text x="{_fmt(f.left + f.plot_w / 2)}" y="{_fmt(f.top + f.plot_h / 2)}"'
                f' text-anchor="middle" fill="{MUTED}" {FONT}>'
                f'{escape(_("No measurements yet"))}</text>']
    first, last = ordered[0].measured_on, ordered[-1].measured_on
    labels = [(first, "middle")] if not f.span_days else [(first, "start"), (last, "end")]
    return [f'<text x="{_fmt(f.x(d))}" y="{f.bottom + 18}" text-anchor="{anchor}"'
            f' fill="{MUTED}" {FONT}>{escape(format_date(d, "short"))}</text>'
            for d, anchor in labels]


def _line(f: _Frame, ordered: Sequence[Measurement]) -> list[str]:
    """The line joining the verified measurements (what counts), when there are two or more."""
    verified = [m for m in ordered if m.status == MeasurementStatus.VERIFIED.value]
    if len(verified) < 2:
        return []
    points = " ".join(f"{_fmt(f.x(m.measured_on))},{_fmt(f.y(m.value))}" for m in verified)
    return [f'<polyline points="{points}" fill="none" stroke="{LINE}" stroke-width="2"'
            f' stroke-linejoin="round"/>']


def _mark(status: str, px: float, py: float) -> str:
    """A cross for a returned measurement, a filled dot for a verified one, else a hollow dot."""
    if status == MeasurementStatus.RETURNED.value:
        s = 4
        return (f'<path d="M{_fmt(px - s)} {_fmt(py - s)}L{_fmt(px + s)} {_fmt(py + s)}'
                f'M{_fmt(px - s)} {_fmt(py + s)}L{_fmt(px + s)} {_fmt(py - s)}"'
                f' stroke="{RETURNED}" stroke-width="2" fill="none"/>')
    fill = LINE if status == MeasurementStatus.VERIFIED.value else "#fff"
    return (f'<circle cx="{_fmt(px)}" cy="{_fmt(py)}" r="4" fill="{fill}"'
            f' stroke="{LINE}" stroke-width="2"/>')


def _points(f: _Frame, ordered: Sequence[Measurement], unit: str) -> list[str]:
    """Each measurement's mark, with its value, date and status as a tooltip."""
    status_words = {
        MeasurementStatus.VERIFIED.value: _("verified"),
        MeasurementStatus.SUBMITTED.value: _("awaiting verification"),
        MeasurementStatus.RETURNED.value: _("returned"),
    }
    out = []
    for m in ordered:
        tip = escape(f"{format_decimal(m.value)} {unit}".strip()
                     + f" · {format_date(m.measured_on)} · {status_words.get(m.status, m.status)}")
        out.append(f'<g class="chart-point point-{escape(m.status)}"><title>{tip}</title>')
        out.append(_mark(m.status, f.x(m.measured_on), f.y(m.value)))
        out.append("</g>")
    return out


def indicator_chart_svg(indicator: Indicator, measurements: Iterable[Measurement],
                        width: int = 480, height: int = 200) -> Markup:
    ordered = sorted((m for m in measurements if m.status != MeasurementStatus.WITHDRAWN.value),
                     key=lambda m: (m.measured_on, m.id or 0))
    f = _frame(indicator, ordered, width, height)
    label = _summary(indicator, ordered)
    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg" viewBox="0 0 {width} {height}"'
        f' width="{width}" height="{height}" role="img" aria-label="{escape(label)}"'
        f' focusable="false">',
        f"<title>{escape(label)}</title>",
        f'<rect x="{f.left}" y="{f.top}" width="{f.plot_w}" height="{f.plot_h}" fill="#fff"'
        f' stroke="{GRID}"/>',
        *_grid(f),
        *_references(f, indicator),
        *_date_axis(f, ordered),
        *_line(f, ordered),
        *_points(f, ordered, indicator.unit_of_measure or ""),
        "</svg>",
    ]
    return Markup("".join(out))
