"""Explicit page contexts: a view passes what its page shows. Partials render what they are given
(no context processor or template global fetching data, no ``include … ignore missing``), and every
whole page goes through ``web.pages.render_page``, which passes the header's unread count."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "quickwin_tracker"
TEMPLATES = ROOT / "templates"

# Pages of slices renovated elsewhere (issue 11); drop an entry once it uses render_page.
NOT_YET: set[str] = set()


def _python_modules():
    return sorted(PACKAGE.glob("**/*.py"))


def test_no_context_processors_or_template_globals_behind_the_views():
    hidden = ("context_processor", "app_template_global", "template_global")
    found = [f"{path.relative_to(PACKAGE)}: {name}" for path in _python_modules()
             for name in hidden if f".{name}" in path.read_text(encoding="utf-8")]
    assert found == []


def test_no_template_includes_what_may_be_missing():
    found = [str(path.relative_to(TEMPLATES)) for path in sorted(TEMPLATES.glob("**/*.html"))
             if "ignore missing" in path.read_text(encoding="utf-8")]
    assert found == []


def _is_page(template: str) -> bool:
    path = TEMPLATES / template
    return path.is_file() and '{% extends "base.html" %}' in path.read_text(encoding="utf-8")


def _pages_rendered_directly(path: Path) -> list[str]:
    """``render_template("<a page>", …)`` calls: a page rendered without its header's data."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id == "render_template" and node.args
                and isinstance(node.args[0], ast.Constant) and _is_page(node.args[0].value)):
            found.append(f"{node.lineno}: {node.args[0].value}")
    return found


def test_whole_pages_go_through_render_page():
    offenders = {str(path.relative_to(PACKAGE)): calls for path in _python_modules()
                 if (calls := _pages_rendered_directly(path))}
    assert set(offenders) == NOT_YET, offenders
