"""``quickwin reminders run [--dry-run]``: every reminder kind, for today, by hand."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from ..domain.clock import utcnow
from ..extensions import db
from ..mail.cli import deliver_now
from ..mail.outbox import already_queued
from ..mail.planning import render_plan
from ..updates.reminders import plan_update_reminders
from . import jobs, services

reminders_cli = AppGroup("reminders", help="Reminder and nudge emails.")

PLANNERS = (
    ("milestone reminders", services.plan_milestone_reminders),
    ("stale nudges", services.plan_stale_nudges),
    ("follow-up reminders", services.plan_followups),
    ("measurement nudges", services.plan_measurement_nudges),
    ("progress update reminders", lambda now: [t.plan for t in plan_update_reminders(now)
                                               if t.plan is not None]),
    ("mention emails", lambda now: [plan for _n, plan in services.plan_mention_emails(now)]),
)


@reminders_cli.command("run")
@click.option("--dry-run", is_flag=True, help="Print the emails that are due; queue nothing.")
def run(dry_run: bool) -> None:
    """Queue every reminder due now (the scheduler does this daily, mentions every minute)."""
    now = utcnow()
    if dry_run:
        total = 0
        for label, planner in PLANNERS:
            plans = planner(now)
            queued = already_queued(p.dedupe_key for p in plans)
            due = [p for p in plans if p.dedupe_key not in queued]
            total += len(due)
            click.echo(f"== {label}: {len(due)} to send ({len(plans) - len(due)} already queued)")
            for plan in due:
                click.echo(f"----- To: {plan.to.name} <{plan.to.email}> · {plan.subject}")
                click.echo(render_plan(plan).text)
        db.session.rollback()
        click.echo(f"Dry run: {total} email(s) due; nothing was queued.")
        return
    for label, job in jobs.ALL:
        counts = job(now)
        click.echo(f"{label}: queued {counts['queued']} "
                   f"({counts['already_queued']} already queued)")
    db.session.commit()
    deliver_now(now)


def register(app: Flask) -> None:
    app.cli.add_command(reminders_cli)
