"""The stocktake pack (``pack``) as a PDF: A4, a title block (the city, the title, the scope, the
period, when it was generated), every table of the workbook in the same order, page numbers
and the period on every page; the per-OPD table on landscape pages, whole (its header repeats
on each page); the at-risk list cut to its most urgent rows (``Table.pdf_rows``), with a line
saying how many the workbook holds.

Written with fpdf2: pure Python (no system libraries, unlike WeasyPrint's Pango or a headless
browser), maintained, with tables that wrap cells and repeat their header across pages, and
Unicode text through an embedded TrueType font (subset, so files stay small).

The font: DejaVu Sans (``PDF_FONT``, ``PDF_FONT_BOLD``; Debian's ``fonts-dejavu-core`` puts it
under /usr/share/fonts/truetype/dejavu/). Without it the report falls back to the PDF's
built-in Helvetica, which covers Latin-1 only: typographic dashes, dots and quotes are written
as their ASCII look-alikes and anything else as "?" (Indonesian and English need nothing more).
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import format_date, format_datetime
from flask_babel import gettext as _
from fpdf import FPDF
from fpdf.fonts import FontFace

from ..domain.texts import number, percent
from .pack import Column, Pack, Table, Typed

log = logging.getLogger(__name__)

PDF_MIMETYPE = "application/pdf"
DEFAULT_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
DEFAULT_BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
TABLE_FONT_SIZE = 8
_ASCII = str.maketrans({"–": "-", "—": "-", "·": "-", "“": '"', "”": '"', "‘": "'", "’": "'",
                        "…": "...", "×": "x", "\u202f": " ", "\u00a0": " "})


def _text(value: Any, kind: str) -> str:
    """A cell as people read it, in the reader's language ("3.000", "40%")."""
    if value is None or value == "":
        return "" if kind == "text" else "—"
    if kind == "int":
        return number(value)
    if kind == "number":
        return number(value, 1)
    if kind == "percent":
        return percent(value * 100)
    if kind == "percent2":
        return f"{number(value * 100, 2)}%"
    if kind == "measure":
        return number(value)
    if kind == "datetime" and isinstance(value, datetime):
        return format_datetime(value, "short")
    if kind == "date" and isinstance(value, date):
        return format_date(value, "medium")
    return str(value)


