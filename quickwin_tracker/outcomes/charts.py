"""A server-rendered SVG line chart of one indicator's measurements against its plan.

x: dates, from the indicator's start (the initiative's creation or the first measurement,
whichever is earlier) to its target date (the indicator's, else the initiative's); measurements
after that, or today, widen it. y: values. Dashed lines mark the baseline and the target; the
planned path (``lifecycle.trajectory``: the edited plan through its period ends, else the
straight line from the baseline at the start to the target at the target date) is a dotted
green line, its edited points marked, its last value held to the right edge; a vertical line
marks today. The solid line joins verified measurements only (what counts);
verified points are filled, submitted ones (awaiting verification) hollow and joined to the last
verified one by a faint dashed segment, returned ones drawn as a cross; withdrawn ones are left
out (the table lists them). It fills its container's width (a ``viewBox`` and no width or height
attributes). No script and no ``style`` attributes (only presentation attributes and classes),
so it survives a strict Content-Security-Policy; every text is escaped. The measurements table
next to it carries the same data for screen readers and printing.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from flask_babel import format_date, format_decimal, ngettext
from flask_babel import gettext as _
from markupsafe import Markup, escape

from ..domain.clock import local_today
from ..lifecycle.trajectory import Trajectory, trajectory
from ..models import Indicator, Measurement, MeasurementStatus

MUTED = "#52606d"
GRID = "#d9e2ec"
LINE = "#0b5394"
TARGET = "#166534"
PLAN = "#15803d"
TODAY = "#92400e"
RETURNED = "#b91c1c"
FONT = 'font-family="system-ui, sans-serif" font-size="12"'

WIDTH, HEIGHT = 640, 240
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 56, 16, 22, 28


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


def _summary(indicator: Indicator, ordered: Sequence[Measurement], due: date | None) -> str:
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
    if due is not None:
        details.append(_("target date %(date)s", date=format_date(due)))
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
    left: int = PAD_LEFT  # room for the value labels (``_label_room``)

    @property
    def top(self) -> int:
        return PAD_TOP

    @property
    def plot_w(self) -> int:
        return self.width - self.left - PAD_RIGHT

    @property
    def plot_h(self) -> int:
        return self.height - PAD_TOP - PAD_BOTTOM

    @property
    def right(self) -> int:
        return self.left + self.plot_w

    @property
    def bottom(self) -> int:
        return PAD_TOP + self.plot_h

    def y(self, v: float) -> float:
        return self.top + (self.hi - v) / (self.hi - self.lo) * self.plot_h

    def x(self, d: date) -> float:
        if not self.span_days or self.first_day is None:
            return self.left + self.plot_w / 2
        return self.left + (d - self.first_day).days / self.span_days * self.plot_w


def _frame(indicator: Indicator, ordered: Sequence[Measurement], width: int, height: int,
           start: date | None, due: date | None, today: date,
           path: Trajectory | None = None) -> _Frame:
    """Values: the measurements, baseline, target and the planned path. Dates: from the earlier
    of ``start`` and the first measurement to the later of ``due`` (the target date), the path's
    end, the last measurement and ``today``; without a start or a due date, the measurements and
    today."""
    refs = [v for v in (indicator.baseline, indicator.target) if v is not None]
    nodes = list(path.nodes) if path is not None else []
    lo, hi = value_range([m.value for m in ordered] + refs + [v for _d, v in nodes])
    days = [m.measured_on for m in ordered] + [d for d in (start, due, today) if d is not None]
    days += [d for d, _v in nodes]
    first, last = min(days), max(days)
    return _Frame(width, height, lo, hi, first, (last - first).days, _label_room(lo, hi))


# A phone draws the labels at 22 px (app.css) in the chart's own units: about 13 units a
# character, so "1.500" needs 70 units where "10" needs the default.
LABEL_UNITS_PER_CHAR = 13


def _label_room(lo: float, hi: float) -> int:
    """The left padding that holds the longest value label, at the phone's label size."""
    longest = max((len(format_decimal(t)) for t in ticks(lo, hi)), default=0)
    return max(PAD_LEFT, 8 + LABEL_UNITS_PER_CHAR * longest)


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
    """The first and last dates under the plot; "no measurements yet" in it when there are
    none."""
    out = []
    if not ordered:
        out.append(f'<text x="{_fmt(f.left + f.plot_w / 2)}" y="{_fmt(f.top + f.plot_h / 2)}"'
                   f' text-anchor="middle" fill="{MUTED}" {FONT}>'
                   f'{escape(_("No measurements yet"))}</text>')
    first = f.first_day
    last = date.fromordinal(first.toordinal() + f.span_days)
    labels = [(first, "middle")] if not f.span_days else [(first, "start"), (last, "end")]
    out += [f'<text class="chart-date" x="{_fmt(f.x(d))}" y="{f.bottom + 18}"'
            f' text-anchor="{anchor}" fill="{MUTED}" {FONT}>{escape(format_date(d, "short"))}</text>'
            for d, anchor in labels]
    return out


