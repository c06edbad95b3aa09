"""The scheduled jobs: name → (import path of ``f(now: datetime) -> dict``, trigger).

Times come from the configuration and are in the city's time zone (``TIMEZONE``):

- ``daily``: every day at ``REMINDER_TIME`` (``status_refresh``: at ``STATUS_REFRESH_TIME``);
  one run per local date (slot ``2026-11-30``);
- ``weekly``: on ``DIGEST_DAY`` at ``DIGEST_TIME``; one run per ISO week (slot ``2026-W49``);
- ``interval``: every N seconds (a config key); no slot, the job is idempotent by itself
  (outbox rows and dedupe keys).

Functions are imported by their path only when they run, so the scheduler starts even while a
job's module is missing or broken (that job then fails and is logged, the others run).

``telegram_updates`` (polling the Telegram bot) runs only with a bot token in polling mode.
Operators may restrict the jobs (``QUICKWIN_SCHEDULER_JOBS=weekly_digest,outbox_delivery``) and
add their own (``QUICKWIN_SCHEDULER_EXTRA_JOBS=name=package.module:function@daily``; the trigger
is ``daily``, ``weekly`` or ``interval:SECONDS``; several separated by commas).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from ..config import WEEKDAYS, ConfigError


@dataclass(frozen=True)
class Trigger:
    kind: Literal["daily", "weekly", "interval"]
    time_key: str = ""  # config key of "HH:MM" (daily, weekly)
    day_key: str = ""  # config key of the weekday (weekly)
    seconds_key: str = ""  # config key of the interval (interval)
    seconds: int = 0  # a fixed interval, when no key is given

    @property
    def slotted(self) -> bool:
        return self.kind in ("daily", "weekly")


DAILY = Trigger("daily", time_key="REMINDER_TIME")
WEEKLY = Trigger("weekly", time_key="DIGEST_TIME", day_key="DIGEST_DAY")

JOBS: dict[str, tuple[str, Trigger]] = {
    "milestone_reminders": ("quickwin_tracker.reminders.jobs:send_milestone_reminders", DAILY),
    "stale_nudges": ("quickwin_tracker.reminders.jobs:send_stale_nudges", DAILY),
    "followup_reminders": ("quickwin_tracker.reminders.jobs:send_followup_reminders", DAILY),
    "measurement_nudges": ("quickwin_tracker.reminders.jobs:send_measurement_nudges", DAILY),
    "update_reminders": ("quickwin_tracker.updates.reminders:send_update_reminders", DAILY),
    "weekly_digest": ("quickwin_tracker.digests.jobs:send_weekly_digests", WEEKLY),
    "status_refresh": ("quickwin_tracker.lifecycle.kept:refresh_statuses_job",
                       Trigger("daily", time_key="STATUS_REFRESH_TIME")),
    "mention_emails": (
        "quickwin_tracker.reminders.jobs:send_mention_emails",
        Trigger("interval", seconds_key="MENTION_INTERVAL_SECONDS"),
    ),
    "outbox_delivery": (
        "quickwin_tracker.mail.outbox:deliver_outbox_job",
        Trigger("interval", seconds_key="OUTBOX_INTERVAL_SECONDS"),
    ),
    "telegram_updates": (
        "quickwin_tracker.channels.telegram:poll_updates",
        Trigger("interval", seconds_key="TELEGRAM_INTERVAL_SECONDS"),
    ),
    "webhook_delivery": (
        "quickwin_tracker.webhooks.delivery:deliver_webhooks_job",
        Trigger("interval", seconds_key="WEBHOOK_INTERVAL_SECONDS"),
    ),
}

# Jobs that only make sense when the deployment is configured for them: left out otherwise,
# unless QUICKWIN_SCHEDULER_JOBS names them (they then report that they skipped).
CONDITIONAL: dict[str, Any] = {
    "telegram_updates": lambda config: bool(config.get("TELEGRAM_BOT_TOKEN"))
    and str(config.get("TELEGRAM_MODE") or "polling") == "polling",
}

_NAME = re.compile(r"[a-z][a-z0-9_]{0,49}")
_TARGET = re.compile(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*")


def _parse_extra(raw: str) -> dict[str, tuple[str, Trigger]]:
    extra: dict[str, tuple[str, Trigger]] = {}
    for item in filter(None, (part.strip() for part in raw.split(","))):
        name, _, rest = item.partition("=")
        target, _, trigger = rest.partition("@")
        name, target, trigger = name.strip(), target.strip(), trigger.strip()
        if not _NAME.fullmatch(name) or not _TARGET.fullmatch(target):
            raise ConfigError(
                "QUICKWIN_SCHEDULER_EXTRA_JOBS entries look like "
                f"name=package.module:function@daily, got {item!r}"
            )
        if trigger == "daily":
            spec = DAILY
        elif trigger == "weekly":
            spec = WEEKLY
        elif trigger.startswith("interval:") and trigger[9:].isdigit() and int(trigger[9:]) > 0:
            spec = Trigger("interval", seconds=int(trigger[9:]))
        else:
            raise ConfigError(
                f"QUICKWIN_SCHEDULER_EXTRA_JOBS: trigger of {name!r} must be daily, weekly or "
                f"interval:SECONDS, got {trigger!r}"
            )
        extra[name] = (target, spec)
    return extra


def jobs_for(config: Mapping[str, Any]) -> dict[str, tuple[str, Trigger]]:
    """The jobs this deployment runs: ``JOBS`` plus extras, limited to ``SCHEDULER_JOBS``."""
    jobs = dict(JOBS)
    jobs.update(_parse_extra(str(config.get("SCHEDULER_EXTRA_JOBS") or "")))
    wanted = config.get("SCHEDULER_JOBS") or ""
    if isinstance(wanted, str):
        wanted = [name.strip() for name in wanted.split(",") if name.strip()]
    if wanted:
        unknown = sorted(set(wanted) - set(jobs))
        if unknown:
            raise ConfigError(
                f"QUICKWIN_SCHEDULER_JOBS names unknown jobs: {', '.join(unknown)} "
                f"(known: {', '.join(sorted(jobs))})"
            )
        return {name: spec for name, spec in jobs.items() if name in wanted}
    return {name: spec for name, spec in jobs.items()
            if name not in CONDITIONAL or CONDITIONAL[name](config)}


def interval_seconds(trigger: Trigger, config: Mapping[str, Any]) -> int:
    return int(config[trigger.seconds_key]) if trigger.seconds_key else trigger.seconds


def _time_of_day(trigger: Trigger, config: Mapping[str, Any]) -> time:
    hour, minute = str(config[trigger.time_key]).split(":")
    return time(int(hour), int(minute))


def last_fire_time(trigger: Trigger, now: datetime, config: Mapping[str, Any]) -> datetime:
    """The most recent scheduled time at or before ``now`` (aware, in the city's zone)."""
    if not trigger.slotted:
        raise ValueError("interval jobs have no fire times to catch up")
    tz = ZoneInfo(config["TIMEZONE"])
    local = now.astimezone(tz)
    at = _time_of_day(trigger, config)

    def at_day(day: date) -> datetime:
        return datetime.combine(day, at, tzinfo=tz)

    if trigger.kind == "daily":
        fire = at_day(local.date())
        return fire if fire <= local else at_day(local.date() - timedelta(days=1))
    weekday = WEEKDAYS.index(str(config[trigger.day_key]))
    day = local.date() - timedelta(days=(local.weekday() - weekday) % 7)
    fire = at_day(day)
    return fire if fire <= local else at_day(day - timedelta(days=7))


def slot_for(trigger: Trigger, fire_time: datetime) -> str:
    """``2026-11-30`` for daily jobs, ``2026-W49`` for weekly ones (local date of the fire)."""
    if trigger.kind == "daily":
        return fire_time.date().isoformat()
    year, week, _ = fire_time.date().isocalendar()
    return f"{year}-W{week:02d}"
