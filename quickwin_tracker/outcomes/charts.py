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


def indicator_chart_svg(indicator: Indicator, measurements: Iterable[Measurement],
                        width: int = 480, height: int = 200) -> Markup:
    ordered = sorted((m for m in measurements if m.status != MeasurementStatus.WITHDRAWN.value),
                     key=lambda m: (m.measured_on, m.id or 0))
    unit = indicator.unit_of_measure or ""
    refs = [v for v in (indicator.baseline, indicator.target) if v is not None]
    lo, hi = value_range([m.value for m in ordered] + refs)
    plot_w = width - PAD_LEFT - PAD_RIGHT
    plot_h = height - PAD_TOP - PAD_BOTTOM
    left, right, top, bottom = PAD_LEFT, PAD_LEFT + plot_w, PAD_TOP, PAD_TOP + plot_h

    def y(v: float) -> float:
        return top + (hi - v) / (hi - lo) * plot_h

    days = [m.measured_on for m in ordered]
    first_day: date | None = days[0] if days else None
    span_days = (days[-1] - days[0]).days if days else 0

    def x(d: date) -> float:
        if not span_days or first_day is None:
            return left + plot_w / 2
        return left + (d - first_day).days / span_days * plot_w

    label = _summary(indicator, ordered)
    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg" viewBox="0 0 {width} {height}"'
        f' width="{width}" height="{height}" role="img" aria-label="{escape(label)}"'
        f' focusable="false">',
        f"<title>{escape(label)}</title>",
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="#fff"'
        f' stroke="{GRID}"/>',
    ]

    for t in ticks(lo, hi):
        ty = _fmt(y(t))
        out.append(f'<line x1="{left}" y1="{ty}" x2="{right}" y2="{ty}" stroke="{GRID}"'
                   f' stroke-width="1"/>')
        out.append(f'<text x="{left - 6}" y="{ty}" dy="0.35em" text-anchor="end" fill="{MUTED}"'
                   f' {FONT}>{escape(format_decimal(t))}</text>')

    for value, colour, name in ((indicator.baseline, MUTED, _("Baseline")),
                                (indicator.target, TARGET, _("Target"))):
        if value is None:
            continue
        ry = _fmt(y(value))
        text = f"{name} {format_decimal(value)}"
        out.append(f'<line class="chart-ref" x1="{left}" y1="{ry}" x2="{right}" y2="{ry}"'
                   f' stroke="{colour}" stroke-width="1.5" stroke-dasharray="6 4"/>')
        out.append(f'<text x="{right - 4}" y="{ry}" dy="-0.4em" text-anchor="end" fill="{colour}"'
                   f' {FONT}>{escape(text)}</text>')

    if not ordered:
        out.append(f'<text x="{_fmt(left + plot_w / 2)}" y="{_fmt(top + plot_h / 2)}"'
                   f' text-anchor="middle" fill="{MUTED}" {FONT}>'
                   f'{escape(_("No measurements yet"))}</text>')
    else:
        labels = [days[0]] if not span_days else [days[0], days[-1]]
        anchors = ["middle"] if not span_days else ["start", "end"]
        for d, anchor in zip(labels, anchors, strict=True):
            out.append(f'<text x="{_fmt(x(d))}" y="{bottom + 18}" text-anchor="{anchor}"'
                       f' fill="{MUTED}" {FONT}>{escape(format_date(d, "short"))}</text>')

    verified = [m for m in ordered if m.status == MeasurementStatus.VERIFIED.value]
    if len(verified) > 1:
        points = " ".join(f"{_fmt(x(m.measured_on))},{_fmt(y(m.value))}" for m in verified)
        out.append(f'<polyline points="{points}" fill="none" stroke="{LINE}" stroke-width="2"'
                   f' stroke-linejoin="round"/>')

    status_words = {
        MeasurementStatus.VERIFIED.value: _("verified"),
        MeasurementStatus.SUBMITTED.value: _("awaiting verification"),
        MeasurementStatus.RETURNED.value: _("returned"),
    }
    for m in ordered:
        px, py = x(m.measured_on), y(m.value)
        tip = escape(f"{format_decimal(m.value)} {unit}".strip()
                     + f" · {format_date(m.measured_on)} · {status_words.get(m.status, m.status)}")
        out.append(f'<g class="chart-point point-{escape(m.status)}"><title>{tip}</title>')
        if m.status == MeasurementStatus.RETURNED.value:
            s = 4
            out.append(f'<path d="M{_fmt(px - s)} {_fmt(py - s)}L{_fmt(px + s)} {_fmt(py + s)}'
                       f'M{_fmt(px - s)} {_fmt(py + s)}L{_fmt(px + s)} {_fmt(py - s)}"'
                       f' stroke="{RETURNED}" stroke-width="2" fill="none"/>')
        elif m.status == MeasurementStatus.VERIFIED.value:
            out.append(f'<circle cx="{_fmt(px)}" cy="{_fmt(py)}" r="4" fill="{LINE}"'
                       f' stroke="{LINE}" stroke-width="2"/>')
        else:
            out.append(f'<circle cx="{_fmt(px)}" cy="{_fmt(py)}" r="4" fill="#fff"'
                       f' stroke="{LINE}" stroke-width="2"/>')
        out.append("</g>")

    out.append("</svg>")
    return Markup("".join(out))
