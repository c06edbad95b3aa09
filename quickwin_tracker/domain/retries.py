"""When a durable queue tries again: the email outbox and the webhook deliveries wait the same way
after a failed attempt (1, 5, 15, 60 and 240 minutes, then every 12 hours)."""

from __future__ import annotations

from datetime import timedelta

# Delay before attempt n+1 after n failed attempts; past the list, every 12 hours.
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(minutes=60),
    timedelta(minutes=240),
)
BACKOFF_LATER = timedelta(hours=12)


def backoff(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed attempt (1-based)."""
    return BACKOFF[attempts - 1] if 1 <= attempts <= len(BACKOFF) else BACKOFF_LATER
