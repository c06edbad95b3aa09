"""Reading the city's activity trail: filters from the URL, one page in a constant number of
queries (the page's rows with actor, initiative and unit joined, plus the pagination count)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import contains_eager, joinedload
from werkzeug.datastructures import MultiDict

from ..domain.clock import local_midnight_utc
from ..extensions import db
from ..models import Activity, Dimension, Initiative, Unit, User

PER_PAGE = 50
# Local dates outside this range cannot be turned into UTC bounds (and are typing mistakes).
MIN_DATE, MAX_DATE = date(1970, 1, 1), date(9998, 12, 31)


class FilterError(ValueError):
    pass


def _parse_date(raw: str | None, name: str) -> date | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        value = date.fromisoformat(raw)
    except ValueError as exc:
        raise FilterError(
            _l("The “%(name)s” date must be written as YYYY-MM-DD.", name=name)
        ) from exc
    if not MIN_DATE <= value <= MAX_DATE:
        raise FilterError(_l("The “%(name)s” date is out of range.", name=name))
    return value


@dataclass(frozen=True)
class FeedFilters:
    unit: str = ""  # the initiative's unit, by code
    user: int | None = None  # the actor, by id
    dimension: str = ""  # the initiative's dimension, by code
    date_from: date | None = None  # local dates in the city's time zone, both inclusive
    date_to: date | None = None

    @classmethod
    def from_args(cls, args: MultiDict[str, str]) -> FeedFilters:
        user_raw = (args.get("user") or "").strip()
        try:
            user = int(user_raw) if user_raw else None
        except ValueError as exc:
            raise FilterError(_l("The person filter must be a user number.")) from exc
        if user is not None and not -(2**31) <= user < 2**31:  # beyond any id column
            raise FilterError(_l("The person filter must be a user number."))
        date_from = _parse_date(args.get("from"), "from")
        date_to = _parse_date(args.get("to"), "to")
        if date_from and date_to and date_from > date_to:
            raise FilterError(_l("The “from” date is after the “to” date."))
        return cls(
            unit=(args.get("unit") or "").strip().upper()[:32],
            user=user,
            dimension=(args.get("dimension") or "").strip().lower()[:32],
            date_from=date_from,
            date_to=date_to,
        )

    def as_args(self) -> dict[str, Any]:
        """The non-empty filters, for URLs that keep them (pagination)."""
        args: dict[str, Any] = {}
        if self.unit:
            args["unit"] = self.unit
        if self.user is not None:
            args["user"] = self.user
        if self.dimension:
            args["dimension"] = self.dimension
        if self.date_from:
            args["from"] = self.date_from.isoformat()
        if self.date_to:
            args["to"] = self.date_to.isoformat()
        return args

    @property
    def active(self) -> bool:
        return bool(self.as_args())

    def utc_bounds(self, tz: ZoneInfo) -> tuple[datetime | None, datetime | None]:
        """``[start, end)`` in UTC: from the start of the local ``date_from`` to the start of the
        local day after ``date_to``."""
        start = end = None
        if self.date_from:
            start = local_midnight_utc(self.date_from, tz)
        if self.date_to:
            end = local_midnight_utc(self.date_to + timedelta(days=1), tz)
        return start, end

    def conditions(self, tz: ZoneInfo) -> list[sa.ColumnElement[bool]]:
        """WHERE clauses over ``Activity`` outer-joined to ``Initiative`` and ``Unit``."""
        conds: list[sa.ColumnElement[bool]] = []
        if self.unit:
            conds.append(Unit.code == self.unit)
        if self.user is not None:
            conds.append(Activity.actor_id == self.user)
        if self.dimension:
            conds.append(
                Initiative.dimension_id
                == sa.select(Dimension.id).where(Dimension.code == self.dimension).scalar_subquery()
            )
        start, end = self.utc_bounds(tz)
        if start is not None:
            conds.append(Activity.created_at >= start)
        if end is not None:
            conds.append(Activity.created_at < end)
        return conds


def feed_page(filters: FeedFilters, tz: ZoneInfo, page: int, per_page: int = PER_PAGE):
    stmt = (
        sa.select(Activity)
        .outerjoin(Activity.initiative)
        .outerjoin(Initiative.unit)
        .options(
            contains_eager(Activity.initiative).contains_eager(Initiative.unit),
            joinedload(Activity.actor),
        )
        .where(*filters.conditions(tz))
        .order_by(Activity.created_at.desc(), Activity.id.desc())
    )
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


@dataclass
class FilterOptions:
    units: list[Unit]
    users: list[User]
    dimensions: list[Dimension]


def filter_options() -> FilterOptions:
    """What the filter form offers (three queries; full pages only)."""
    return FilterOptions(
        units=list(db.session.scalars(sa.select(Unit).order_by(Unit.code))),
        # Everyone, inactive people too: the trail keeps what they did.
        users=list(db.session.scalars(sa.select(User).order_by(User.name, User.id))),
        dimensions=list(db.session.scalars(sa.select(Dimension).order_by(Dimension.position))),
    )
