"""The mail outbox and the scheduler's bookkeeping (job runs, the SQLite leadership lease)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..domain.clock import utcnow
from ..extensions import db
from .base import JSONType, UTCDateTime

if TYPE_CHECKING:
    from .people import User


class OutboxStatus(enum.StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"


class OutboxMessage(db.Model):
    """Every email or Telegram message, stored first in the transaction that decided to send it,
    then delivered by the outbox job. ``dedupe_key`` (e.g. ``digest:<user>:<ISO week>``) is
    unique, so the same digest or reminder can never be queued twice."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        sa.CheckConstraint("status IN ('queued', 'sent', 'failed')", name="status_valid"),
        sa.Index("ix_outbox_message_due", "status", "next_attempt_at"),
        sa.CheckConstraint("channel IN ('email', 'telegram')", name="channel_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(30))
    # How it is delivered (``channels``): "email" (``to_address`` is the address, ``subject``,
    # ``text_body`` and ``html_body`` the email) or "telegram" (``to_address`` is the chat id,
    # ``text_body`` the message in Telegram's HTML, ``subject`` a one-line summary for the admin
    # page). The dedupe keys of other channels than email start with the channel's name.
    channel: Mapped[str] = mapped_column(sa.String(10), default="email", server_default="email")
    dedupe_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    to_address: Mapped[str] = mapped_column(sa.String(254))
    to_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    subject: Mapped[str] = mapped_column(sa.String(300))
    text_body: Mapped[str] = mapped_column(sa.Text)
    html_body: Mapped[str] = mapped_column(sa.Text, default="")
    headers: Mapped[dict[str, str]] = mapped_column(JSONType, default=dict)
    status: Mapped[str] = mapped_column(sa.String(10), default=OutboxStatus.QUEUED.value)
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    to_user: Mapped[User | None] = relationship()


class JobRun(db.Model):
    """One row per scheduled job per slot (e.g. ``weekly_digest`` / ``2026-W48``): a job whose
    slot already has a row does not run again, which makes catch-up after downtime idempotent."""

    __tablename__ = "job_run"
    __table_args__ = (sa.UniqueConstraint("job", "slot", name="job_slot"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(sa.String(50))
    slot: Mapped[str] = mapped_column(sa.String(50))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)


class SchedulerLease(db.Model):
    """The scheduler's leadership lease where no advisory lock exists (SQLite): one row per
    lock name, held by the process that renews it before ``expires_at``."""

    __tablename__ = "scheduler_lease"

    name: Mapped[str] = mapped_column(sa.String(50), primary_key=True)
    holder: Mapped[str] = mapped_column(sa.String(200))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TelegramLinkToken(db.Model):
    """A one-time token of the deep link ``t.me/<bot>?start=<token>`` that links a user's
    Telegram chat (``channels.telegram``): only its SHA-256 is stored; it expires soon and is
    used once."""

    __tablename__ = "telegram_link_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"),
                                         index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class TelegramUpdate(db.Model):
    """Every bot update handled (from ``getUpdates`` or the webhook), by Telegram's update id:
    an update is handled once however often it arrives, and the next ``getUpdates`` offset is
    the highest id plus one."""

    __tablename__ = "telegram_update"

    update_id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    outcome: Mapped[str] = mapped_column(sa.String(20), default="")
