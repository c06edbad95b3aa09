"""``quickwin create-user``, ``edit-user``, ``create-unit`` and ``edit-unit``: people and units
from the command line (there is no public sign-up); ``reset-second-factor`` for a lost phone."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click
from flask import Flask

from ..domain.errors import DomainError
from ..extensions import db
from ..models import Role
from . import services as people
from . import totp


def _fail(message: str) -> None:
    db.session.rollback()
    raise click.ClickException(message)


@contextmanager
def _one_transaction() -> Iterator[None]:
    """A command's changes, committed together; a refusal rolls back and ends the command with
    its reason (the command line's ``web.actions.user_action``)."""
    try:
        yield
        db.session.commit()
    except DomainError as error:
        _fail(error.message)


def _unit_or_fail(code: str | None):
    if not code:
        return None
    unit = people.find_unit(code)
    if unit is None:
        _fail(f"no unit with code {code!r} (see `quickwin create-unit`)")
    return unit


def register(app: Flask) -> None:
    @app.cli.command("create-user")
    @click.argument("email")
    @click.option("--name", required=True, help="Full name as shown in the app.")
    @click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
    @click.option("--unit", "unit_code", help="Unit (OPD) code; required for staff and managers.")
    @click.option("--password", help="Initial password; prompted (hidden) when absent.")
    @click.option("--locale", default="id", type=click.Choice(["id", "en"]), show_default=True)
    def create_user(email, name, role, unit_code, password, locale):
        """Create a user (there is no public sign-up)."""
        if not password:
            password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        with _one_transaction():
            user = people.create_user(email, name, role, unit=_unit_or_fail(unit_code),
                                      password=password, locale=locale)
        click.echo(f"Created {user.role} {user.email}" + (f" in {user.unit.code}" if user.unit else ""))

    @app.cli.command("edit-user")
    @click.argument("email")
    @click.option("--name")
    @click.option("--role", type=click.Choice([r.value for r in Role]))
    @click.option("--unit", "unit_code")
    @click.option("--password", help="Set a new password.")
    @click.option("--activate/--deactivate", "active", default=None,
                  help="Allow or stop this user signing in.")
    def edit_user(email, name, role, unit_code, password, active):
        """Change a user's name, role, unit, password, or deactivate them."""
        user = people.find_user_by_email(email)
        if user is None:
            _fail(f"no user with email {email!r}")
        with _one_transaction():
            people.update_user(
                user, email=user.email, name=name or user.name, role=role or user.role,
                unit=_unit_or_fail(unit_code) if unit_code else user.unit,
                active=user.active if active is None else active, locale=user.locale,
            )
            if password:
                people.set_user_password(user, password)
        click.echo(f"Saved {user.email} ({user.role}, {'active' if user.active else 'deactivated'})")

    @app.cli.command("reset-second-factor")
    @click.argument("email")
    def reset_second_factor(email):
        """Remove a user's two-step verification (a lost phone, no recovery code, and no other
        administrator to reset it): they are signed out everywhere and told by email."""
        user = people.find_user_by_email(email)
        if user is None:
            _fail(f"no user with email {email!r}")
        with _one_transaction():
            totp.reset_from_command_line(user)
        click.echo(f"Two-step verification of {user.email} reset; every session of theirs ended.")

    @app.cli.command("create-unit")
    @click.argument("code")
    @click.option("--name", required=True, help="Full name of the OPD.")
    def create_unit(code, name):
        """Create a unit (OPD)."""
        with _one_transaction():
            unit = people.create_unit(code, name)
        click.echo(f"Created unit {unit.code}")

    @app.cli.command("edit-unit")
    @click.argument("code")
    @click.option("--name")
    @click.option("--head", "head_email", help="Email of the unit's head.")
    @click.option("--activate/--deactivate", "active", default=None)
    def edit_unit(code, name, head_email, active):
        """Rename a unit, set its head, or deactivate it."""
        unit = _unit_or_fail(code)
        head = unit.head
        if head_email:
            head = people.find_user_by_email(head_email)
            if head is None:
                _fail(f"no user with email {head_email!r}")
        with _one_transaction():
            people.update_unit(unit, code=unit.code, name=name or unit.name, head=head,
                               active=unit.active if active is None else active)
        click.echo(f"Saved unit {unit.code} ({'active' if unit.active else 'deactivated'})")
