"""Changing a user's email preferences. The caller commits."""

from __future__ import annotations

import logging

from ..domain.errors import Invalid
from ..extensions import db
from ..models import User
from ..reminders.services import MAX_LEAD_DAYS

log = logging.getLogger(__name__)

TOPICS = ("digest", "reminders")


def update_preferences(user: User, *, digest: bool, reminders: bool, lead_days: int) -> bool:
    """Set all three preferences; return whether anything changed."""
    if not 1 <= lead_days <= MAX_LEAD_DAYS:
        raise Invalid(f"lead time must be 1 to {MAX_LEAD_DAYS} days", "reminder_lead_days")
    before = (user.digest_enabled, user.reminders_enabled, user.reminder_lead_days)
    user.digest_enabled, user.reminders_enabled = bool(digest), bool(reminders)
    user.reminder_lead_days = lead_days
    changed = before != (user.digest_enabled, user.reminders_enabled, user.reminder_lead_days)
    if changed:
        db.session.flush()
        log.info("%s set email preferences: digest=%s reminders=%s lead=%s", user.email,
                 user.digest_enabled, user.reminders_enabled, user.reminder_lead_days)
    return changed


def is_subscribed(user: User, topic: str) -> bool:
    if topic not in TOPICS:
        raise ValueError(topic)
    return user.digest_enabled if topic == "digest" else user.reminders_enabled


def unsubscribe(user: User, topic: str) -> bool:
    """Turn off the digest or the reminders of ``user``; False when already off."""
    if not is_subscribed(user, topic):
        return False
    if topic == "digest":
        user.digest_enabled = False
    else:
        user.reminders_enabled = False
    db.session.flush()
    log.info("%s unsubscribed from %s", user.email, topic)
    return True


def update_channels(user: User, choices: dict[str, str]) -> bool:
    """Set where each kind of message goes (topic → email, telegram or both); return whether
    anything changed. Unknown topics are a programming error; unknown channels are refused
    next to their field."""
    from ..channels.registry import CHOICES, TOPICS

    for topic, choice in choices.items():
        if topic not in TOPICS:
            raise ValueError(topic)
        if choice not in CHOICES:
            raise Invalid("Choose email, Telegram, or both.", f"channel_{topic}")
    current = dict(user.notification_channels or {})
    # Email is the default: only other choices are stored, so saving the defaults stores {}.
    wanted = {topic: choice for topic, choice in {**current, **choices}.items()
              if choice != "email"}
    if wanted == current:
        return False
    user.notification_channels = wanted  # replaced whole: JSON columns do not track mutation
    db.session.flush()
    log.info("user %s set message channels: %s", user.id, wanted)
    return True