class _Report(FPDF):
    def __init__(self, pack: Pack):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.pack = pack
        self.orientation_now = "P"
        self.family = self._fonts()
        self.set_auto_page_break(auto=True, margin=16)
        self.set_margins(14, 16, 14)
        self.set_title(f"{pack.city} · {pack.title}")
        self.set_creator("Quick-Win Tracker")

    def _fonts(self) -> str:
        regular = Path(current_app.config.get("PDF_FONT") or DEFAULT_FONT)
        bold = Path(current_app.config.get("PDF_FONT_BOLD") or DEFAULT_BOLD)
        if regular.is_file():
            self.add_font("pack", "", str(regular))
            self.add_font("pack", "B", str(bold if bold.is_file() else regular))
            self.unicode = True
            return "pack"
        log.warning("PDF font %s not found: the stocktake pack falls back to Helvetica", regular)
        self.unicode = False
        return "helvetica"

    def t(self, text: str) -> str:
        """``text`` as the font can write it (see the module's docstring)."""
        if self.unicode:
            return text
        return text.translate(_ASCII).encode("latin-1", "replace").decode("latin-1")

    def header(self) -> None:
        if self.page_no() == 1:
            return  # the title block says it all
        self.set_font(self.family, "", 7)
        self.set_text_color(90)
        self.cell(0, 4, self.t(f"{self.pack.city} · {self.pack.title} · {self.pack.scope} · "
                               f"{self.pack.period}"), new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(0)
        self.ln(2)

    def footer(self) -> None:
        self.set_y(-11)
        self.set_font(self.family, "", 7)
        self.set_text_color(90)
        self.cell(0, 4, self.t(self.pack.generated), align="L")
        self.set_x(self.l_margin)
        self.cell(0, 4, self.t(_("Page %(page)s of %(pages)s", page=self.page_no(),
                                 pages="{nb}")), align="R")
        self.set_text_color(0)

    def title_block(self) -> None:
        self.set_font(self.family, "B", 16)
        self.multi_cell(0, 8, self.t(self.pack.city), new_x="LMARGIN", new_y="NEXT")
        self.set_font(self.family, "B", 13)
        self.multi_cell(0, 7, self.t(self.pack.title), new_x="LMARGIN", new_y="NEXT")
        self.set_font(self.family, "", 10)
        for line in (self.pack.scope, self.pack.period, self.pack.generated):
            self.multi_cell(0, 5, self.t(line), new_x="LMARGIN", new_y="NEXT")
        self.ln(3)
        self.set_draw_color(120)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(4)

    def section(self, table: Table) -> None:
        orientation = "L" if table.landscape else "P"
        if self.orientation_now != orientation or self.get_y() > self.h - 60:
            # (a new orientation, or a heading that would stand alone at the foot of a page)
            self.add_page(orientation=orientation)
            self.orientation_now = orientation
        self.set_font(self.family, "B", 11)
        self.multi_cell(0, 6, self.t(table.title), new_x="LMARGIN", new_y="NEXT")
        if table.note:
            self.set_font(self.family, "", 8)
            self.multi_cell(0, 4, self.t(table.note), new_x="LMARGIN", new_y="NEXT")
        self.ln(1)
        rows = table.rows if table.pdf_rows is None else table.rows[:table.pdf_rows]
        self._table(table.columns, rows)
        if len(rows) < len(table.rows):
            self.set_font(self.family, "", 8)
            self.multi_cell(0, 5, self.t(_(
                "The first %(shown)s of %(total)s, the most urgent; the workbook (XLSX) lists "
                "every one.", shown=number(len(rows)), total=number(len(table.rows)))),
                new_x="LMARGIN", new_y="NEXT")
        self.ln(5)

    def _widths(self, columns: list[Column], cells: list[list[str]]) -> tuple[float, ...]:
        """Column widths (mm) that fit the page: each at least its longest word (no word is
        cut), the rest of the page shared in proportion to the columns' nominal widths."""
        self.set_font(self.family, "B", TABLE_FONT_SIZE)
        least = [max((self.get_string_width(w) for w in c.header.split()), default=0) + 3
                 for c in columns]
        self.set_font(self.family, "", TABLE_FONT_SIZE)
        for row in cells:
            for n, text in enumerate(row):
                words = text.split()
                if words:
                    least[n] = max(least[n], max(map(self.get_string_width, words)) + 3)
        spare = self.epw - sum(least)
        if spare <= 0:
            return tuple(w * self.epw / sum(least) for w in least)
        nominal = sum(c.width for c in columns)
        return tuple(w + spare * c.width / nominal for w, c in zip(least, columns, strict=True))

    def _table(self, columns: list[Column], rows: list[list[Any]]) -> None:
        cells = []
        for values in rows:
            texts = []
            for column, value in zip(columns, values, strict=True):
                kind = column.kind
                if isinstance(value, Typed):
                    value, kind = value.value, value.kind
                texts.append(self.t(_text(value, kind)))
            cells.append(texts)
        widths = self._widths(columns, cells)
        self.set_font(self.family, "", TABLE_FONT_SIZE)
        align = tuple("LEFT" if c.kind == "text" else "RIGHT" for c in columns)
        with self.table(
            width=min(sum(widths), self.epw), col_widths=widths, text_align=align,
            line_height=TABLE_FONT_SIZE * 0.5, padding=1,
            headings_style=FontFace(emphasis="BOLD", fill_color=(225, 228, 235)),
            borders_layout="HORIZONTAL_LINES", first_row_as_headings=True,
        ) as pdf_table:
            heading = pdf_table.row()
            for column in columns:
                heading.cell(self.t(column.header), align="LEFT" if column.kind == "text"
                             else "CENTER")
            for texts in cells:
                row = pdf_table.row()
                for text in texts:
                    row.cell(text)


def pdf_bytes(pack: Pack) -> bytes:
    pdf = _Report(pack)
    pdf.add_page()
    pdf.title_block()
    for table in pack.tables:
        pdf.section(table)
    return bytes(pdf.output())
