"""The columns of an import file, and finding the row that names them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _

from ..tables import CONTROL_CHARACTERS, HEADER_SEARCH_ROWS, FileRefused, Table, blank


@dataclass(frozen=True)
class ImportColumn:
    key: str
    header: str  # as in the template: both languages
    names: tuple[str, ...]  # other accepted headers (either language)
    required: bool = False


# The file format, not interface text: the headers carry both languages and are not translated.
COLUMNS = (
    ImportColumn("title", "Judul / Title", ("Judul", "Title", "Nama inisiatif"), True),
    ImportColumn("benefit", "Manfaat bagi warga / Citizen benefit",
                 ("Manfaat bagi warga", "Citizen benefit", "Manfaat", "Benefit"), True),
    ImportColumn("description", "Deskripsi / Description", ("Deskripsi", "Description")),
    ImportColumn("dimension", "Dimensi / Dimension",
                 ("Dimensi", "Dimension", "Dimensi Smart City", "Smart City dimension"), True),
    ImportColumn("unit", "OPD / Unit", ("OPD", "Unit", "Kode OPD", "Unit code", "Unit (OPD)")),
    ImportColumn("owner", "Penanggung jawab (email) / Owner (email)",
                 ("Penanggung jawab (email)", "Owner (email)", "Penanggung jawab", "Owner",
                  "Owner email", "Email")),
    ImportColumn("target_date", "Target peluncuran / Target date",
                 ("Target peluncuran", "Target date", "Target rollout date", "Tanggal target")),
    ImportColumn("tags", "Tag", ("Tags", "Tag / Tags", "Rencana", "Plans")),
)
COLUMNS_BY_KEY = {c.key: c for c in COLUMNS}
REQUIRED = tuple(c for c in COLUMNS if c.required)


def _normalise_header(value: Any) -> str:
    text = CONTROL_CHARACTERS.sub("", str(value if value is not None else "")).replace("*", "")
    text = re.sub(r"\s*/\s*", " / ", " ".join(text.split()))
    return text.casefold()


_HEADER_NAMES = {
    _normalise_header(name): column.key
    for column in COLUMNS
    for name in (column.header, column.key, *column.names)
}


@dataclass
class Header:
    row: int
    index: dict[str, int] = field(default_factory=dict)  # column key → position in the row
    labels: dict[str, str] = field(default_factory=dict)  # column key → the header as written
    ignored: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)  # columns named twice (refused)

    def add(self, position: int, value: Any) -> None:
        """Take one non-blank cell of the row as a column name."""
        key = _HEADER_NAMES.get(_normalise_header(value))
        name = str(value).strip()
        if key is None:
            self.ignored.append(name)
        elif key in self.index:
            self.duplicates.append(name)
        else:
            self.index[key] = position
            self.labels[key] = name


def _match_header(number: int, values: list[Any]) -> Header | None:
    """The header, if row ``number`` names any required column; refuses one that names some of
    them but not all, or a column twice."""
    header = Header(number)
    for position, value in enumerate(values):
        if not blank(value):
            header.add(position, value)
    if not any(c.key in header.index for c in REQUIRED):
        return None
    missing = [c.header for c in REQUIRED if c.key not in header.index]
    if missing:
        raise FileRefused(_("Row %(row)d names the columns but lacks: %(missing)s.",
                            row=number, missing=", ".join(missing)))
    if header.duplicates:
        raise FileRefused(_("Row %(row)d names a column twice: %(names)s.",
                            row=number, names=", ".join(header.duplicates)))
    return header


def find_header(table: Table) -> tuple[Header, list[tuple[int, list[Any]]]]:
    """The header row among the first rows, and the rows below it."""
    for n, (number, values) in enumerate(table.rows[:HEADER_SEARCH_ROWS]):
        header = _match_header(number, values)
        if header is not None:
            return header, table.rows[n + 1:]
    raise FileRefused(_("No row names the expected columns (%(columns)s). Start from the template.",
                        columns=", ".join(c.header for c in REQUIRED)))
