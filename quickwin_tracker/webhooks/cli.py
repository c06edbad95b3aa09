"""``quickwin webhooks deliver``: send the due webhook deliveries now (the scheduler's
``webhook_delivery`` job does it every ``QUICKWIN_WEBHOOK_INTERVAL_SECONDS``)."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from ..domain.clock import utcnow
from .delivery import deliver_webhooks

webhooks_cli = AppGroup("webhooks", help="Signed webhooks.")


@webhooks_cli.command("deliver")
@click.option("--limit", default=200, show_default=True, type=click.IntRange(min=1),
              help="Send at most this many deliveries.")
def deliver(limit: int) -> None:
    """Send the queued webhook deliveries that are due now."""
    report = deliver_webhooks(now=utcnow(), limit=limit)
    click.echo(f"Webhooks: delivered {report.sent}, to retry {report.retried}, failed for good "
               f"{report.failed}, endpoints disabled {report.disabled}.")


def register(app: Flask) -> None:
    app.cli.add_command(webhooks_cli)
