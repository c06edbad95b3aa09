"""Form and query-argument helpers shared by several features."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from flask import flash
from flask_wtf import FlaskForm
from wtforms import IntegerField

from .domain import DomainError
from .extensions import db


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


@contextmanager
def user_action(form: FlaskForm | None = None) -> Iterator[Action]:
    """One user action, one transaction: the block's service calls are committed together, or, if
    a service refuses (``DomainError``), rolled back and the refusal shown next to the form field
    it names (``attach_error``), or flashed when there is no form. ``action.done`` tells which::

        with user_action(form) as action:
            unit = services.create_unit(...)
        if action.done:
            flash(...); return redirect_to(...)
    """
    action = Action()
    try:
        yield action
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        if form is None:
            flash(error.message, "error")
        else:
            attach_error(form, error)
    else:
        action.done = True


def page_number(args: Mapping[str, str]) -> int:
    """The ``page`` argument of a paged list: 1 when missing or not a number, and bounded, so a
    page past any real one shows an empty page, not a 500 (the OFFSET must fit the database's
    integers)."""
    try:
        return min(max(1, int(args.get("page", "1"))), 1_000_000)
    except ValueError:
        return 1


WTFORMS_NOT_AN_INTEGER = "Not a valid integer value."


class BoundedIntegerField(IntegerField):
    """An IntegerField that refuses numbers beyond a 32-bit integer as "not a valid integer".
    (WTForms' ``NumberRange`` calls ``math.isnan()``, which raises OverflowError on huge ints.)"""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and not -(2**31) <= self.data < 2**31:
            self.data = None
            # WTForms' own message, translated by WTForms' catalogue (so not a literal here).
            raise ValueError(self.gettext(WTFORMS_NOT_AN_INTEGER))
