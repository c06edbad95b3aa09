"""The single source of "now", and conversions to the city's time zone.

Everything is stored in UTC; conversion to local time (``QUICKWIN_TIMEZONE``) happens only for
display and for date arithmetic that the city experiences in local days ("due today").
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from flask import current_app


def utcnow() -> datetime:
    return datetime.now(UTC)


def aware_utc(value: datetime | None) -> datetime | None:
    """``value`` as an aware UTC datetime: an aggregate (max, a window) over a ``UTCDateTime``
    column comes back naive on SQLite, where values are stored as naive UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def city_tz() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def to_local(dt: datetime, tz: tzinfo | None = None) -> datetime:
    """``dt`` in the city's zone (``tz``: that zone, when the caller converts many; naive values,
    as SQLite returns them, are UTC)."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(tz or city_tz())


def local_date(moment: datetime, tz: tzinfo | None = None) -> date:
    """The city's date of a stored UTC moment."""
    return to_local(moment, tz).date()


def local_today(now: datetime | None = None) -> date:
    """Today's date in the city, which is what "due today" and "days in stage" mean to users."""
    return to_local(now or utcnow()).date()


def local_midnight_utc(day: date, tz: tzinfo | None = None) -> datetime:
    """The UTC instant at which the city's ``day`` begins: the bound of every "from this local
    day" and (with the next day) "until this local day" query."""
    return datetime.combine(day, time.min, tzinfo=tz or city_tz()).astimezone(UTC)


def days_between(start: datetime, now: datetime | None = None) -> int:
    """Whole local days from ``start`` to ``now`` (0 on the same local day)."""
    return (local_today(now) - to_local(start).date()).days


def date_window() -> tuple[date, date]:
    """The first and last date the app accepts on a form or in an import (``QUICKWIN_DATE_MIN_YEAR``
    to ``QUICKWIN_DATE_MAX_YEAR``): a plausible date, so a typo like 2207 is refused."""
    config = current_app.config
    return date(config["DATE_MIN_YEAR"], 1, 1), date(config["DATE_MAX_YEAR"], 12, 31)


def week_bounds(day: date) -> tuple[date, date]:
    """Monday and the following Monday of the ISO week containing ``day``."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=7)
