"""Hatch build hook: compile the gettext catalogs (.po -> .mo) into every build.

The compiled catalogs are not committed; they are produced here so that wheels and
editable installs always carry catalogs that match the sources.
"""

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from hatchling.builders.hooks.plugin.interface import BuildHookInterface


def compile_catalogs(root: Path) -> list[Path]:
    compiled = []
    for po_path in sorted((root / "quickwin_tracker" / "translations").glob("*/LC_MESSAGES/*.po")):
        with po_path.open("rb") as f:
            catalog = read_po(f, locale=po_path.parent.parent.name)
        mo_path = po_path.with_suffix(".mo")
        with mo_path.open("wb") as f:
            write_mo(f, catalog, use_fuzzy=False)
        compiled.append(mo_path)
    return compiled


class CustomBuildHook(BuildHookInterface):
    def initialize(self, version, build_data):
        compile_catalogs(Path(self.root))
