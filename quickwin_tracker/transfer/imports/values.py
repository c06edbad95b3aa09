"""Reading the values of the cells: text, dates, plan tags, titles to compare."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from openpyxl.utils.datetime import from_excel

from ...domain.clock import date_window
from ..tables import CONTROL_CHARACTERS, blank

TITLE_MAX = 200  # as the initiative form
BENEFIT_MAX = 2000
DESCRIPTION_MAX = 10000


def text(value: Any) -> str:
    """A cell as the text it shows (whole numbers without ".0", midnight datetimes as dates)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, datetime):
        value = value.date() if value.time() == datetime.min.time() else value
    elif isinstance(value, date):
        value = value.isoformat()
    return CONTROL_CHARACTERS.sub("", str(value)).strip()


def folded(value: str) -> str:
    """``value`` as names and titles are compared: single spaces, any case."""
    return " ".join(value.split()).casefold()


class OutsideWindow(ValueError):
    """A real date outside the accepted years (``clock.date_window``)."""

    def __init__(self, day: date, window: tuple[date, date]):
        super().__init__(f"{day} is outside {window[0].year}-{window[1].year}")
        self.day = day
        self.window = window


def parse_date(value: Any, epoch: datetime | None = None,
               window: tuple[date, date] | None = None) -> date | None:
    """A real Excel date, a date number (XLSX), ``2027-03-31`` or ``31/03/2027``; ``None`` when
    blank. Raises ``ValueError`` otherwise, :class:`OutsideWindow` for a date outside ``window``
    (default: ``clock.date_window()``, the years the whole app accepts)."""
    day = _parse_day(value, epoch)
    if day is None:
        return None
    first, last = window or date_window()
    if not first <= day <= last:
        raise OutsideWindow(day, (first, last))
    return day


def _parse_day(value: Any, epoch: datetime | None) -> date | None:
    if blank(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if epoch is None or not 0 < value < 2958466:
            raise ValueError("not a date number")
        return from_excel(value, epoch).date()
    if not isinstance(value, str):
        raise ValueError("not a date")
    return _parse_day_text(value.strip())


def _parse_day_text(value: str) -> date:
    """``2027-03-31`` (with or without a time) or ``31/03/2027``."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(value).date()
    except ValueError:
        pass
    return datetime.strptime(value, "%d/%m/%Y").date()


def split_tags(text: str) -> list[str]:
    return [t for t in (" ".join(part.split()) for part in re.split(r"[;,\n]", text)) if t]


def tag_key(text: str) -> str:
    return folded(text.replace(":", " "))
