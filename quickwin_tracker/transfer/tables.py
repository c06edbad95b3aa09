"""Reading an uploaded table (an XLSX workbook or a CSV file) within bounds.

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

How a workbook is read. openpyxl (read-only mode) parses it, but through an archive that checks
every part openpyxl opens (:class:`_GuardedZip`):

* Before anything is unpacked: the number of parts and the total size, then each part's size
  when it is opened, from the sizes the ZIP declares. ``zipfile`` never unpacks more than a
  member's declared size (a lying size ends in a CRC error: "not a spreadsheet"), so these hold.
* A part's bytes are counted as they are unpacked (:class:`_Tally`): elements, ``<row``, ``<c``
  and ``<si`` tags (with any namespace prefix), at C speed (``bytes.count`` and one regular
  expression). A DTD is refused: the Open Packaging Conventions forbid them in a package, and
  entity expansion would create rows that no byte count sees. UTF-16 parts are transcoded
  first, so they are counted too.
* The first sheet is counted in full *before* openpyxl parses its rows: counting costs
  microseconds a kilobyte, openpyxl ≈5 µs a cell, so a sheet over a cap is refused in
  milliseconds. While the workbook loads, openpyxl's reads are counted as they happen instead:
  openpyxl probes each sheet for its ``<dimension>`` (the first kilobytes only), and a big
  second sheet that is never read is no reason to refuse the file. (A sheet without a dimension
  is parsed whole by that probe; the caps then stop it as it goes, at the probe's own speed,
  which builds elements but no cells.)
* The shared-strings table is read by :meth:`_GuardedZip.shared_strings` after it is counted:
  openpyxl's own reader takes ≈23 µs a string, this one ≈6 µs, for the same texts.
* The rows openpyxl yields are counted as well, and iteration stops after ``MAX_ROWS_READ``:
  openpyxl fills gaps (a lone ``<row r="1048576">``) with empty rows that no byte count sees.
* The time budget is checked on every read from the archive (openpyxl reads 16 KB at a time)
  and on every row.

A sheet's ``<dimension ref>`` is not used: it is a claim by whichever program wrote the file, too
small in some (openpyxl, trusting it, would stop early and drop rows without a word; rows are
read up to the cap whatever it says), and a claim of a million rows costs nothing to make.
Counting what is actually there is what bounds the work.

A CSV is at most the upload limit; its rows (blank lines included) and fields are counted the
same way, and its first non-blank line (to guess the delimiter) is found without splitting the
whole text into lines.

This leans on two openpyxl internals, pinned by ``openpyxl<4`` and covered by the import tests:
``ExcelReader`` (its ``archive``, ``package`` and ``read_strings``) and the fact that read-only
worksheets stream their part through ``archive.open`` while other parts go through
``archive.read``.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import re
import time
import warnings
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from xml.etree import ElementTree

from flask_babel import format_decimal
from flask_babel import gettext as _
from openpyxl.reader.excel import ExcelReader
from openpyxl.xml.constants import SHARED_STRINGS, SHEET_MAIN_NS

from ..domain.errors import Invalid

log = logging.getLogger(__name__)

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

COUNT_CHUNK = 256 * 1024  # bytes unpacked at a time when counting a part before parsing it

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


def _too_many_rows_read() -> FileRefused:
    return FileRefused(_("The file has more than %(max)s rows, counting empty ones. Delete the "
                         "empty rows below the table, or split the file, and upload it again.",
                         max=format_decimal(MAX_ROWS_READ)))


def _too_many_cells() -> FileRefused:
    return FileRefused(_("The file has more than %(max)s cells, counting empty ones. Delete the "
                         "columns and rows the import does not use, or split the file, and upload "
                         "it again.", max=format_decimal(MAX_CELLS_READ)))


def _too_much_text() -> FileRefused:
    return FileRefused(_("The workbook holds more text than an import reads (at most %(max)s "
                         "different texts, %(size)s unpacked). Copy the table alone into a new "
                         "workbook, or split it, and upload it again.",
                         max=format_decimal(MAX_STRINGS), size=size_label(MAX_STRINGS_BYTES)))


def _sheet_too_large() -> FileRefused:
    return FileRefused(_("A sheet of the workbook is larger than %(size)s once unpacked; split it "
                         "into smaller files.", size=size_label(MAX_SHEET_BYTES)))


def _too_complex(part: str) -> FileRefused:
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


class _Budget:
    """The time one read may take, on the monotonic clock."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.deadline = _clock() + seconds

    def check(self) -> None:
        if _clock() > self.deadline:
            raise FileRefused(_("Reading the file took longer than %(seconds)s seconds; split it "
                                "into smaller files and upload them one by one.",
                                seconds=format_decimal(self.seconds)))


