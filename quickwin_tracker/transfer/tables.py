"""Reading an uploaded table (an XLSX workbook or a CSV file) within bounds: the caps, the
refusals and the time budget shared by both readers (``tables_xlsx``, ``tables_csv``).

An import must not be a way to stall the server. A workbook of a few kilobytes can unpack to
millions of blank rows, a shared-strings table of a million entries or a sheet of hundreds of
megabytes; a 5 MB CSV can hold five million blank lines. So reading counts what it reads, blank
rows and cells included, and stops at the first cap reached with :class:`FileRefused`, whose
message (translated, saying what to do) goes next to the file field.

The caps, and why these values. The legitimate extreme is :data:`MAX_ROWS` data rows of the
template's 8 columns (plus a few of the user's own), written by Excel (shared strings) or by
openpyxl (inline strings, ≈63 bytes a cell); the 10,000-row import of the tests reads in 2–5 s on
a busy two-core machine.

======================  =============  =====================================================
cap                     value          why
======================  =============  =====================================================
``MAX_ROWS``            20,000         data rows imported from one file (planned and shown)
``MAX_ROWS_READ``       30,000         rows read, blank ones included: the data rows, the
                                       header search and 10,000 blank or formatted rows of
                                       slack; a blank-row bomb stops here
``MAX_CELLS_READ``      300,000        cells read (``<c>`` elements; CSV fields), blank ones
                                       included: 20,000 rows of 15 columns
``MAX_STRINGS``         100,000        entries of the shared-strings table: three distinct
                                       texts (title, benefit, description) a row, with room
``MAX_SHEET_BYTES``     32 MB          one sheet part, unpacked: 20,000 rows of inline text
                                       fit several times over
``MAX_STRINGS_BYTES``   32 MB          the shared-strings part, unpacked (likewise)
``MAX_ELEMENTS``        1,000,000      XML elements in a sheet or the shared-strings part:
                                       three a cell and one a row fit; bounds what openpyxl
                                       keeps in memory (elements it does not know are kept)
``MAX_PART_BYTES``      4 MB           any other part (styles, workbook, relationships,
                                       properties, theme), unpacked
``MAX_PART_ELEMENTS``   25,000         XML elements in any other part: openpyxl parses these
                                       whole and slowly (≈35 µs a cell style), with no chance
                                       to look at the clock; a busy real ``styles.xml`` holds
                                       a few thousand
``MAX_PARTS``           1,000          parts in the archive (a workbook has tens)
``MAX_UNCOMPRESSED``    100 MB         the whole archive, unpacked
``READ_SECONDS``        20 s           the time budget of one read (monotonic clock), a
                                       backstop for what the caps let through: the
                                       10,000-row read takes 2–5 s on a busy two-core
                                       machine; a third of the worker timeout of
                                       ``docs/deploy/quickwin-web.service`` (60 s)
======================  =============  =====================================================

How a workbook is read, and its caps enforced, is told in ``tables_xlsx``; a CSV, in ``tables_csv``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import format_decimal
from flask_babel import gettext as _

from ..domain.errors import Invalid

FIELD = "file"

MAX_ROWS = 20_000
HEADER_SEARCH_ROWS = 10  # the header may sit below a title row or two
MAX_COLUMNS = 50  # columns kept per row; the rest are ignored (but counted as cells)
MAX_ROWS_READ = 30_000
MAX_CELLS_READ = 300_000
MAX_STRINGS = 100_000
MAX_SHEET_BYTES = 32 * 1024 * 1024
MAX_STRINGS_BYTES = 32 * 1024 * 1024
MAX_ELEMENTS = 1_000_000
MAX_PART_BYTES = 4 * 1024 * 1024
MAX_PART_ELEMENTS = 25_000
MAX_PARTS = 1_000
MAX_UNCOMPRESSED = 100 * 1024 * 1024
READ_SECONDS = 20.0


# Common files that are surely not a table (text checks would catch most, not all, of them).
BINARY_SIGNATURES = (b"%PDF-", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\x1f\x8b", b"Rar!",
                     b"7z\xbc\xaf")
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# --------------------------------------------------------------------------- refusals


class FileRefused(Invalid):
    """The file is not one we can read (its message goes next to the file field)."""

    def __init__(self, message: Any):
        super().__init__(message, FIELD)


def size_label(size: int) -> str:
    if size < 1024 * 1024:
        return f"{format_decimal(max(1, round(size / 1024)))} KB"
    return f"{format_decimal(round(size / (1024 * 1024), 1))} MB"


def not_a_spreadsheet() -> FileRefused:
    return FileRefused(_("This file is not a spreadsheet we can read. Upload an Excel workbook "
                         "(.xlsx) or a CSV file, for example one made from the template."))


def too_many_rows() -> FileRefused:
    return FileRefused(_("The file has more than %(max)s rows; split it into smaller files.",
                         max=format_decimal(MAX_ROWS)))


def too_many_rows_read() -> FileRefused:
    return FileRefused(_("The file has more than %(max)s rows, counting empty ones. Delete the "
                         "empty rows below the table, or split the file, and upload it again.",
                         max=format_decimal(MAX_ROWS_READ)))


def too_many_cells() -> FileRefused:
    return FileRefused(_("The file has more than %(max)s cells, counting empty ones. Delete the "
                         "columns and rows the import does not use, or split the file, and upload "
                         "it again.", max=format_decimal(MAX_CELLS_READ)))


def too_much_text() -> FileRefused:
    return FileRefused(_("The workbook holds more text than an import reads (at most %(max)s "
                         "different texts, %(size)s unpacked). Copy the table alone into a new "
                         "workbook, or split it, and upload it again.",
                         max=format_decimal(MAX_STRINGS), size=size_label(MAX_STRINGS_BYTES)))


def sheet_too_large() -> FileRefused:
    return FileRefused(_("A sheet of the workbook is larger than %(size)s once unpacked; split it "
                         "into smaller files.", size=size_label(MAX_SHEET_BYTES)))


def too_complex(part: str) -> FileRefused:
    return FileRefused(_("The workbook is too complex to read (its part %(part)s is too large). "
                         "Copy the table alone into a new workbook and upload that.", part=part))


def refuse_binary(content: bytes) -> None:
    """Refuse, by their first bytes, files that are surely not a table."""
    if content.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileRefused(_("This is an old Excel file (.xls). Save it as an Excel workbook "
                            "(.xlsx) or as CSV, then upload it again."))
    if content.startswith(BINARY_SIGNATURES):
        raise not_a_spreadsheet()


_clock = time.monotonic  # (tests put a clock of their own here)


class Budget:
    """The time one read may take, on the monotonic clock."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.deadline = _clock() + seconds

    def check(self) -> None:
        if _clock() > self.deadline:
            raise FileRefused(_("Reading the file took longer than %(seconds)s seconds; split it "
                                "into smaller files and upload them one by one.",
                                seconds=format_decimal(self.seconds)))


