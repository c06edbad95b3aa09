"""Exceptions the services raise when a domain rule refuses an action.

Views turn them into answers: ``status`` is the HTTP status, ``field`` (when set) the form field the
message belongs next to.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status = 422

    def __init__(self, message: Any, field: str | None = None, status: int | None = None):
        super().__init__(str(message))
        self.message = str(message)
        self.field = field
        if status is not None:
            self.status = status


class Invalid(DomainError):
    """The input breaks a rule (422)."""

    status = 422


class Forbidden(DomainError):
    """The user may not do this (403)."""

    status = 403


class Conflict(DomainError):
    """The data changed meanwhile, or the action clashes with the current state (409)."""

    status = 409
