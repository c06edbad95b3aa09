"""``quickwin digest send [--week 2026-W48] [--user EMAIL] [--dry-run]``."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import AppGroup

from ..domain.clock import utcnow
from ..extensions import db
from ..mail.cli import deliver_now
from ..mail.outbox import already_queued
from ..mail.planning import render_plan
from ..models import User
from .emails import dedupe_key, plan_digest, recipients
from .jobs import queue_digests
from .services import receives_digest
from .weeks import DigestWeek, WeekError, current_week

digest_cli = AppGroup("digest", help="Weekly email digests.")


def _week(raw: str | None, now) -> DigestWeek:
    current = current_week(now)
    if not raw:
        return current
    try:
        week = DigestWeek.parse(raw)
    except WeekError as error:
        raise click.BadParameter(str(error), param_hint="--week") from error
    if week > current:
        raise click.BadParameter(f"{week} has not started yet (this is {current})",
                                 param_hint="--week")
    return week


@digest_cli.command("send")
@click.option("--week", "raw_week", metavar="YYYY-Www",
              help="The ISO week the digest belongs to (default: this week); it reports on the "
                   "week before.")
@click.option("--user", "email", metavar="EMAIL", help="Only this person's digest.")
@click.option("--dry-run", is_flag=True, help="Print each digest; queue nothing.")
def send(raw_week: str | None, email: str | None, dry_run: bool) -> None:
    """Queue the weekly digest of every manager (their unit) and reviewer (the city)."""
    now = utcnow()
    week = _week(raw_week, now)
    if email:
        user = db.session.scalar(
            sa.select(User).where(User.email == User.normalise_email(email)))
        if user is None:
            raise click.ClickException(f"no user with email {email!r}")
        if not receives_digest(user):
            raise click.ClickException(
                f"{user.email} is a {user.role}{'' if user.unit_id else ' without a unit'}: "
                "digests go to managers with a unit and to reviewers")
        people = [user] if dry_run else recipients(only=user)
        if not people:
            raise click.ClickException(f"{user.email} is inactive or has turned the digest off")
    else:
        people = recipients()

    if dry_run:
        queued = already_queued(dedupe_key(u, week) for u in people)
        for user in people:
            plan = plan_digest(user, week, now)
            note = " (already queued: would not be sent again)" if plan.dedupe_key in queued else ""
            click.echo(f"===== To: {user.name} <{user.email}> · {plan.subject}{note}")
            click.echo(render_plan(plan).text)
        db.session.rollback()
        click.echo(f"Dry run: {len(people)} digest(s) for {week}; nothing was queued.")
        return

    counts = queue_digests(week, now, people)
    db.session.commit()
    click.echo(f"Queued {counts['queued']} digest(s) for {week} "
               f"({counts['already_queued']} already queued, {counts['recipients']} recipients).")
    deliver_now(now)


def register(app: Flask) -> None:
    app.cli.add_command(digest_cli)
