"""The ISO week a digest belongs to (``2026-W48``: the week it is sent in, and the week in its
outbox dedupe key), read from what people type and from ``now``.

A digest reports on the week before its own (``DigestWeek.reported_monday``); see
``digests.services``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import gettext as _

from ..domain.clock import local_today


class WeekError(ValueError):
    """A week written wrongly (the message says how to write it)."""


@dataclass(frozen=True, order=True)
class DigestWeek:
    """An ISO week: the week a digest is sent in."""

    year: int
    week: int

    _PATTERN = re.compile(r"(\d{4})-?W(\d{1,2})", re.IGNORECASE)

    @classmethod
    def of(cls, day: date) -> DigestWeek:
        year, week, _weekday = day.isocalendar()
        return cls(year, week)

    @classmethod
    def parse(cls, text: str) -> DigestWeek:
        match = cls._PATTERN.fullmatch((text or "").strip())
        if not match:
            raise WeekError(_("Write the week as YEAR-Wnumber, e.g. 2026-W48."))
        year, week = int(match[1]), int(match[2])
        try:
            date.fromisocalendar(year, week, 1)
        except ValueError as exc:
            raise WeekError(_("%(year)d has no week %(week)d.", year=year, week=week)) from exc
        if not 2000 <= year <= 9998:
            raise WeekError(_("The week must lie between 2000 and 9998."))
        return cls(year, week)

    @property
    def label(self) -> str:
        return f"{self.year}-W{self.week:02d}"

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.week, 1)

    @property
    def reported_monday(self) -> date:
        """The Monday of the week the digest reports on: the week before."""
        return self.monday - timedelta(days=7)

    def __str__(self) -> str:
        return self.label


def current_week(now: datetime) -> DigestWeek:
    return DigestWeek.of(local_today(now))
