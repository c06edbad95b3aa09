"""``quickwin scheduler [--once JOB] [--catch-up-only]``."""

from __future__ import annotations

import logging
import signal
import threading

import click
from flask import Flask, current_app

from ..config import ConfigError


def register(app: Flask) -> None:
    @app.cli.command("scheduler")
    @click.option("--once", "once", metavar="JOB",
                  help="Run this one job now (once for its current slot) and exit.")
    @click.option("--catch-up-only", is_flag=True,
                  help="Run the daily/weekly jobs missed within QUICKWIN_CATCHUP_HOURS, and exit.")
    def scheduler_command(once: str | None, catch_up_only: bool) -> None:
        """Run the scheduled jobs (reminders, digests, mail delivery). Run exactly one per
        deployment; a second one waits as a standby and takes over if the first stops."""
        # Imported here: building the app (web workers) never loads the scheduler machinery.
        from .jobs import catch_up, run_job
        from .registry import jobs_for

        flask_app = current_app._get_current_object()
        try:
            jobs = jobs_for(flask_app.config)
        except ConfigError as error:
            raise click.ClickException(str(error)) from error
        if once:
            if once not in jobs:
                raise click.BadParameter(
                    f"unknown job {once!r}; known: {', '.join(sorted(jobs))}", param_hint="--once")
            outcome = run_job(flask_app, once)
            click.echo(str(outcome))
            if outcome.status == "failed":
                raise SystemExit(1)
            return
        if catch_up_only:
            outcomes = catch_up(flask_app)
            for outcome in outcomes:
                click.echo(str(outcome))
            if not outcomes:
                click.echo("Nothing to catch up.")
            if any(o.status == "failed" for o in outcomes):
                raise SystemExit(1)
            return

        from .process import SchedulerProcess

        # APScheduler logs two lines per run; ours (quickwin_tracker.scheduler.*) say what matters.
        logging.getLogger("apscheduler").setLevel(logging.WARNING)

        stop = threading.Event()

        def request_stop(signum, frame):  # noqa: ARG001
            stop.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        click.echo(f"Scheduler starting (jobs: {', '.join(jobs)}; time zone "
                   f"{flask_app.config['TIMEZONE']}). Ctrl-C stops it.")
        SchedulerProcess(flask_app, stop=stop).run()
