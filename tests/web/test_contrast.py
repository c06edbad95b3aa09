"""The unread badges are legible: WCAG contrast of at least 4.5:1 between their text and their
background, computed from ``static/css/app.css`` (the header's count of unread notifications and
the "New" badge on the notifications page)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CSS = re.sub(r"/\*.*?\*/", "", (Path(__file__).parents[2] / "static" / "css" / "app.css").read_text(),
             flags=re.S)


def _variables() -> dict[str, str]:
    root = re.search(r":root\s*\{(.*?)\}", CSS, re.S)[1]
    return dict(re.findall(r"(--[\w-]+)\s*:\s*([^;]+);", root))


def _declarations(selector: str) -> dict[str, str]:
    """The declarations of every rule whose selector list includes ``selector``, later ones win."""
    found: dict[str, str] = {}
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", CSS):
        if selector in (s.strip() for s in selectors.split(",")):
            found.update((k.strip(), v.strip()) for k, v in re.findall(r"([\w-]+)\s*:\s*([^;]+)",
                                                                        body))
    return found


def _colour(value: str) -> tuple[float, float, float]:
    variables = _variables()
    while value.startswith("var("):
        value = variables[value[4:-1].strip()].strip()
    hex_value = value.lstrip("#")
    if len(hex_value) == 3:
        hex_value = "".join(c * 2 for c in hex_value)
    return tuple(int(hex_value[i:i + 2], 16) / 255 for i in (0, 2, 4))


def _luminance(rgb: tuple[float, float, float]) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(foreground: str, background: str) -> float:
    light, dark = sorted((_luminance(_colour(foreground)), _luminance(_colour(background))),
                         reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_contrast_formula():
    assert contrast("#000", "#fff") == pytest.approx(21)
    assert contrast("#767676", "#fff") == pytest.approx(4.54, abs=0.01)


@pytest.mark.parametrize("selector", [".site-header .count", ".badge-unread"])
def test_unread_badges_are_legible(selector):
    rule = _declarations(selector)
    assert contrast(rule["color"], rule["background"]) >= 4.5
