"""Reporting periods: this month, this quarter, this year, or custom dates (local, inclusive);
and any calendar quarter of a year (``quarter``, the quarterly report's)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from ..domain.clock import local_midnight_utc

PRESETS = ("month", "quarter", "year", "custom")
PRESET_LABELS = {
    "month": _l("This month"),
    "quarter": _l("This quarter"),
    "year": _l("This year"),
    "custom": _l("Custom dates"),
}


class PeriodError(ValueError):
    pass


@dataclass(frozen=True)
class Period:
    kind: str
    start: date  # first local day
    end: date  # last local day (inclusive)

    @property
    def start_utc(self) -> datetime:
        return local_midnight_utc(self.start)

    @property
    def end_utc(self) -> datetime:
        """Exclusive upper bound: midnight after the last day, in UTC."""
        return local_midnight_utc(self.end + timedelta(days=1))

    def as_args(self) -> dict[str, str]:
        if self.kind == "custom":
            return {"period": "custom", "start": self.start.isoformat(), "end": self.end.isoformat()}
        return {"period": self.kind}


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def quarter_number(day: date) -> int:
    """1 to 4: the calendar quarter ``day`` falls in."""
    return (day.month - 1) // 3 + 1


def quarter(year: int, number: int) -> Period:
    """Quarter ``number`` (1 to 4) of ``year``, as custom dates (its ``as_args`` name the dates:
    "this quarter" would be another one next season)."""
    if number not in (1, 2, 3, 4):
        raise PeriodError(_l("The quarter must be 1, 2, 3 or 4."))
    start = date(year, 3 * (number - 1) + 1, 1)
    return Period("custom", start, preset("quarter", start).end)


def as_quarter(period: Period) -> tuple[int, int] | None:
    """(year, quarter) when ``period`` is exactly a calendar quarter, else None."""
    number = quarter_number(period.start)
    whole = quarter(period.start.year, number)
    if (period.start, period.end) == (whole.start, whole.end):
        return period.start.year, number
    return None


def preset(kind: str, today: date) -> Period:
    if kind == "month":
        start = today.replace(day=1)
        end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    elif kind == "quarter":
        start = quarter_start(today)
        end = (start + timedelta(days=95)).replace(day=1) - timedelta(days=1)
    elif kind == "year":
        start, end = date(today.year, 1, 1), date(today.year, 12, 31)
    else:
        raise PeriodError(_l("Unknown period."))
    return Period(kind, start, end)


def period_from_args(args: MultiDict[str, str], today: date) -> Period:
    kind = (args.get("period") or "quarter").strip()
    if kind not in PRESETS:
        raise PeriodError(_l("Unknown period; choose month, quarter, year or custom."))
    if kind != "custom":
        return preset(kind, today)
    try:
        start = date.fromisoformat(args.get("start", ""))
        end = date.fromisoformat(args.get("end", ""))
    except ValueError as exc:
        raise PeriodError(_l("Custom dates must be given as YYYY-MM-DD.")) from exc
    if end < start:
        raise PeriodError(_l("The end date is before the start date."))
    if (end - start).days > 3 * 366:
        raise PeriodError(_l("A custom period may span at most three years."))
    return Period("custom", start, end)
