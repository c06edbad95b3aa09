"""Running one scheduled job, at most once per slot.

``run_job`` is what the scheduler calls at each fire time, what catch-up calls after downtime and
what ``quickwin scheduler --once JOB`` calls by hand.

Daily and weekly jobs claim their slot first: a ``JobRun(job, slot)`` row is inserted and
committed in its own transaction *before* the job runs. The unique (job, slot) constraint refuses
a second claim, from this process or any other, so the job body runs once per slot. The job's own
changes (outbox rows, ``emailed_at`` stamps…) and the run's ``finished_at``/result are then
committed together, once.

When the job raises, its changes are rolled back and the claim is **deleted**, so the slot may be
tried again (by catch-up at the next scheduler start, or ``--once``). We delete rather than mark
the row failed because a kept row would block that retry; the error goes to the log. A claim left
unfinished by a process that died mid-run (``finished_at`` still empty) is considered abandoned
after ``ABANDONED_AFTER`` and may be claimed again; the job's own dedupe keys make that safe.

Interval jobs (outbox delivery, mention emails) have no slot and no ``JobRun``: they are
idempotent by themselves.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.exc import IntegrityError
from werkzeug.utils import import_string

from ..domain.clock import utcnow
from ..extensions import db
from ..models import JobRun
from .registry import Trigger, jobs_for, last_fire_time, slot_for

log = logging.getLogger(__name__)

ABANDONED_AFTER = timedelta(hours=2)


@dataclass
class JobOutcome:
    job: str
    status: str  # "done", "skipped" (slot already ran) or "failed"
    slot: str | None = None
    result: dict[str, Any] = field(default_factory=dict)
    error: str = ""

    def __str__(self) -> str:
        where = f" [{self.slot}]" if self.slot else ""
        if self.status == "done":
            return f"{self.job}{where}: done {json.dumps(self.result, default=str)}"
        if self.status == "skipped":
            return f"{self.job}{where}: skipped, this slot already ran"
        return f"{self.job}{where}: FAILED {self.error}"


def _jsonable(result: Any) -> dict[str, Any]:
    if result is None:
        return {}
    if not isinstance(result, dict):
        result = {"result": result}
    return json.loads(json.dumps(result, default=str))


def _spec(app: Flask, name: str) -> tuple[str, Trigger]:
    jobs = jobs_for(app.config)
    if name not in jobs:
        raise KeyError(f"unknown job {name!r} (known: {', '.join(sorted(jobs))})")
    return jobs[name]


def slot_of(app: Flask, name: str, now: datetime) -> str | None:
    """The slot a run of ``name`` at ``now`` belongs to (None for interval jobs)."""
    _, trigger = _spec(app, name)
    if not trigger.slotted:
        return None
    return slot_for(trigger, last_fire_time(trigger, now, app.config))


def _claim(name: str, slot: str, now: datetime) -> JobRun | None:
    """Insert and commit the slot's JobRun; None when the slot is taken."""
    for _ in range(2):
        run = JobRun(job=name, slot=slot, started_at=now, result={})
        db.session.add(run)
        try:
            db.session.commit()
            return run
        except IntegrityError:
            db.session.rollback()
        existing = db.session.scalar(
            sa.select(JobRun).where(JobRun.job == name, JobRun.slot == slot)
        )
        if existing is None or existing.finished_at is not None:
            return None
        if now - existing.started_at < ABANDONED_AFTER:
            return None  # probably still running elsewhere
        log.warning("%s [%s]: previous run started %s never finished; running again",
                    name, slot, existing.started_at)
        db.session.delete(existing)
        db.session.commit()
    return None


def _release(run: JobRun) -> None:
    try:
        db.session.execute(sa.delete(JobRun).where(JobRun.id == run.id))
        db.session.commit()
    except Exception:  # the log says the job failed; the claim expires after ABANDONED_AFTER
        db.session.rollback()
        log.exception("could not release the claim of %s [%s]", run.job, run.slot)


def run_job(app: Flask, name: str, now: datetime | None = None) -> JobOutcome:
    """Run job ``name`` once for the slot ``now`` falls in; commit its work once.

    Pushes its own application context (safe to call from APScheduler's threads). Never raises
    for a failing job: the outcome says ``failed`` and the traceback is logged.
    """
    with app.app_context():
        now = now or utcnow()
        target, trigger = _spec(app, name)
        slot = slot_of(app, name, now)
        run: JobRun | None = None
        if slot is not None:
            run = _claim(name, slot, now)
            if run is None:
                log.info("%s [%s]: already ran, skipped", name, slot)
                return JobOutcome(name, "skipped", slot)
        started = time.monotonic()
        try:
            func = import_string(target)
            result = _jsonable(func(now))
            if run is not None:
                run.finished_at = now + timedelta(seconds=time.monotonic() - started)
                run.result = result
            db.session.commit()
        except Exception as exc:
            db.session.rollback()
            log.exception("job %s%s failed", name, f" [{slot}]" if slot else "")
            if run is not None:
                _release(run)
            return JobOutcome(name, "failed", slot, error=f"{type(exc).__name__}: {exc}")
        finally:
            db.session.remove()
        # Interval jobs run every minute: their runs are logged only when debugging.
        log.log(logging.INFO if slot else logging.DEBUG, "job %s%s done in %.1fs: %s", name,
                f" [{slot}]" if slot else "", time.monotonic() - started, result)
        return JobOutcome(name, "done", slot, result)


def due_catch_ups(app: Flask, now: datetime) -> list[tuple[str, str]]:
    """``(job, slot)`` of daily/weekly runs scheduled within ``CATCHUP_HOURS`` before ``now``
    whose slot has not run."""
    grace = timedelta(hours=app.config["CATCHUP_HOURS"])
    due = []
    with app.app_context():
        for name, (_, trigger) in jobs_for(app.config).items():
            if not trigger.slotted:
                continue
            fire = last_fire_time(trigger, now, app.config)
            if now - fire > grace:
                continue
            slot = slot_for(trigger, fire)
            done = db.session.scalar(
                sa.select(JobRun.id).where(JobRun.job == name, JobRun.slot == slot)
            )
            if done is None:
                due.append((name, slot))
        db.session.remove()
    return due


def catch_up(app: Flask, now: datetime | None = None,
             still_leader: Any = None) -> list[JobOutcome]:
    """Run, once, every daily/weekly job whose last fire time is within ``CATCHUP_HOURS`` and
    whose slot has no ``JobRun`` (the scheduler was down or not leading at the time).

    ``still_leader`` (a callable) is checked before each run.
    """
    now = now or utcnow()
    outcomes = []
    for name, slot in due_catch_ups(app, now):
        if still_leader is not None and not still_leader():
            break
        log.info("catching up %s [%s]", name, slot)
        outcomes.append(run_job(app, name, now))
    log.info("catch-up done: %d run(s)", len(outcomes))
    return outcomes
