"""The ``quickwin scheduler`` process: wait for leadership, then run the jobs while it lasts.

    standby ──(lock acquired)──▶ leader: start APScheduler, catch up missed runs,
       ▲                                 renew/check the lock every ``renew_seconds``
       └──(lock lost, or stop)── shut APScheduler down (running jobs finish)

One APScheduler ``BackgroundScheduler`` (in-memory job store; the schedule is code and config,
the state is in our tables) runs the jobs in its thread pool while this thread keeps the lock.
Every job run checks leadership first. Job defaults: ``coalesce=True``, ``max_instances=1``,
``misfire_grace_time=CATCHUP_HOURS``.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask

from ..domain.clock import utcnow
from ..extensions import db
from .jobs import catch_up, run_job
from .lock import LeaderLock, make_lock
from .registry import Trigger, interval_seconds, jobs_for

log = logging.getLogger(__name__)


def apscheduler_trigger(trigger: Trigger, config: Any):
    tz = config["TIMEZONE"]
    if trigger.kind == "interval":
        return IntervalTrigger(seconds=interval_seconds(trigger, config), timezone=tz)
    hour, minute = str(config[trigger.time_key]).split(":")
    if trigger.kind == "daily":
        return CronTrigger(hour=int(hour), minute=int(minute), timezone=tz)
    return CronTrigger(day_of_week=config[trigger.day_key], hour=int(hour), minute=int(minute),
                       timezone=tz)


class SchedulerProcess:
    def __init__(self, app: Flask, lock: LeaderLock | None = None,
                 poll_seconds: float | None = None, stop: threading.Event | None = None):
        self.app = app
        if lock is None:
            with app.app_context():
                lock = make_lock(db.engine)
        self.lock = lock
        self.poll_seconds = (poll_seconds if poll_seconds is not None
                             else app.config["SCHEDULER_POLL_SECONDS"])
        self.stop = stop or threading.Event()
        self.jobs = jobs_for(app.config)

    def is_leader(self) -> bool:
        return self.lock.held()

    # ------------------------------------------------------------------ jobs

    def _fire(self, name: str) -> None:
        if not self.is_leader():
            log.warning("%s not run: this scheduler is no longer the leader", name)
            return
        run_job(self.app, name)

    def _catch_up(self) -> None:
        catch_up(self.app, utcnow(), still_leader=self.is_leader)

    def build(self) -> BackgroundScheduler:
        config = self.app.config
        grace = max(1, int(config["CATCHUP_HOURS"]) * 3600)
        scheduler = BackgroundScheduler(
            timezone=config["TIMEZONE"],
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": grace},
        )
        now = utcnow()
        for name, (_, trigger) in self.jobs.items():
            extra = {"next_run_time": now} if trigger.kind == "interval" else {}
            scheduler.add_job(self._fire, apscheduler_trigger(trigger, config), args=[name],
                              id=name, name=name, **extra)
        scheduler.add_job(self._catch_up, id="catch_up", name="catch_up", next_run_time=now)
        return scheduler

    # ------------------------------------------------------------------ the loop

    def lead(self) -> None:
        """Run the jobs until leadership is lost or a stop is requested."""
        log.info("scheduler is the leader; jobs: %s", ", ".join(self.jobs))
        scheduler = self.build()
        scheduler.start()
        try:
            while not self.stop.wait(self.lock.renew_seconds):
                if not self.lock.acquire():
                    log.warning("scheduler lost its leadership; back to standby")
                    break
        finally:
            scheduler.shutdown(wait=True)

    def run(self) -> None:
        """Until stopped: lead when the lock can be taken, otherwise wait as a standby."""
        announced = False
        try:
            while not self.stop.is_set():
                if self.lock.acquire():
                    announced = False
                    self.lead()
                    continue
                if not announced:
                    log.info("another scheduler is the leader; standing by (checking every %ss)",
                             self.poll_seconds)
                    announced = True
                self.stop.wait(self.poll_seconds)
        finally:
            self.lock.release()
            log.info("scheduler stopped")
