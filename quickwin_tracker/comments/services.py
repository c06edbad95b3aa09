"""Comment operations. Each checks permission, validates, notifies mentioned people, records one
Activity and flushes; the caller commits."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from ..domain import activity
from ..domain.clock import utcnow
from ..domain.errors import Forbidden, Invalid
from ..domain.permissions import can_comment, can_edit_comment
from ..extensions import db
from ..models import Activity, Comment, Initiative, Notification, User
from ..notifications.services import MENTION, notify_mention
from .text import mentioned_handles

log = logging.getLogger(__name__)

MAX_BODY = 5000
MAX_MENTIONS = 50  # distinct handles looked up per comment; more is not a conversation


def _clean_body(body: str | None) -> str:
    text = (body or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise Invalid(_l("Write something first."), "body")
    if len(text) > MAX_BODY:
        raise Invalid(
            _l("A comment can be at most %(max)d characters long (this one has %(num)d).",
               max=MAX_BODY, num=len(text)),
            "body",
        )
    return text


def _like_literal(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def resolve_mentions(handles: list[str]) -> dict[str, User]:
    """``{handle: user}`` for handles that name exactly one active user (by email local part,
    case-insensitively). Ambiguous and unknown handles are left out. One query."""
    handles = handles[:MAX_MENTIONS]
    if not handles:
        return {}
    candidates = db.session.scalars(
        sa.select(User).where(
            User.active.is_(True),
            # Emails are stored lower-cased (see ``User``), handles are lower-cased too.
            sa.or_(*(User.email.like(_like_literal(h) + "@%", escape="\\") for h in handles)),
        )
    )
    by_handle: dict[str, list[User]] = defaultdict(list)
    for user in candidates:
        by_handle[user.email.split("@", 1)[0].lower()].append(user)
    return {h: by_handle[h][0] for h in handles if len(by_handle.get(h, ())) == 1}


def _already_notified(comment: Comment) -> set[int]:
    return set(
        db.session.scalars(
            sa.select(Notification.user_id).where(
                Notification.comment_id == comment.id, Notification.kind == MENTION
            )
        )
    )


def _notify(actor: User, comment: Comment, now: datetime, already: set[int]) -> list[Notification]:
    """Notify the people ``comment`` mentions, except its author and those in ``already``: once
    per person per comment, however often the comment is edited."""
    already = set(already)
    created = []
    for user in resolve_mentions(mentioned_handles(comment.body)).values():
        if user.id == actor.id or user.id in already:
            continue
        already.add(user.id)
        created.append(notify_mention(user, comment, actor, now=now))
    return created


def add_comment(actor: User, initiative: Initiative, body: str | None,
                now: datetime | None = None) -> Comment:
    now = now or utcnow()
    decision = can_comment(actor)
    if not decision:
        raise Forbidden(decision.reason)
    text = _clean_body(body)
    comment = Comment(initiative=initiative, author=actor, body=text, created_at=now)
    db.session.add(comment)
    db.session.flush()
    notified = _notify(actor, comment, now, already=set())
    activity.record(actor, "commented", initiative, now=now, comment_id=comment.id)
    db.session.flush()
    log.info("%s commented on initiative %s (comment %s, %d mentioned)", actor.email,
             initiative.id, comment.id, len(notified))
    return comment


def edit_comment(actor: User, comment: Comment, body: str | None,
                 now: datetime | None = None) -> bool:
    """Change the body; return False (and record nothing) when it did not change."""
    now = now or utcnow()
    decision = can_edit_comment(actor, comment, now)
    if not decision:
        raise Forbidden(decision.reason)
    text = _clean_body(body)
    if text == comment.body.strip():  # (as the form shows it, once cleaned)
        return False
    comment.body = text
    comment.edited_at = now
    db.session.flush()
    notified = _notify(actor, comment, now, already=_already_notified(comment))
    activity.record(actor, "comment_edited", comment.initiative, now=now, comment_id=comment.id)
    db.session.flush()
    log.info("%s edited comment %s (%d newly mentioned)", actor.email, comment.id, len(notified))
    return True


def list_comments(initiative: Initiative) -> list[Comment]:
    """The initiative's comments, oldest first, with their authors (one query)."""
    return list(
        db.session.scalars(
            sa.select(Comment)
            .where(Comment.initiative_id == initiative.id)
            .options(joinedload(Comment.author))
            .order_by(Comment.created_at, Comment.id)
        )
    )


# --------------------------------------------------------------------------- the trail


@activity.describer("commented")
def _commented(entry: Activity) -> str:
    return _("commented")


@activity.describer("comment_edited")
def _comment_edited(entry: Activity) -> str:
    return _("edited a comment")