def _plan(f: _Frame, path: Trajectory | None) -> list[str]:
    """The planned path: from the baseline at the start through the edited plan's points (each
    marked, with its value as a tooltip), or straight to the target at the target date; the
    last value held to the right edge when the path ends before it."""
    if path is None or f.first_day is None:
        return []
    nodes = path.nodes
    last_day = date.fromordinal(f.first_day.toordinal() + f.span_days)
    coords = [(_fmt(f.x(d)), _fmt(f.y(v))) for d, v in nodes]
    end_day, end_value = nodes[-1]
    if path.edited:
        tip = escape(_("Planned path (edited): from %(baseline)s to %(value)s by %(date)s",
                       baseline=format_decimal(path.baseline), value=format_decimal(end_value),
                       date=format_date(end_day)))
    else:
        tip = escape(_("Planned: from %(baseline)s to %(target)s by %(date)s",
                       baseline=format_decimal(path.baseline),
                       target=format_decimal(path.target), date=format_date(end_day)))
    dash = 'stroke-width="2" stroke-dasharray="2 4" stroke-linecap="round"'
    out = [f'<g class="chart-plan"><title>{tip}</title>']
    if len(coords) == 2:
        (x1, y1), (x2, y2) = coords
        out.append(f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="{PLAN}" {dash}/>')
    else:
        points = " ".join(f"{x},{y}" for x, y in coords)
        out.append(f'<polyline points="{points}" fill="none" stroke="{PLAN}" {dash}/>')
    if end_day < last_day:
        x2, y2 = coords[-1]
        out.append(f'<line class="chart-plan-held" x1="{x2}" y1="{y2}" x2="{_fmt(f.right)}"'
                   f' y2="{y2}" stroke="{PLAN}" {dash} stroke-opacity="0.6"/>')
    for (d, v), (x, y) in list(zip(nodes, coords, strict=True))[1:]:
        if path.edited or (d, v) == nodes[-1]:
            label = escape(_("planned %(value)s by %(date)s", value=format_decimal(v),
                             date=format_date(d)))
            out.append(f'<circle class="chart-plan-point" cx="{x}" cy="{y}" r="3.5"'
                       f' fill="{PLAN}"><title>{label}</title></circle>')
    out.append("</g>")
    return out


def _today(f: _Frame, today: date) -> list[str]:
    """A vertical line at today, labelled above the plot."""
    tx = f.x(today)
    anchor = "end" if tx > f.right - 40 else "start" if tx < f.left + 40 else "middle"
    label = escape(_("today"))
    return [f'<g class="chart-today"><title>{label} · {escape(format_date(today))}</title>'
            f'<line x1="{_fmt(tx)}" y1="{f.top - 4}" x2="{_fmt(tx)}" y2="{f.bottom}"'
            f' stroke="{TODAY}" stroke-width="1.5"/>'
            f'<text x="{_fmt(tx)}" y="{f.top - 8}" text-anchor="{anchor}" fill="{TODAY}"'
            f' {FONT}>{label}</text></g>']


def _line(f: _Frame, ordered: Sequence[Measurement]) -> list[str]:
    """The line joining the verified measurements (what counts), when there are two or more."""
    verified = [m for m in ordered if m.status == MeasurementStatus.VERIFIED.value]
    if len(verified) < 2:
        return []
    points = " ".join(f"{_fmt(f.x(m.measured_on))},{_fmt(f.y(m.value))}" for m in verified)
    return [f'<polyline points="{points}" fill="none" stroke="{LINE}" stroke-width="2"'
            f' stroke-linejoin="round"/>']


def _pending(f: _Frame, ordered: Sequence[Measurement]) -> list[str]:
    """A faint dashed segment from the last verified measurement to each later one awaiting
    verification: where the line would go once it is verified."""
    verified = [m for m in ordered if m.status == MeasurementStatus.VERIFIED.value]
    if not verified:
        return []
    last = verified[-1]
    out = []
    for m in ordered:
        if (m.status == MeasurementStatus.SUBMITTED.value
                and (m.measured_on, m.id or 0) > (last.measured_on, last.id or 0)):
            out.append(f'<line class="chart-pending" x1="{_fmt(f.x(last.measured_on))}"'
                       f' y1="{_fmt(f.y(last.value))}" x2="{_fmt(f.x(m.measured_on))}"'
                       f' y2="{_fmt(f.y(m.value))}" stroke="{LINE}" stroke-width="2"'
                       f' stroke-opacity="0.45" stroke-dasharray="4 3"/>')
    return out


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


def indicator_chart_svg(indicator: Indicator, measurements: Iterable[Measurement], *,
                        start: date | None = None, due: date | None = None,
                        today: date | None = None, width: int = WIDTH,
                        height: int = HEIGHT, path: Trajectory | None = None) -> Markup:
    """The chart; ``start`` is when the indicator's story begins (the initiative's creation
    day), ``due`` its target date (the indicator's, else the initiative's), ``today`` the city's
    today, ``path`` the planned path (by default the straight line from ``start`` to ``due``)."""
    today = today or local_today()
    ordered = sorted((m for m in measurements if m.status != MeasurementStatus.WITHDRAWN.value),
                     key=lambda m: (m.measured_on, m.id or 0))
    if path is None and start is not None and due is not None:
        path = trajectory(indicator.baseline, indicator.target, indicator.direction, start, due)
    f = _frame(indicator, ordered, width, height, start, due, today, path)
    label = _summary(indicator, ordered, due)
    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg" viewBox="0 0 {width} {height}"'
        f' preserveAspectRatio="xMidYMid meet" role="img" aria-label="{escape(label)}"'
        f' focusable="false">',
        f"<title>{escape(label)}</title>",
        f'<rect x="{f.left}" y="{f.top}" width="{f.plot_w}" height="{f.plot_h}" fill="#fff"'
        f' stroke="{GRID}"/>',
        *_grid(f),
        *_references(f, indicator),
        *_plan(f, path),
        *_today(f, today),
        *_date_axis(f, ordered),
        *_line(f, ordered),
        *_pending(f, ordered),
        *_points(f, ordered, indicator.unit_of_measure or ""),
        "</svg>",
    ]
    return Markup("".join(out))


