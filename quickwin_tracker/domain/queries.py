"""Free-text search shared by the board and the archive."""

from __future__ import annotations

import sqlalchemy as sa


def contains_any(columns, q: str) -> sa.ColumnElement[bool]:
    """Case-insensitive "contains ``q``" over any of ``columns``, with LIKE wildcards escaped."""
    pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return sa.or_(*(column.ilike(pattern, escape="\\") for column in columns))
