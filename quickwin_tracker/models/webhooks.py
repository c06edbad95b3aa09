"""Signed webhooks (issue 15): the endpoints admins register and the durable queue of deliveries.

A ``WebhookDelivery`` is written in the same transaction as the change it reports (the activity
listener in ``webhooks/events.py``), so a rolled-back action sends nothing, and it carries the
exact JSON body to send and the ``event_id`` sent as ``webhook-id``: retries and "send again"
send the same bytes with the same id, so receivers drop duplicates.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..domain.clock import utcnow
from ..extensions import db
from .base import JSONType, UTCDateTime

if TYPE_CHECKING:
    from .people import User


class DeliveryStatus(enum.StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"  # gave up after WEBHOOK_MAX_ATTEMPTS; "send again" queues it anew


class WebhookEndpoint(db.Model):
    """A receiver of signed events. ``secret`` (``whsec_`` + base64) signs every payload; it is
    kept as is, because signing needs it. ``failing_since`` is the first failure after the last
    success: an endpoint failing for ``WEBHOOK_DISABLE_AFTER_DAYS`` is disabled
    (``disabled_at``) and its owner told once."""

    __tablename__ = "webhook_endpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(sa.String(2000))
    description: Mapped[str] = mapped_column(sa.String(200), default="")
    secret: Mapped[str] = mapped_column(sa.String(100))
    event_types: Mapped[list[str]] = mapped_column(JSONType, default=list)
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    # Loopback, private and link-local addresses only when this is set (and the deployment's
    # QUICKWIN_WEBHOOK_ALLOW_PRIVATE lets admins set it at all).
    allow_private: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"),
                                                 index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    secret_rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # "failing" (disabled by the delivery job) or "admin" (an administrator turned it off).
    disabled_reason: Mapped[str] = mapped_column(sa.String(20), default="", server_default="")

    owner: Mapped[User | None] = relationship()

    def wants(self, event_type: str) -> bool:
        return event_type in (self.event_types or ())

    def __repr__(self) -> str:
        return f"<WebhookEndpoint {self.id} {self.url}>"


class WebhookDelivery(db.Model):
    """One event for one endpoint: queued, then sent or (after many attempts) failed.

    Deliveries of one initiative to one endpoint go out in ``id`` order: a later one waits while
    an earlier one is queued (``webhooks/delivery.py``). ``dedupe_key`` makes an event that the
    scheduler finds (``milestone.overdue``) happen once per endpoint."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        sa.CheckConstraint("status IN ('queued', 'sent', 'failed')", name="status_valid"),
        sa.UniqueConstraint("endpoint_id", "event_id", name="uq_webhook_delivery_endpoint_event"),
        sa.UniqueConstraint("endpoint_id", "dedupe_key", name="uq_webhook_delivery_endpoint_dedupe"),
        sa.Index("ix_webhook_delivery_due", "status", "next_attempt_at"),
        # The ordering rule's lookup: the earlier queued ones of an (endpoint, initiative).
        sa.Index("ix_webhook_delivery_order", "endpoint_id", "initiative_id", "status", "id"),
        sa.Index("ix_webhook_delivery_log", "endpoint_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(
        sa.ForeignKey("webhook_endpoint.id", ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(sa.String(64))  # the webhook-id header: msg_<hex>
    event_type: Mapped[str] = mapped_column(sa.String(40))
    # Not a foreign key: the log outlives what it reports on.
    initiative_id: Mapped[int | None]
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(200))
    payload: Mapped[str] = mapped_column(sa.Text)  # the exact JSON body, signed at each attempt
    status: Mapped[str] = mapped_column(sa.String(10), default=DeliveryStatus.QUEUED.value)
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    response_code: Mapped[int | None]
    last_error: Mapped[str] = mapped_column(sa.Text, default="")

    endpoint: Mapped[WebhookEndpoint] = relationship()

    def __repr__(self) -> str:
        return f"<WebhookDelivery {self.id} {self.event_type} {self.status}>"
