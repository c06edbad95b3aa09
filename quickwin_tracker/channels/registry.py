"""The channel registry: one interface, one entry per channel, and the routing of plans.

A channel says whether the deployment has it (``enabled``), whether a person can receive on it
(``can_receive``), renders a plan in its own form (``render``) and queues it in the outbox
(``queue``). ``channels_for(user, kind)`` reads the person's choice for the topic of ``kind``
(``TOPIC_OF``); kinds outside the five topics (password resets, nudges…) stay email. A choice that
cannot be honoured (Telegram off, not linked, or unlinked after the bot was blocked) falls back to
email, so nothing is lost silently.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Protocol

from flask import current_app
from flask_babel import lazy_gettext as _l

from ..mail.outbox import queue_email
from ..mail.planning import PlannedEmail
from ..models import OutboxMessage, User

log = logging.getLogger(__name__)

EMAIL, TELEGRAM, BOTH = "email", "telegram", "both"

# The kinds a person routes, each with the outbox kinds it covers, in the settings page's order.
TOPICS: dict[str, tuple[str, ...]] = {
    "digest": ("digest",),
    "milestones": ("reminder",),
    "updates": ("update_due", "update_missed"),
    "mentions": ("mention",),
    "reviews": ("review_decision",),
}
TOPIC_LABELS = {
    "digest": _l("Weekly digest"),
    "milestones": _l("Milestone reminders"),
    "updates": _l("Progress update reminders"),
    "mentions": _l("Mentions in comments"),
    "reviews": _l("Review decisions on your initiatives"),
}
TOPIC_OF = {kind: topic for topic, kinds in TOPICS.items() for kind in kinds}
CHOICES = (EMAIL, TELEGRAM, BOTH)
CHOICE_LABELS = {EMAIL: _l("Email"), TELEGRAM: _l("Telegram"), BOTH: _l("Email and Telegram")}


class Channel(Protocol):
    name: str

    def enabled(self) -> bool:
        """This deployment can send on the channel (configured)."""

    def can_receive(self, user: User) -> bool:
        """``user`` can be reached on it now (an address, a linked chat…)."""

    def render(self, plan: PlannedEmail) -> str:
        """The plan in the channel's form, in the recipient's language (previews, tests)."""

    def queue(self, plan: PlannedEmail, now: datetime) -> OutboxMessage | None:
        """Queue the plan in the outbox under this channel's dedupe key; None when already
        queued or not deliverable. Never commits."""


class EmailChannel:
    name = EMAIL

    def enabled(self) -> bool:
        return True  # queued even without SMTP: the outbox keeps it until SMTP is configured

    def can_receive(self, user: User) -> bool:
        return bool(user.active and user.email)

    def render(self, plan: PlannedEmail) -> str:
        from ..mail.planning import render_plan

        return render_plan(plan).text

    def queue(self, plan: PlannedEmail, now: datetime) -> OutboxMessage | None:
        return queue_email(kind=plan.kind, dedupe_key=plan.dedupe_key, to=plan.to,
                           subject=plan.subject, template=plan.template, context=plan.context,
                           now=now, unsubscribe=plan.unsubscribe)


def _telegram():
    from .telegram import TelegramChannel

    return TelegramChannel()


CHANNELS: dict[str, Channel] = {EMAIL: EmailChannel(), TELEGRAM: _telegram()}


def telegram_enabled() -> bool:
    return bool(current_app.config.get("TELEGRAM_BOT_TOKEN"))


def choice_of(user: User, topic: str) -> str:
    """What ``user`` chose for ``topic``: email, telegram or both (email when unset)."""
    choice = (user.notification_channels or {}).get(topic, EMAIL)
    return choice if choice in CHOICES else EMAIL


def channels_for(user: User, kind: str) -> list[Channel]:
    """The channels a message of ``kind`` for ``user`` goes to (at least email)."""
    topic = TOPIC_OF.get(kind)
    if topic is None:
        return [CHANNELS[EMAIL]]
    choice = choice_of(user, topic)
    wanted = [EMAIL, TELEGRAM] if choice == BOTH else [choice]
    usable = [CHANNELS[name] for name in wanted
              if CHANNELS[name].enabled() and CHANNELS[name].can_receive(user)]
    if not usable:
        if choice != EMAIL:
            log.info("%s chose %s for %s but cannot receive there: email instead", user.id,
                     choice, topic)
        return [CHANNELS[EMAIL]]
    return usable


def dedupe_keys(user: User, kind: str, key: str) -> list[str]:
    """The outbox dedupe keys a message of ``kind`` with email key ``key`` gets for ``user``:
    ``key`` itself by email, ``<channel>:<key>`` on another channel."""
    return [key if channel.name == EMAIL else f"{channel.name}:{key}"
            for channel in channels_for(user, kind)]


def queue_planned(plan: PlannedEmail, now: datetime) -> OutboxMessage | None:
    """Queue ``plan`` on each of its recipient's channels; the first message queued, or None
    when every channel already had it (or could not take it). Never commits."""
    first = None
    for channel in channels_for(plan.to, plan.kind):
        message = channel.queue(plan, now)
        if first is None and message is not None:
            first = message
    return first
