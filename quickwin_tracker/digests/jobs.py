"""The scheduler's weekly digest job. Queues through the outbox (``mail.planning.queue_plan``),
never commits (the scheduler commits once); the dedupe key ``digest:<user>:<ISO week>`` makes a
rerun queue nothing."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from ..channels.registry import dedupe_keys
from ..mail.outbox import already_queued
from ..mail.planning import queue_plan
from ..models import User
from .emails import dedupe_key, plan_digest, recipients
from .weeks import DigestWeek, current_week

log = logging.getLogger(__name__)


def queue_digests(week: DigestWeek, now: datetime,
                  users: Sequence[User] | None = None) -> dict[str, int]:
    """Queue ``week``'s digest for ``users`` (default: every recipient). Digests already in the
    outbox are not built again."""
    people = list(users) if users is not None else recipients()
    keys = {u.id: dedupe_keys(u, "digest", dedupe_key(u, week)) for u in people}
    existing = already_queued(k for wanted in keys.values() for k in wanted)
    queued = 0
    for user in people:
        if all(k in existing for k in keys[user.id]):  # on every channel the person chose
            continue
        if queue_plan(plan_digest(user, week, now), now) is not None:
            queued += 1
    counts = {"recipients": len(people), "queued": queued,
              "already_queued": len(people) - queued}
    log.info("weekly digests %s: %s", week.label, counts)
    return counts


def send_weekly_digests(now: datetime) -> dict[str, int]:
    """Every recipient's digest of the ISO week of ``now``'s local date."""
    return queue_digests(current_week(now), now)
