"""Reading a CSV file within the caps of :mod:`.tables`.

A CSV is at most the upload limit; its rows (blank lines included) and fields are counted as a
workbook's are, and its first non-blank line (to guess the delimiter) is found without splitting
the whole text into lines.
"""

from __future__ import annotations

import csv
import io
import re

from .tables import CONTROL_CHARACTERS, Budget, Table, not_a_spreadsheet, rows_read


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


def read_csv(content: bytes, budget: Budget) -> Table:
    text = _decode(content)
    if CONTROL_CHARACTERS.search(text):  # binary data, not text
        raise not_a_spreadsheet()
    first = _first_line(text)
    # Excel writes ";" where the decimal separator is a comma (Indonesian settings).
    delimiter = max((",", ";", "\t"), key=first.count)
    try:
        rows = list(rows_read(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter),
                               budget, count_cells=True))
    except csv.Error as exc:
        raise not_a_spreadsheet() from exc
    return Table(rows)
