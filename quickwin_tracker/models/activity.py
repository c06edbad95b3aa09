"""What happened and who should hear of it: the activity trail, comments and notifications."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..domain.clock import utcnow
from ..extensions import db
from .base import JSONType, UTCDateTime

if TYPE_CHECKING:
    from .initiatives import Initiative
    from .people import User
    from .webhooks import WebhookEndpoint


class Activity(db.Model):
    """The append-only trail. Rows are only ever inserted: the ORM refuses updates and deletes
    (see ``activity.py``) and database triggers refuse them too (migration 0001)."""

    __tablename__ = "activity"
    __table_args__ = (
        sa.Index("ix_activity_initiative_created", "initiative_id", "created_at"),
        # What happened lately, and to which initiative, read from the index alone (the feed, the
        # digests, the summary's stale counts; migration 0017).
        sa.Index("ix_activity_created_initiative", "created_at", "initiative_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int | None] = mapped_column(sa.ForeignKey("initiative.id"))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    verb: Mapped[str] = mapped_column(sa.String(40))
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    initiative: Mapped[Initiative | None] = relationship()
    actor: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<Activity {self.verb} initiative={self.initiative_id}>"


class Comment(db.Model):
    """A comment on an initiative: plain text, editable by its author for a short while."""

    __tablename__ = "comment"
    __table_args__ = (sa.Index("ix_comment_initiative_created", "initiative_id", "created_at"),
                      # What was said lately (the summary's stale counts look back three weeks).
                      sa.Index("ix_comment_created_at", "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(sa.ForeignKey("initiative.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    initiative: Mapped[Initiative] = relationship()
    author: Mapped[User | None] = relationship()


class Notification(db.Model):
    """Something a user should see: for now an @mention in a comment."""

    __tablename__ = "notification"
    __table_args__ = (sa.Index("ix_notification_user_read", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(20))
    initiative_id: Mapped[int | None] = mapped_column(sa.ForeignKey("initiative.id", ondelete="CASCADE"))
    comment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("comment.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the mention email was queued (issue #4), so each mention is mailed once.
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The webhook endpoint a "webhook_disabled" notification is about (issue 15).
    webhook_endpoint_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("webhook_endpoint.id", ondelete="CASCADE"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    initiative: Mapped[Initiative | None] = relationship()
    comment: Mapped[Comment | None] = relationship()
    webhook_endpoint: Mapped[WebhookEndpoint | None] = relationship()
