"""Reading the first sheet of an XLSX workbook within the caps of :mod:`.tables`.

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

This leans on two openpyxl internals, pinned by ``openpyxl<4`` and covered by the import tests:
``ExcelReader`` (its ``archive``, ``package`` and ``read_strings``) and the fact that read-only
worksheets stream their part through ``archive.open`` while other parts go through
``archive.read``.
"""

from __future__ import annotations

import codecs
import io
import logging
import re
import warnings
import zipfile
from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree

from flask_babel import gettext as _
from openpyxl.reader.excel import ExcelReader
from openpyxl.xml.constants import SHARED_STRINGS, SHEET_MAIN_NS

from .tables import (
    MAX_CELLS_READ,
    MAX_COLUMNS,
    MAX_ELEMENTS,
    MAX_PART_BYTES,
    MAX_PART_ELEMENTS,
    MAX_PARTS,
    MAX_ROWS_READ,
    MAX_SHEET_BYTES,
    MAX_STRINGS,
    MAX_STRINGS_BYTES,
    MAX_UNCOMPRESSED,
    Budget,
    FileRefused,
    Table,
    not_a_spreadsheet,
    rows_read,
    sheet_too_large,
    too_complex,
    too_many_cells,
    too_many_rows_read,
    too_much_text,
)

log = logging.getLogger(__name__)

COUNT_CHUNK = 256 * 1024  # bytes unpacked at a time when counting a part before parsing it


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
        return sheet_too_large()
    if limits.kind == "strings":
        return too_much_text()
    return too_complex(part)


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
            raise too_many_rows_read()
        if limits.cells is not None and self.cells > limits.cells:
            raise too_many_cells()
        if limits.strings is not None and self.strings > limits.strings:
            raise too_much_text()
        if self.elements > limits.elements:
            raise too_much_text() if limits.kind == "strings" else too_complex(self.part)


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

    def __init__(self, raw: Any, tally: _Tally | None, budget: Budget):
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

    def __init__(self, content: bytes, budget: Budget):
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

    def __init__(self, content: bytes, budget: Budget):
        super().__init__(io.BytesIO(content), read_only=True, data_only=True, keep_links=False)
        self.archive.close()
        self.archive: _GuardedZip = _GuardedZip(content, budget)
        self.valid_files = self.archive.namelist()

    def read_strings(self) -> None:
        part = self.package.find(SHARED_STRINGS)
        if part is not None:
            self.shared_strings = self.archive.shared_strings(part.PartName[1:])


# --------------------------------------------------------------------------- reading the sheet


def read_xlsx(content: bytes, budget: Budget) -> Table:
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
                rows = list(rows_read(
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
