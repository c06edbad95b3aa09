"""The scheduler's reminder jobs: ``f(now) -> counts``. They queue the plans of ``services``
through the outbox (``mail.planning.queue_plan``) and never commit (the scheduler commits once per
run); the dedupe keys make a rerun queue nothing new."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from ..extensions import db
from ..mail.planning import PlannedEmail, queue_plan
from . import services

log = logging.getLogger(__name__)


def _queue_all(kind: str, plans: Sequence[PlannedEmail], now: datetime) -> dict[str, int]:
    queued = sum(1 for plan in plans if queue_plan(plan, now) is not None)
    counts = {"due": len(plans), "queued": queued, "already_queued": len(plans) - queued}
    log.info("%s: %s", kind, counts)
    return counts


def send_milestone_reminders(now: datetime) -> dict[str, int]:
    """The day's milestone reminder emails, and a ``milestone.overdue`` webhook event for each
    milestone found overdue (once per milestone and due date, ``webhooks.events``)."""
    from ..webhooks.events import queue_overdue_milestones

    counts = _queue_all("milestone reminders", services.plan_milestone_reminders(now), now)
    counts.update(queue_overdue_milestones(now))
    return counts


def send_stale_nudges(now: datetime) -> dict[str, int]:
    return _queue_all("stale nudges", services.plan_stale_nudges(now), now)


def send_followup_reminders(now: datetime) -> dict[str, int]:
    return _queue_all("follow-up reminders", services.plan_followups(now), now)


def send_measurement_nudges(now: datetime) -> dict[str, int]:
    return _queue_all("measurement nudges", services.plan_measurement_nudges(now), now)


def send_mention_emails(now: datetime) -> dict[str, int]:
    """One email per unmailed mention; each one handled is stamped ``emailed_at``."""
    pairs = services.plan_mention_emails(now)
    queued = 0
    for notification, plan in pairs:
        if queue_plan(plan, now) is not None:
            queued += 1
        notification.emailed_at = now
    db.session.flush()
    counts = {"due": len(pairs), "queued": queued, "already_queued": len(pairs) - queued}
    log.info("mention emails: %s", counts)
    return counts


def send_update_reminders(now: datetime) -> dict[str, int]:
    from ..updates.reminders import send_update_reminders as send

    return send(now)


# Every reminder kind, in the order ``quickwin reminders run`` runs them.
ALL = (
    ("milestone reminders", send_milestone_reminders),
    ("stale nudges", send_stale_nudges),
    ("follow-up reminders", send_followup_reminders),
    ("measurement nudges", send_measurement_nudges),
    ("progress update reminders", send_update_reminders),
    ("mention emails", send_mention_emails),
)
