"""Server-rendered SVG charts for the summary: a cumulative flow diagram (stacked areas) and
monthly throughput (stacked bars).

Colour-blind safe: the series take the Okabe–Ito palette (distinct under the common colour
vision deficiencies), outlined, and each is named in a legend beside the chart in the same order
as the stack, its names wrapped rather than cut; a data table accompanies every chart for screen
readers and print. No inline ``style`` attributes (the CSP forbids them), text escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from markupsafe import Markup, escape

# Okabe & Ito (2008), "Color Universal Design": black left out (it hides the outlines), grey
# added as the eighth; the palette repeats past its end.
FILLS = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#999999"]

WIDTH, HEIGHT = 760, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 200, 12, 28
LEGEND_CHARS = 26  # a legend line's length before it wraps (font-size 11 in 200 - 32 px)


def _fill(index: int) -> str:
    """The fill of the ``index``-th series (the palette repeats past its end)."""
    return FILLS[index % len(FILLS)]


def _wrap(name: str, width: int = LEGEND_CHARS) -> list[str]:
    """``name`` in lines of at most ``width`` characters, broken at spaces (a longer word stays
    whole): the legend shows every name in full."""
    lines: list[str] = []
    for word in name.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def _scale(max_value: int) -> int:
    return max(1, max_value)


def _legend(names: Sequence[str]) -> list[str]:
    """The series' names, top of the stack first, each beside its colour, wrapped in full."""
    parts = []
    y = TOP + 6
    x = WIDTH - RIGHT + 14
    for n, name in enumerate(reversed(names)):
        index = len(names) - 1 - n
        lines = _wrap(name)
        tspans = "".join(f'<tspan x="{x + 18}" dy="{0 if i == 0 else 12}">{escape(line)}</tspan>'
                         for i, line in enumerate(lines))
        parts.append(f'<rect x="{x}" y="{y}" width="12" height="12" fill="{_fill(index)}" '
                     f'stroke="#1f2933" stroke-width="0.5"/>'
                     f'<text x="{x + 18}" y="{y + 10}" font-size="11" fill="#1f2933">{tspans}</text>')
        y += 6 + 12 * len(lines)
    return parts


def _axis(max_value: int, labels: Sequence[str]) -> list[str]:
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    parts = [f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{LEFT + plot_w}" y2="{TOP + plot_h}" '
             f'stroke="#52606d"/>',
             f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}" stroke="#52606d"/>']
    for tick in (0, max_value // 2, max_value):
        y = TOP + plot_h - plot_h * tick / _scale(max_value)
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" font-size="10" text-anchor="end" '
                     f'fill="#52606d">{tick}</text>')
    if labels:
        step = max(1, len(labels) // 8)
        for n, label in enumerate(labels):
            if n % step:
                continue
            x = LEFT + (plot_w * (n + 0.5) / len(labels))
            parts.append(f'<text x="{x:.1f}" y="{HEIGHT - 8}" font-size="10" text-anchor="middle" '
                         f'fill="#52606d">{escape(label)}</text>')
    return parts


def _frame(points: Sequence[tuple[date, dict[int, int]]], series: Sequence[tuple[int, str]],
           label_format) -> tuple[int, list[str]]:
    """The largest stacked total of ``points`` (the top of the scale) and the axes drawn to it."""
    totals = [sum(values.get(sid, 0) for sid, _n in series) for _x, values in points]
    top = max(totals, default=0)
    return top, _axis(top, [label_format(x) for x, _v in points])


def _svg(title: str, body: list[str]) -> Markup:
    return Markup(
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>{"".join(body)}</svg>'
    )


def stacked_area(title: str, points: Sequence[tuple[date, dict[int, int]]],
                 series: Sequence[tuple[int, str]], label_format) -> Markup:
    """``points``: (x, {series id: value}); ``series``: (id, name) bottom to top."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top, body = _frame(points, series, label_format)
    if points:
        xs = [LEFT + plot_w * (n + 0.5) / len(points) for n in range(len(points))]
        below = [0] * len(points)
        for index, (sid, _name) in enumerate(series):
            above = [b + values.get(sid, 0) for b, (_x, values) in zip(below, points, strict=True)]

            def y(v: float) -> float:
                return TOP + plot_h - plot_h * v / _scale(top)

            upper = " ".join(f"{x:.1f},{y(v):.1f}" for x, v in zip(xs, above, strict=True))
            lower = " ".join(f"{x:.1f},{y(v):.1f}" for x, v in zip(reversed(xs), reversed(below),
                                                                     strict=True))
            body.append(f'<polygon points="{upper} {lower}" fill="{_fill(index)}" '
                        f'stroke="#1f2933" stroke-width="0.6"/>')
            below = above
    body += _legend([name for _sid, name in series])
    return _svg(title, body)


def stacked_bars(title: str, points: Sequence[tuple[date, dict[int, int]]],
                 series: Sequence[tuple[int, str]], label_format) -> Markup:
    """``points``: (x, {series id: value}); ``series``: (id, name) bottom to top."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top, body = _frame(points, series, label_format)
    if points:
        slot = plot_w / len(points)
        bar_w = max(4.0, slot * 0.6)
        for n, (_x, values) in enumerate(points):
            x = LEFT + slot * n + (slot - bar_w) / 2
            base = 0
            for index, (sid, _name) in enumerate(series):
                value = values.get(sid, 0)
                if not value:
                    continue
                height = plot_h * value / _scale(top)
                y = TOP + plot_h - plot_h * (base + value) / _scale(top)
                body.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{height:.1f}" '
                            f'fill="{_fill(index)}" stroke="#1f2933" stroke-width="0.6"/>')
                base += value
    body += _legend([name for _sid, name in series])
    return _svg(title, body)
