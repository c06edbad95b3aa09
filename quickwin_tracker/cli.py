"""The ``quickwin`` command: ``flask --app quickwin_tracker`` plus the app's own commands.

    quickwin db upgrade
    quickwin create-user EMAIL --name NAME --role ROLE [--unit CODE] [--password P]
    quickwin edit-user EMAIL [--name N] [--role R] [--unit CODE] [--activate/--deactivate]
    quickwin create-unit CODE --name NAME
    quickwin edit-unit CODE [--name N] [--activate/--deactivate]
    quickwin seed-demo [--initiatives N] [--if-empty]
    quickwin scheduler [--once JOB] [--catch-up-only]
    quickwin mail test --to EMAIL
    quickwin outbox deliver [--limit N]
    quickwin digest send [--week 2026-W48] [--user EMAIL] [--dry-run]
    quickwin reminders run [--dry-run]
"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup

from .auth import services as people
from .domain import DomainError
from .extensions import db
from .models import Role


def _fail(message: str) -> None:
    db.session.rollback()
    raise click.ClickException(message)


def _unit_or_fail(code: str | None):
    if not code:
        return None
    unit = people.find_unit(code)
    if unit is None:
        _fail(f"no unit with code {code!r} (see `quickwin create-unit`)")
    return unit


def register(app: Flask) -> None:
    from .mail.cli import register as register_mail
    from .scheduler.cli import register as register_scheduler

    register_mail(app)  # mail test, outbox deliver
    register_scheduler(app)  # scheduler [--once JOB] [--catch-up-only]
    from .digests.commands import register_cli as register_digests
    from .reminders.commands import register_cli as register_reminders

    register_digests(app)  # digest send [--week W] [--user EMAIL] [--dry-run]
    register_reminders(app)  # reminders run [--dry-run]

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
        try:
            user = people.create_user(email, name, role, unit=_unit_or_fail(unit_code),
                                      password=password, locale=locale)
            db.session.commit()
        except DomainError as error:
            _fail(error.message)
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
        try:
            people.update_user(
                user, email=user.email, name=name or user.name, role=role or user.role,
                unit=_unit_or_fail(unit_code) if unit_code else user.unit,
                active=user.active if active is None else active, locale=user.locale,
            )
            if password:
                people.set_user_password(user, password)
            db.session.commit()
        except DomainError as error:
            _fail(error.message)
        click.echo(f"Saved {user.email} ({user.role}, {'active' if user.active else 'deactivated'})")

    @app.cli.command("create-unit")
    @click.argument("code")
    @click.option("--name", required=True, help="Full name of the OPD.")
    def create_unit(code, name):
        """Create a unit (OPD)."""
        try:
            unit = people.create_unit(code, name)
            db.session.commit()
        except DomainError as error:
            _fail(error.message)
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
        try:
            people.update_unit(unit, code=unit.code, name=name or unit.name, head=head,
                               active=unit.active if active is None else active)
            db.session.commit()
        except DomainError as error:
            _fail(error.message)
        click.echo(f"Saved unit {unit.code} ({'active' if unit.active else 'deactivated'})")

    @app.cli.command("seed-demo")
    @click.option("--initiatives", "count", type=click.IntRange(min=0),
                  help="How many initiatives (default: the hand-written ones; more adds generated ones).")
    @click.option("--if-empty", is_flag=True,
                  help="Do nothing (successfully) when the database already holds data.")
    def seed_demo_command(count, if_empty):
        """Fill an EMPTY database with Balikpapan demo data and print the demo logins."""
        from .demo import database_is_empty, seed_demo

        if if_empty and not database_is_empty():
            click.echo("The database already holds data; demo data not loaded.")
            return
        try:
            result = seed_demo(initiatives=count)
            db.session.commit()
        except DomainError as error:
            _fail(error.message)
        click.echo(f"Loaded {result.initiatives} demo quick wins. Demo logins "
                   f"(password for all: {result.password}):")
        for user in sorted(result.users, key=lambda u: (u.role, u.email)):
            unit = f" [{user.unit.code}]" if user.unit else ""
            click.echo(f"  {user.role:<9} {user.email}{unit}")


def _create_app(*_args) -> Flask:
    from . import create_app

    return create_app()


cli = FlaskGroup(create_app=_create_app, help="Quick-Win Tracker (same as flask --app quickwin_tracker).")


def main() -> None:
    cli(prog_name="quickwin")