# --------------------------------------------------------------------------- counting a part


@dataclass(frozen=True)
class _Limits:
    kind: str  # "sheet", "strings" or "part" (anything else openpyxl reads)
    bytes: int
    elements: int
    rows: int | None = None
    cells: int | None = None
    strings: int | None = None


def _limits(kind: str) -> _Limits:
    if kind == "sheet":
        return _Limits(kind, MAX_SHEET_BYTES, MAX_ELEMENTS, rows=MAX_ROWS_READ,
                       cells=MAX_CELLS_READ)
    if kind == "strings":
        return _Limits(kind, MAX_STRINGS_BYTES, MAX_ELEMENTS, strings=MAX_STRINGS)
    return _Limits("part", MAX_PART_BYTES, MAX_PART_ELEMENTS)


def _over_size(limits: _Limits, part: str) -> FileRefused:
    if limits.kind == "sheet":
        return _sheet_too_large()
    if limits.kind == "strings":
        return _too_much_text()
    return _too_complex(part)


# An element that is a row, a cell or a shared string, whatever its namespace prefix (a prefix
# longer than 250 bytes escapes the row and cell counts, but then at most one such tag fits in
# each 250 bytes of the part: the size and element caps bound them).
_TAGS = re.compile(rb"<(?:[^\s<>/:!?]{1,250}:)?(row|c|si)[\s/>]")
_TAG_SPAN = 260  # longest tag start the pattern matches, with room


class _Tally:
    """What one part holds, counted as its bytes arrive, against the limits of its kind."""

    def __init__(self, part: str, limits: _Limits):
        self.part = part
        self.limits = limits
        self.bytes = self.elements = self.rows = self.cells = self.strings = 0
        self._carry = b""  # a tag start cut by the end of the previous chunk
        self._decoder: Any = None
        self._started = False

    def add(self, data: bytes, final: bool = False) -> None:
        self.bytes += len(data)
        if self.bytes > self.limits.bytes:  # (zipfile stops at the declared size anyway)
            raise _over_size(self.limits, self.part)
        if not self._started and data:
            self._started = True
            codec = _utf16(data)
            if codec:
                self._decoder = codecs.getincrementaldecoder(codec)(errors="replace")
        if self._decoder is not None:
            data = self._decoder.decode(data, final).encode("utf-8")
        buffer = self._carry + data
        cut = len(buffer)
        if not final:
            last = buffer.rfind(b"<", max(0, len(buffer) - _TAG_SPAN))
            if last != -1:
                cut = last  # a tag's start has no "<" after its first byte: none is cut in two
        self._carry = buffer[cut:]
        if buffer.find(b"<!DOCTYPE", 0, cut) != -1:
            log.info("refused a workbook part with a DTD: %s", self.part)
            raise not_a_spreadsheet()
        self.elements += buffer.count(b"<", 0, cut) - buffer.count(b"</", 0, cut)
        found = _TAGS.findall(buffer, 0, cut)
        if found:
            self.rows += found.count(b"row")
            self.cells += found.count(b"c")
            self.strings += found.count(b"si")
        self._check()

    def _check(self) -> None:
        limits = self.limits
        if limits.rows is not None and self.rows > limits.rows:
            raise _too_many_rows_read()
        if limits.cells is not None and self.cells > limits.cells:
            raise _too_many_cells()
        if limits.strings is not None and self.strings > limits.strings:
            raise _too_much_text()
        if self.elements > limits.elements:
            raise _too_much_text() if limits.kind == "strings" else _too_complex(self.part)


