"""The stocktake pack (``pack``) as an XLSX workbook: one sheet per table, each with a title
block (the city, the title, the scope, the period, when it was generated), its header row frozen
with the title block, column widths from the pack, and typed cells (numbers are numbers,
shares are percentages, dates are dates). Text is always written as text, never as a formula."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from ..domain.clock import to_local
from ..transfer.exports import DATE_FORMAT, DATETIME_FORMAT
from .pack import Pack, Table, Typed

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TITLE_ROWS = 4  # city and title, scope, period, generated; the header row follows a blank row
HEADER_ROW = TITLE_ROWS + 2
# "percent2": a share shown with two decimals (SAKIP achievement, banded as printed); "measure":
# an indicator's value as measured (as many decimals as it has).
FORMATS = {"int": "#,##0", "number": "#,##0.0", "percent": "0.0%", "percent2": "0.00%",
           "measure": "General", "date": DATE_FORMAT, "datetime": DATETIME_FORMAT}
_UNSAFE_SHEET = str.maketrans({c: "-" for c in "[]:*?/\\"})


def _value(value: Any, kind: str) -> Any:
    if value is None or value == "":
        return None
    if kind == "datetime" and isinstance(value, datetime):
        return to_local(value).replace(tzinfo=None)  # Excel has no time zones
    if kind == "text":
        return str(value)
    return value


def _write_table(wb: Workbook, pack: Pack, table: Table) -> None:
    ws = wb.create_sheet(table.sheet.translate(_UNSAFE_SHEET)[:31])
    ws.append([f"{pack.city} · {pack.title}: {table.title}"])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([pack.scope])
    ws.append([pack.period])
    ws.append([pack.generated])
    ws.append([table.note] if table.note else [])
    for n, column in enumerate(table.columns, start=1):
        cell = ws.cell(HEADER_ROW, n, column.header)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(vertical="top", wrap_text=True)
        ws.column_dimensions[get_column_letter(n)].width = column.width
    for r, row in enumerate(table.rows, start=HEADER_ROW + 1):
        strong = (r - HEADER_ROW - 1) in table.strong_rows
        for n, (column, value) in enumerate(zip(table.columns, row, strict=True), start=1):
            kind = column.kind
            if isinstance(value, Typed):
                value, kind = value.value, value.kind
            cell = ws.cell(r, n)
            cell.value = _value(value, kind)
            if kind == "text" and isinstance(cell.value, str):
                cell.data_type = "s"  # a leading "=" stays text
            elif kind in FORMATS:
                cell.number_format = FORMATS[kind]
            if column.wrap:
                cell.alignment = Alignment(vertical="top", wrap_text=True)
            if strong:
                cell.font = Font(bold=True)
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    if table.rows:
        ws.auto_filter.ref = (f"A{HEADER_ROW}:{get_column_letter(len(table.columns))}"
                              f"{HEADER_ROW + len(table.rows)}")


def workbook_bytes(pack: Pack) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for table in pack.tables:
        _write_table(wb, pack, table)
    wb.properties.title = f"{pack.city} · {pack.title}"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
