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
    quickwin webhooks deliver [--limit N]

Each feature keeps its commands in its own ``cli.py`` with a ``register(app)`` function; the
list below says which features have one.
"""

from __future__ import annotations

from importlib import import_module

from flask import Flask
from flask.cli import FlaskGroup

FEATURES_WITH_COMMANDS = ("auth", "demo", "mail", "scheduler", "digests", "reminders",
                          "webhooks", "channels")


def register(app: Flask) -> None:
    for feature in FEATURES_WITH_COMMANDS:
        import_module(f".{feature}.cli", __package__).register(app)


def _create_app(*_args) -> Flask:
    from . import create_app

    return create_app()


cli = FlaskGroup(create_app=_create_app, help="Quick-Win Tracker (same as flask --app quickwin_tracker).")


def main() -> None:
    cli(prog_name="quickwin")
