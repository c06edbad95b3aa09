"""Notification operations. The caller commits.

Email seam (issue #4): :func:`notify_mention` is the one place a mention notification is made, in
the same transaction as the comment, with ``emailed_at`` left empty. Mention emails are not sent
from here: a scheduled sweep picks up unread notifications whose ``emailed_at`` is empty, queues
one email each through the outbox and stamps ``emailed_at``
(``reminders.jobs.send_mention_emails``), so a mention is mailed at most once and never before
the comment was committed.
"""

from __future__ import annotations

import logging
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..domain.clock import utcnow
from ..extensions import db
from ..models import Comment, Notification, User

log = logging.getLogger(__name__)

MENTION = "mention"
PER_PAGE = 25


def notify_mention(user: User, comment: Comment, actor: User | None,
                   now: datetime | None = None) -> Notification:
    """Tell ``user`` that ``actor`` mentioned them in ``comment`` (adds the row; no flush)."""
    notification = Notification(
        user=user, kind=MENTION, initiative_id=comment.initiative_id, comment=comment,
        actor=actor, created_at=now or utcnow(),
    )
    db.session.add(notification)
    log.info("notify %s: mentioned in comment %s", user.email, comment.id)
    return notification


def unread_count(user: User) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
    ) or 0


def for_user(user: User, page: int, per_page: int = PER_PAGE):
    """The user's notifications, newest first, with actor, initiative and comment (one query per
    page plus the count)."""
    stmt = (
        sa.select(Notification)
        .where(Notification.user_id == user.id)
        .options(
            joinedload(Notification.actor),
            joinedload(Notification.initiative),
            joinedload(Notification.comment),
        )
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def own_notification(user: User, notification_id: int) -> Notification | None:
    """The notification if it is ``user``'s; someone else's is as good as missing."""
    return db.session.scalar(
        sa.select(Notification).where(
            Notification.id == notification_id, Notification.user_id == user.id
        )
    )


def mark_read(user: User, notification: Notification, now: datetime | None = None) -> bool:
    """Mark one notification read; False when it already was."""
    if notification.user_id != user.id:
        raise LookupError("not this user's notification")
    if notification.read_at is not None:
        return False
    notification.read_at = now or utcnow()
    db.session.flush()
    return True


def mark_all_read(user: User, now: datetime | None = None) -> int:
    """Mark every unread notification of ``user`` read; return how many."""
    result = db.session.execute(
        sa.update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=now or utcnow())
    )
    return result.rowcount or 0
