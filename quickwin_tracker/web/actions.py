"""One user action, one transaction, and the permission it needs.

Services change and flush; the view commits once. ``user_action`` is that commit: the block's
service calls are committed together, or, when a service refuses (``DomainError``), rolled back
and the refusal shown where the user looks (next to the form field it names, or flashed).
``require`` answers 403 with a permission's reason (``domain.permissions``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import abort, flash
from flask_wtf import FlaskForm

from ..domain.errors import DomainError
from ..domain.permissions import Decision
from ..extensions import db


def require(decision: Decision) -> None:
    """Abort with 403 and the decision's reason unless it allows."""
    if not decision:
        abort(403, description=decision.reason)


def attach_error(form: FlaskForm, error: DomainError, fallback: bool = True) -> bool:
    """Show a service's refusal next to the field it names (True), or else, with ``fallback``,
    at the top of the form (False)."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
        return True
    if fallback:
        form.form_errors.append(error.message)
    return False


@dataclass
class Action:
    done: bool = False  # committed
    error: DomainError | None = None  # the refusal, when a service refused


@contextmanager
def user_action(form: FlaskForm | None = None, *, report: bool = True) -> Iterator[Action]:
    """One user action, one transaction: the block's service calls are committed together, or, if
    a service refuses (``DomainError``), rolled back and the refusal shown next to the form field
    it names (``attach_error``), or flashed when there is no form. ``action.done`` tells which::

        with user_action(form) as action:
            unit = services.create_unit(...)
        if action.done:
            flash(...); return redirect_to(...)

    A view that answers a refusal its own way (a 403 page, an htmx fragment with the reason)
    passes ``report=False`` and reads ``action.error``."""
    action = Action()
    try:
        yield action
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        action.error = error
        if not report:
            return
        if form is None:
            flash(error.message, "error")
        else:
            attach_error(form, error)
    else:
        action.done = True
