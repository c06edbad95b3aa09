"""``quickwin mail test --to EMAIL`` and ``quickwin outbox deliver``; ``deliver_now``, what the
commands that queue emails (``digest send``, ``reminders run``) do once they have committed."""

from __future__ import annotations

import uuid
from datetime import datetime

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_babel import force_locale
from flask_babel import gettext as _

from ..domain.clock import utcnow
from ..extensions import db
from ..models import OutboxMessage, OutboxStatus, User
from .outbox import deliver_outbox, queue_email

mail_cli = AppGroup("mail", help="Outgoing mail.")
outbox_cli = AppGroup("outbox", help="The outbox: every email, stored before it is sent.")


@mail_cli.command("test")
@click.option("--to", "to", required=True, metavar="EMAIL", help="Where to send the test email.")
def mail_test(to: str) -> None:
    """Send a test email now, through the outbox, and say whether the server accepted it."""
    config = current_app.config
    if not config.get("SMTP_HOST"):
        raise click.ClickException(
            "no SMTP host configured: set QUICKWIN_SMTP_HOST (and QUICKWIN_SMTP_PORT, "
            "QUICKWIN_SMTP_SECURITY, QUICKWIN_SMTP_USER/PASSWORD as needed) and try again"
        )
    address = User.normalise_email(to)
    if "@" not in address:
        raise click.BadParameter(f"{to!r} is not an email address", param_hint="--to")
    user = db.session.scalar(sa.select(User).where(User.email == address))
    # A stand-in recipient, never saved: the address need not belong to a user (or an active one).
    recipient = User(email=address, name=user.name if user else address,
                     locale=user.locale if user else "id", active=True)
    now = utcnow()
    with force_locale(recipient.locale):
        subject = _("Quick-Win Tracker: test email")
    message = queue_email(
        kind="test", dedupe_key=f"test:{uuid.uuid4().hex}", to=recipient, subject=subject,
        template="test", context={"smtp_host": f"{config['SMTP_HOST']}:{config['SMTP_PORT']}"},
        now=now,
    )
    if message is None:  # cannot happen with a fresh key and an active stand-in
        raise click.ClickException("the test email was not queued")
    if user is not None:
        message.to_user_id = user.id
    db.session.commit()
    message_id = message.id
    report = deliver_outbox(now=now, message_ids=[message_id])
    message = db.session.get(OutboxMessage, message_id)
    if message.status == OutboxStatus.SENT.value:
        server = f"{config['SMTP_HOST']}:{config['SMTP_PORT']}"
        click.echo(f"Sent a test email to {address} via {server} (outbox message {message_id}).")
        return
    raise click.ClickException(
        f"the test email to {address} was not sent ({report}): {message.last_error or '?'}. "
        f"It stays in the outbox (message {message_id}, status {message.status}) and will be "
        "retried by the scheduler."
    )


@outbox_cli.command("deliver")
@click.option("--limit", default=200, show_default=True, type=click.IntRange(min=1),
              help="Send at most this many messages.")
def outbox_deliver(limit: int) -> None:
    """Send the queued emails that are due now (the scheduler does this every minute)."""
    report = deliver_outbox(now=utcnow(), limit=limit)
    if report.skipped_reason:
        click.echo(f"Nothing sent: {report.skipped_reason} (QUICKWIN_SMTP_HOST); queued emails "
                   "stay in the outbox.")
        return
    click.echo(f"Sent {report.sent}, failed for good {report.failed}, to retry {report.retried}.")


def deliver_now(now: datetime) -> None:
    """After queueing from the command line: deliver at once when an SMTP host is configured."""
    if not current_app.config.get("SMTP_HOST"):
        click.echo("No SMTP host configured (QUICKWIN_SMTP_HOST): the emails wait in the outbox.")
        return
    report = deliver_outbox(now=now)
    click.echo(f"Delivered the outbox via {current_app.config['SMTP_HOST']}: "
               f"sent {report.sent}, failed for good {report.failed}, to retry {report.retried}.")


def register(app: Flask) -> None:
    app.cli.add_command(mail_cli)
    app.cli.add_command(outbox_cli)
