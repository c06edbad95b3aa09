"""Personal access tokens: issue, authenticate, revoke (issue 15).

A token's secret is ``qwt_`` and 40 random URL-safe characters; the database keeps its SHA-256
(a secret this long needs no slow hash: there is nothing to guess from the hash) and its first 12
characters, to tell tokens apart. ``authenticate`` is the one door for a bearer secret: it
refuses a malformed, unknown, revoked or expired token and one whose owner is inactive, counts
the request against the token's rate limit (``API_RATE_LIMIT`` requests a minute, one atomic
statement, so every worker counts in the same row) and keeps its last use. That bookkeeping is
committed at once, before the request's own action: a request that then fails still counts.

Nothing else here commits: the views do (one transaction per user action).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from ..domain.clock import local_midnight_utc, utcnow
from ..domain.errors import Invalid
from ..extensions import db
from ..mail.outbox import queue_email
from ..mail.urls import app_url
from ..models import AccessToken, TokenScope, User, token_scope_label

SECRET_PREFIX = "qwt_"
SECRET_LENGTH = len(SECRET_PREFIX) + 40
SHOWN_PREFIX = 12  # characters of the secret kept to tell tokens apart
RATE_WINDOW = timedelta(minutes=1)
NAME_MAX = 80

REFUSALS = {
    "malformed": _l("The access token is not in the right form: it starts with \"qwt_\"."),
    "unknown": _l("This access token is not known. Check that it was copied whole."),
    "revoked": _l("This access token has been revoked."),
    "expired": _l("This access token has expired. Make a new one on your account page."),
    "inactive_user": _l("The account this access token belongs to is not active."),
    "throttled": _l("Too many requests with this access token. Try again in %(seconds)d seconds."),
}


class TokenRefused(Exception):
    """A bearer secret that opens nothing; ``reason`` says why (a key of ``REFUSALS``)."""

    def __init__(self, reason: str, retry_after: int | None = None):
        self.reason = reason
        self.retry_after = retry_after
        message = REFUSALS[reason]
        super().__init__(str(message % {"seconds": retry_after or 0}) if retry_after is not None
                         else str(message))


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def expiry_moment(expires_on: date | None) -> datetime | None:
    """A token made to expire "on" a day works through that day in the city and ends at the
    next local midnight."""
    return None if expires_on is None else local_midnight_utc(expires_on + timedelta(days=1))


def issue(user: User, name: str, scope: str, expires_on: date | None,
          now: datetime | None = None) -> tuple[AccessToken, str]:
    """A new token for ``user`` (added to the session; the caller commits) and its secret, which
    is never stored and must be shown to its owner now."""
    name = (name or "").strip()
    if not name:
        raise Invalid(_l("Give the token a name, such as the program that will use it."),
                      field="name")
    if len(name) > NAME_MAX:
        raise Invalid(_l("A token's name has at most %(num)d characters.", num=NAME_MAX),
                      field="name")
    if scope not in (TokenScope.READ, TokenScope.WRITE):
        raise Invalid(_l("Choose read only, or read and write."), field="scope")
    now = now or utcnow()
    expires_at = expiry_moment(expires_on)
    if expires_at is not None and expires_at <= now:
        raise Invalid(_l("The expiry date has already passed."), field="expires_on")
    secret = SECRET_PREFIX + secrets.token_urlsafe(30)
    token = AccessToken(user=user, name=name, scope=str(scope), prefix=secret[:SHOWN_PREFIX],
                        token_hash=hash_secret(secret), created_at=now, expires_at=expires_at)
    db.session.add(token)
    db.session.flush()
    _tell_owner(token)
    return token, secret


def _tell_owner(token: AccessToken) -> None:
    """Email the owner that a token was made on their account (as a bank says a card was
    issued): a token made by someone who took over a session is then seen and revoked."""
    user = token.user
    with force_locale(user.locale):
        subject = _("A new access token was made on your Quick-Win Tracker account")
        scope = token_scope_label(token.scope)
    queue_email(
        kind="token_created",
        dedupe_key=f"token_created:{token.id}",
        to=user,
        subject=subject,
        template="token_created",
        context={"token": token, "scope": scope,
                 "tokens_url": app_url("tokens.index")},
        now=token.created_at,
    )


def authenticate(secret: str, remote_addr: str | None, now: datetime | None = None) -> AccessToken:
    """The token a bearer ``secret`` opens, its use counted and kept (committed here), or
    :class:`TokenRefused`."""
    secret = (secret or "").strip()
    if not secret.startswith(SECRET_PREFIX) or len(secret) != SECRET_LENGTH:
        raise TokenRefused("malformed")
    now = now or utcnow()
    digest = hash_secret(secret)
    token = db.session.scalar(sa.select(AccessToken).where(AccessToken.token_hash == digest))
    # (The lookup is by an index on the hash; the comparison below is constant-time anyway.)
    if token is None or not hmac.compare_digest(token.token_hash, digest):
        raise TokenRefused("unknown")
    if token.revoked_at is not None:
        raise TokenRefused("revoked")
    if token.expires_at is not None and token.expires_at <= now:
        raise TokenRefused("expired")
    if not token.user.active:
        raise TokenRefused("inactive_user")
    count, started = _count_use(token, remote_addr, now)
    db.session.commit()
    limit = current_app.config["API_RATE_LIMIT"]
    if count > limit:
        retry_after = max(1, math.ceil((started + RATE_WINDOW - now).total_seconds()))
        raise TokenRefused("throttled", retry_after=retry_after)
    return token


def _count_use(token: AccessToken, remote_addr: str | None, now: datetime) -> tuple[int, datetime]:
    """Count one request in the token's current minute (a new minute starts at the first request
    after the last one ended) and keep its last use: one atomic UPDATE … RETURNING."""
    window_open = sa.and_(AccessToken.window_started_at.is_not(None),
                          AccessToken.window_started_at > now - RATE_WINDOW)
    row = db.session.execute(
        sa.update(AccessToken)
        .where(AccessToken.id == token.id)
        .values(
            window_count=sa.case((window_open, AccessToken.window_count + 1), else_=1),
            window_started_at=sa.case((window_open, AccessToken.window_started_at), else_=now),
            last_used_at=now,
            last_used_from=(remote_addr or "")[:45] or None,
        )
        .returning(AccessToken.window_count, AccessToken.window_started_at)
        .execution_options(synchronize_session=False)
    ).one()
    db.session.refresh(token, ["window_count", "window_started_at", "last_used_at",
                               "last_used_from"])
    return row.window_count, row.window_started_at


def revoke(token: AccessToken, by_user: User, now: datetime | None = None) -> None:
    """End ``token`` now (revoking a revoked token changes nothing); the caller commits."""
    if token.revoked_at is None:
        token.revoked_at = now or utcnow()
        token.revoked_by = by_user


def tokens_of(user: User) -> list[AccessToken]:
    """``user``'s tokens, the newest first (revoked and expired ones too: their history)."""
    return list(db.session.scalars(
        sa.select(AccessToken).where(AccessToken.user_id == user.id)
        .order_by(AccessToken.created_at.desc(), AccessToken.id.desc())))


def all_tokens() -> list[AccessToken]:
    """Every token of every user (for admins), the newest first, with their owners loaded."""
    return list(db.session.scalars(
        sa.select(AccessToken).options(joinedload(AccessToken.user))
        .order_by(AccessToken.created_at.desc(), AccessToken.id.desc())))