def _utf16(start: bytes) -> str | None:
    """The codec of a part written in UTF-16 (with a byte-order mark, or starting with "<")."""
    if start.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    if start.startswith(b"<\x00"):
        return "utf-16-le"
    if start.startswith(b"\x00<"):
        return "utf-16-be"
    return None


class _CountedStream:
    """A part as openpyxl reads it: the clock checked on every read, the bytes counted."""

    def __init__(self, raw: Any, tally: _Tally | None, budget: _Budget):
        self.raw = raw
        self.tally = tally
        self.budget = budget

    def read(self, size: int = -1) -> bytes:
        self.budget.check()
        data = self.raw.read(size)
        if self.tally is not None:
            self.tally.add(data, final=not data or size is None or size < 0)
        return data

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self.raw.close()

    def __enter__(self) -> _CountedStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_SI = f"{{{SHEET_MAIN_NS}}}si"
_T = f"{{{SHEET_MAIN_NS}}}t"
_R = f"{{{SHEET_MAIN_NS}}}r"


class _GuardedZip(zipfile.ZipFile):
    """The archive openpyxl reads through: every part's size checked before it is unpacked and
    its content counted (see the module's docstring)."""

    def __init__(self, content: bytes, budget: _Budget):
        super().__init__(io.BytesIO(content))
        self.budget = budget
        self.counted_first = False  # set once the workbook is loaded: its rows are read next
        self._counted: set[str] = set()

    def _member(self, name: str | zipfile.ZipInfo, kind: str) -> tuple[zipfile.ZipInfo, _Limits]:
        info = name if isinstance(name, zipfile.ZipInfo) else self.getinfo(name)
        limits = _limits(kind)
        if info.file_size > limits.bytes:
            raise _over_size(limits, info.filename)
        self.budget.check()
        return info, limits

    def read(self, name: Any, pwd: bytes | None = None) -> bytes:
        """A part openpyxl parses whole (workbook, relationships, styles…): counted first."""
        info, limits = self._member(name, "part")
        with super().open(info) as stream:
            data = stream.read()
        _Tally(info.filename, limits).add(data, final=True)
        return data

    def open(self, name: Any, mode: str = "r", pwd: bytes | None = None, *,
             force_zip64: bool = False) -> Any:
        """A sheet openpyxl streams: counted as it goes while the workbook loads (the dimension
        probe), counted in full first when its rows are read."""
        if mode != "r":
            return super().open(name, mode, pwd, force_zip64=force_zip64)
        info, limits = self._member(name, "sheet")
        tally: _Tally | None = _Tally(info.filename, limits)
        if self.counted_first:
            if info.filename not in self._counted:
                self.count(info, "sheet")
                self._counted.add(info.filename)
            tally = None
        return _CountedStream(super().open(info), tally, self.budget)

    def count(self, name: str | zipfile.ZipInfo, kind: str) -> None:
        """Unpack a part and count what it holds, without parsing it."""
        info, limits = self._member(name, kind)
        tally = _Tally(info.filename, limits)
        with super().open(info) as stream:
            while chunk := stream.read(COUNT_CHUNK):
                self.budget.check()
                tally.add(chunk)
        tally.add(b"", final=True)

    def shared_strings(self, name: str) -> list[str]:
        """The shared-strings table, once counted: the text of each entry without its formatting
        and phonetic runs, as openpyxl's ``read_string_table`` gives it."""
        info = self._member(name, "strings")[0]
        self.count(info, "strings")
        strings: list[str] = []
        with _CountedStream(super().open(info), None, self.budget) as source:
            for _event, node in ElementTree.iterparse(source):
                if node.tag != _SI:
                    continue
                plain = node.find(_T)
                parts = [plain.text or ""] if plain is not None else []
                parts.extend(run.findtext(_T) or "" for run in node.iterfind(_R))
                strings.append("".join(parts).replace("x005F_", ""))
                node.clear()
        return strings


