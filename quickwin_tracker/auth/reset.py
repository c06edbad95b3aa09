"""Password reset by email: signed, expiring, single-use links.

The token carries ``[user_id, password_fingerprint]`` signed with ``SECRET_KEY`` (salt
``"password-reset"``) and a timestamp; it expires after ``PASSWORD_RESET_HOURS`` and stops
working as soon as the password changes (the fingerprint no longer matches), which also makes it
single-use. The email goes through the outbox like every other (``queue_email``): the request
only queues it, and the scheduler's outbox sweep (every ``QUICKWIN_OUTBOX_INTERVAL_SECONDS``)
delivers it; no SMTP connection is ever opened inside a request.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer

from ..extensions import db
from ..mail.outbox import queue_email
from ..mail.urls import app_url
from ..models import OutboxMessage, User

SALT = "password-reset"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def reset_token(user: User) -> str:
    return _serializer().dumps([user.id, user.password_fingerprint])


def user_for_token(token: str) -> User | None:
    """The active user a valid, unexpired, unused token was made for; else None."""
    max_age = current_app.config["PASSWORD_RESET_HOURS"] * 3600
    try:
        payload = _serializer().loads(token, max_age=max_age)
    except BadSignature:  # also SignatureExpired
        return None
    if (not isinstance(payload, list) or len(payload) != 2 or not isinstance(payload[0], int)
            or isinstance(payload[0], bool) or not isinstance(payload[1], str)):
        return None
    user = db.session.get(User, payload[0])
    if user is None or not user.active or not secrets.compare_digest(
            user.password_fingerprint, payload[1]):
        return None
    return user


def queue_reset_email(user: User, now: datetime | None = None) -> OutboxMessage | None:
    """Queue the reset link for ``user`` (in the caller's transaction). The nonce in the dedupe
    key lets a user ask again."""
    with force_locale(user.locale):
        subject = _("Reset your Quick-Win Tracker password")
    return queue_email(
        kind="password_reset",
        dedupe_key=f"password_reset:{user.id}:{secrets.token_hex(8)}",
        to=user,
        subject=subject,
        template="password_reset",
        context={
            "reset_url": app_url("auth.reset_password", token=reset_token(user)),
            "hours": current_app.config["PASSWORD_RESET_HOURS"],
        },
        now=now,
    )
