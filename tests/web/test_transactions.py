"""One transaction idiom: views commit only through ``web.actions.user_action`` (which commits, or
rolls back and shows the refusal); no view module calls ``session.commit()`` or ``rollback()``
itself. CLI commands and scheduler jobs keep their own handling."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "quickwin_tracker"

# Views renovated in other slices of issue 11; drop an entry once its view uses user_action.
NOT_YET: set[str] = set()


def _session_calls(path: Path) -> list[str]:
    """``…session.commit()`` / ``…session.rollback()`` calls in a module, as ``line: source``."""
    source = path.read_text(encoding="utf-8")
    found = []
    for node in ast.walk(ast.parse(source)):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("commit", "rollback")
                and ast.unparse(node.func.value).split(".")[-1] == "session"):
            found.append(f"{node.lineno}: {ast.unparse(node)}")
    return found


def test_no_view_commits_or_rolls_back_itself():
    view_modules = sorted(PACKAGE.glob("**/*views.py"))
    assert len(view_modules) > 10
    offenders = {str(path.relative_to(PACKAGE)): calls for path in view_modules
                 if (calls := _session_calls(path))}
    assert set(offenders) == NOT_YET, offenders


def test_the_check_finds_user_actions_own_commit_and_rollback():
    calls = [call.split(": ", 1)[1] for call in _session_calls(PACKAGE / "web" / "actions.py")]
    assert calls == ["db.session.commit()", "db.session.rollback()"]
