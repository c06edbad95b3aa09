"""Whether the database answers: what ``/healthz`` reports."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db


def database_answers() -> bool:
    """``SELECT 1``; on an error the session is rolled back, ready for the next request."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return False
    return True
