"""Query helpers every feature uses: free-text search and row locks."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from ..extensions import db


def contains_any(columns, q: str) -> sa.ColumnElement[bool]:
    """Case-insensitive "contains ``q``" over any of ``columns``, with LIKE wildcards escaped."""
    pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return sa.or_(*(column.ilike(pattern, escape="\\") for column in columns))


def for_update(stmt: sa.Select[Any], **options: Any) -> sa.Select[Any]:
    """``SELECT … FOR UPDATE``: on PostgreSQL, concurrent writers of these rows wait for each other
    until commit. SQLite has no row locks (it lets one writer through at a time, so nothing is
    lost) and SQLAlchemy leaves the clause out there. ``options``: ``skip_locked=True``, …"""
    return stmt.with_for_update(**options)


def lock(stmt: sa.Select[Any]) -> None:
    """Take the row locks of ``stmt`` (see ``for_update``) and read nothing else."""
    db.session.execute(for_update(stmt))