# --------------------------------------------------------------------------- reading the table


@dataclass
class Table:
    rows: list[tuple[int, list[Any]]]  # (row number as the spreadsheet shows it, values)
    epoch: datetime | None = None  # the workbook's date system, for bare date numbers


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def rows_read(rows: Iterable[Iterable[Any]], budget: Budget,
              count_cells: bool) -> Iterator[tuple[int, list[Any]]]:
    """The non-blank rows, with their numbers; every row read is counted, blank ones included,
    and (``count_cells``: the CSV's fields; a workbook's cells were counted in its part) every
    cell."""
    kept = cells = 0
    for number, row in enumerate(rows, start=1):
        budget.check()
        if number > MAX_ROWS_READ:
            raise too_many_rows_read()
        values = list(row)
        if count_cells:
            cells += len(values)
            if cells > MAX_CELLS_READ:
                raise too_many_cells()
        values = values[:MAX_COLUMNS]
        if all(blank(v) for v in values):
            continue
        kept += 1
        if kept > MAX_ROWS + HEADER_SEARCH_ROWS:
            raise too_many_rows()
        yield number, values


def read_table(content: bytes) -> Table:
    """The rows of the first sheet (or of the CSV) that are not blank; raises
    :class:`FileRefused` when the file cannot be read, or not within the caps."""
    from .tables_csv import read_csv  # (the readers build on this module)
    from .tables_xlsx import read_xlsx

    budget = Budget(READ_SECONDS)
    if content.startswith(b"PK\x03\x04"):
        return read_xlsx(content, budget)
    refuse_binary(content)
    return read_csv(content, budget)