class _WorkbookReader(ExcelReader):
    """openpyxl's reader (read-only, cached values, no external links) on a :class:`_GuardedZip`,
    with our shared-strings reader."""

    def __init__(self, content: bytes, budget: _Budget):
        super().__init__(io.BytesIO(content), read_only=True, data_only=True, keep_links=False)
        self.archive.close()
        self.archive: _GuardedZip = _GuardedZip(content, budget)
        self.valid_files = self.archive.namelist()

    def read_strings(self) -> None:
        part = self.package.find(SHARED_STRINGS)
        if part is not None:
            self.shared_strings = self.archive.shared_strings(part.PartName[1:])


# --------------------------------------------------------------------------- reading the table


@dataclass
class Table:
    rows: list[tuple[int, list[Any]]]  # (row number as the spreadsheet shows it, values)
    epoch: datetime | None = None  # the workbook's date system, for bare date numbers


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _rows_read(rows: Iterable[Iterable[Any]], budget: _Budget,
               count_cells: bool) -> Iterator[tuple[int, list[Any]]]:
    """The non-blank rows, with their numbers; every row read is counted, blank ones included,
    and (``count_cells``: the CSV's fields; a workbook's cells were counted in its part) every
    cell."""
    kept = cells = 0
    for number, row in enumerate(rows, start=1):
        budget.check()
        if number > MAX_ROWS_READ:
            raise _too_many_rows_read()
        values = list(row)
        if count_cells:
            cells += len(values)
            if cells > MAX_CELLS_READ:
                raise _too_many_cells()
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
    budget = _Budget(READ_SECONDS)
    if content.startswith(b"PK\x03\x04"):
        return _read_xlsx(content, budget)
    refuse_binary(content)
    return _read_csv(content, budget)


def _read_xlsx(content: bytes, budget: _Budget) -> Table:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise not_a_spreadsheet() from exc
    if len(members) > MAX_PARTS or sum(m.file_size for m in members) > MAX_UNCOMPRESSED:
        raise FileRefused(_("The workbook is too large once unpacked."))
    # openpyxl parses a file from anywhere: a malformed one can fail in many ways (zip, XML,
    # styles, missing parts), so every failure while reading means "not a workbook we can read".
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. "extension is not supported"
            reader = _WorkbookReader(content, budget)
            try:
                reader.read()
                workbook = reader.wb
                if not workbook.worksheets:
                    raise not_a_spreadsheet()
                reader.archive.counted_first = True
                rows = list(_rows_read(
                    workbook.worksheets[0].iter_rows(min_row=1, max_row=MAX_ROWS_READ + 1,
                                                     max_col=MAX_COLUMNS, values_only=True),
                    budget, count_cells=False))
                epoch = workbook.epoch
            finally:
                reader.archive.close()
    except FileRefused:
        raise
    except Exception as exc:  # noqa: BLE001  (see above)
        log.info("refused an unreadable workbook: %r", exc)
        raise not_a_spreadsheet() from exc
    return Table(rows, epoch)


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp1252")  # "CSV (comma delimited)" from Excel on Windows
    except UnicodeDecodeError as exc:
        raise not_a_spreadsheet() from exc


def _first_line(text: str) -> str:
    """The first line that is not blank, found without splitting the text into lines (a file of
    millions of blank lines would make millions of strings)."""
    found = re.search(r"\S", text)
    if found is None:
        return ""
    at = found.start()
    start = max(text.rfind("\n", 0, at), text.rfind("\r", 0, at)) + 1
    ends = [end for end in (text.find("\n", at), text.find("\r", at)) if end != -1]
    return text[start:min(ends) if ends else len(text)]


def _read_csv(content: bytes, budget: _Budget) -> Table:
    text = _decode(content)
    if CONTROL_CHARACTERS.search(text):  # binary data, not text
        raise not_a_spreadsheet()
    first = _first_line(text)
    # Excel writes ";" where the decimal separator is a comma (Indonesian settings).
    delimiter = max((",", ";", "\t"), key=first.count)
    try:
        rows = list(_rows_read(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter),
                               budget, count_cells=True))
    except csv.Error as exc:
        raise not_a_spreadsheet() from exc
    return Table(rows)
