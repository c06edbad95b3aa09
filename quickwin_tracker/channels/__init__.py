"""Notification channels (issue 16 item 4): where each kind of message goes.

Every person chooses, per kind (weekly digest, milestone reminders, progress update reminders,
mentions, review decisions), email, Telegram or both (``User.notification_channels``). The
features keep planning emails (``mail.planning.PlannedEmail``); ``mail.planning.queue_plan`` hands
each plan to ``registry.queue_planned``, which queues it on the person's channels. Every channel
queues into the one durable outbox (``OutboxMessage.channel``), with a dedupe key per channel and
the outbox's retries; ``telegram`` also links chats (deep links, ``/start <token>``) and reads the
bot's updates (polling job or webhook route). A new channel (WhatsApp Business, docs/telegram.md)
is one more class in ``registry.CHANNELS``.
"""

from flask import Blueprint

bp = Blueprint("channels", __name__)

from . import views  # noqa: E402,F401
