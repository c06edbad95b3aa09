"""``quickwin seed-demo [--initiatives N] [--if-empty]``."""

from __future__ import annotations

import click
from flask import Flask, current_app

from ..domain.errors import DomainError
from ..extensions import db
from . import database_is_empty, seed_demo


def _fail(message: str) -> None:
    db.session.rollback()
    raise click.ClickException(message)


def register(app: Flask) -> None:
    @app.cli.command("seed-demo")
    @click.option("--initiatives", "count", type=click.IntRange(min=0),
                  help="How many initiatives (default: the hand-written ones; more adds generated ones).")
    @click.option("--if-empty", is_flag=True,
                  help="Do nothing (successfully) when the database already holds data.")
    def seed_demo_command(count, if_empty):
        """Fill an EMPTY database with Balikpapan demo data and print the demo logins."""
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
        required = sorted(current_app.config["TOTP_REQUIRED_ROLES"])
        if required:
            click.echo(f"Two-step verification is required for: {', '.join(required)}. At the "
                       "first sign-in they scan a QR code with an authenticator app on a phone "
                       "(QUICKWIN_TOTP_REQUIRED_ROLES= makes it optional; docs/identity.md).")
