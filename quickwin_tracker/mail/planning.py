"""Planned emails: an email decided but not yet queued, and the two things done with one.

Features that email people on a schedule (``reminders``, ``digests``) decide who gets what from
the data and ``now`` alone and return :class:`PlannedEmail` values, writing nothing. ``queue_plan``
hands a plan to the outbox on the recipient's channels (``channels.registry``);
``render_plan`` shows a plan exactly as the outbox would render it (browser previews, the CLI's
``--dry-run``). Which plans are already in the outbox: ``outbox.already_queued``; links in a plan's
context: ``urls.app_url``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..models import OutboxMessage, User
from .outbox import RenderedEmail, render_email


@dataclass
class PlannedEmail:
    """One email to queue: the arguments of ``outbox.queue_email`` minus ``now``.

    ``unsubscribe`` is the topic its one-click unsubscribe link turns off (``"digest"``,
    ``"reminders"``), or None for no link."""

    kind: str
    dedupe_key: str
    to: User
    subject: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    unsubscribe: str | None = None


def queue_plan(plan: PlannedEmail, now: datetime) -> OutboxMessage | None:
    """Hand ``plan`` to the outbox on its recipient's channels (``channels.registry``: email,
    Telegram or both, as they chose for its kind); the first message queued, or None when
    nothing was (its dedupe keys are already there, or the recipient is inactive or has no
    address). Never commits."""
    from ..channels.registry import queue_planned

    return queue_planned(plan, now)


def render_plan(plan: PlannedEmail) -> RenderedEmail:
    """The email ``plan`` would queue, rendered exactly as the outbox would (previews, dry runs)."""
    return render_email(to=plan.to, template=plan.template, context=plan.context,
                        subject=plan.subject, unsubscribe=plan.unsubscribe)
