"""Column types and mixins shared by every model."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from flask_babel import get_locale
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Mapped


class UTCDateTime(sa.TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend.

    PostgreSQL keeps ``timestamptz``; SQLite has no time zones, so values are stored as naive UTC
    and handed back aware. Naive input is refused: it is always a bug here.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware UTC datetime is required")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


MAX_ID = 2**31 - 1  # the largest value of the integer id columns (PostgreSQL ``integer``)

JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


class LocalizedName:
    """Mixin for reference data named in both languages (``name_id``, ``name_en``)."""

    name_id: Mapped[str]
    name_en: Mapped[str]

    @property
    def name(self) -> str:
        locale = get_locale()
        return self.name_en if locale is not None and locale.language == "en" else self.name_id
