"""The layout docs/architecture.md describes, kept true: packages talk through public names, every
feature's commands register the same way, and the order of cards in a cell has one owner."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import quickwin_tracker

PACKAGE = Path(quickwin_tracker.__file__).parent


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _top_package(path: Path) -> str:
    """``board`` for quickwin_tracker/board/moves.py; the module's own name at the root."""
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


def _imported_package(path: Path, node: ast.ImportFrom) -> str | None:
    """The top-level subpackage an ``from … import`` reads from, or None outside the app."""
    if node.level == 0:
        parts = (node.module or "").split(".")
        return parts[1] if parts[0] == "quickwin_tracker" and len(parts) > 1 else None
    here = path.relative_to(PACKAGE).parts[:-1]  # the folders the module sits in
    base = here[: len(here) - (node.level - 1)]
    parts = [*base, *((node.module or "").split(".") if node.module else [])]
    return parts[0].removesuffix(".py") if parts else None


def test_no_module_imports_another_packages_private_names():
    crossings = []
    for path, tree in _modules():
        own = _top_package(path)
        for node in ast.walk(tree):
            if not isinstance(node, ast.ImportFrom):
                continue
            source = _imported_package(path, node)
            if source is None or source == own:
                continue
            crossings += [f"{path.relative_to(PACKAGE)}: {alias.name} from {source}"
                          for alias in node.names
                          if alias.name.startswith("_") and not alias.name.startswith("__")]
    # models/__init__.py re-exports the dummy hash for auth's timing-safe sign-in.
    assert [c for c in crossings if "_dummy_password_hash" not in c] == []


def test_every_feature_registers_its_commands_through_cli_register():
    from quickwin_tracker import cli

    command_modules = sorted(p.parent.name for p in PACKAGE.glob("*/cli.py"))
    assert command_modules, "no feature has commands?"
    for name in command_modules:
        module = importlib.import_module(f"quickwin_tracker.{name}.cli")
        assert callable(getattr(module, "register", None)), f"{name}/cli.py has no register(app)"
    assert sorted(cli.FEATURES_WITH_COMMANDS) == command_modules


def test_only_board_positions_orders_or_renumbers_a_cell():
    """Reading a cell's order, renumbering and the bottom of a cell are board/positions.py's:
    others may place a card with its answer, never compute one (issue 11, item 1)."""
    owners = []
    for path, tree in _modules():
        relative = str(path.relative_to(PACKAGE))
        source = path.read_text(encoding="utf-8")
        for node in ast.walk(tree):
            # max(Initiative.position) is "the bottom of a cell"; UPDATE … SET position is renumbering.
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "max" and node.args
                    and ast.unparse(node.args[0]) == "Initiative.position"):
                owners.append(relative)
            # … .values(position=…) on the initiative table is renumbering.
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "values"
                    and any(k.arg == "position" for k in node.keywords)
                    and ("Initiative" in ast.unparse(node) or "Initiative.__table__" in source)):
                owners.append(relative)
    assert set(owners) <= {"board/positions.py"}
    assert len(owners) >= 3, "the check no longer finds board/positions.py itself"