def progress_bar_svg(key: str, verified: int | None, pending: int | None) -> Markup:
    """A progress bar (0..100, already clamped): the verified part solid, and from there to what
    the latest measurement awaiting verification would make it, a lighter hatched part (over
    the solid one when it would lower the progress). Hidden from assistive technology: the
    numbers beside it say the same. ``key`` makes the pattern id unique on the page."""
    solid = verified or 0
    out = ['<svg xmlns="http://www.w3.org/2000/svg" class="progress-bar" viewBox="0 0 100 10"'
           ' preserveAspectRatio="none" aria-hidden="true" focusable="false">',
           '<rect width="100" height="10" rx="2" fill="#e4e7eb"/>']
    if verified is not None:
        out.append(f'<rect class="progress-verified" width="{solid}" height="10" fill="{TARGET}"/>')
    if pending is not None and pending != solid:
        pid = f"hatch-{escape(key)}"
        lo, hi = sorted((solid, pending))
        out.append(f'<defs><pattern id="{pid}" width="4" height="4" patternUnits="userSpaceOnUse"'
                   f' patternTransform="rotate(45)"><rect width="4" height="4" fill="#bbf7d0"/>'
                   f'<line x1="0" y1="0" x2="0" y2="4" stroke="{TARGET}" stroke-width="1.5"/>'
                   f'</pattern></defs>')
        out.append(f'<rect class="progress-pending" x="{lo}" width="{hi - lo}" height="10"'
                   f' fill="url(#{pid})"/>')
    out.append("</svg>")
    return Markup("".join(out))
