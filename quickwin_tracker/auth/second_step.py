"""The step between a correct password and a sign-in, for accounts with a second factor.

After the password, :func:`begin` keeps in the (signed) session cookie who typed it, when, where
to go next and whether to keep them signed in; nobody is signed in yet (Flask-Login knows
nothing of it), so every page but the second step's answers as to a visitor. The state is
``"code"`` (type a code from the app, or a recovery code) or ``"enrol"`` (the role requires a
second factor the account lacks: set one up now).

It ends after ``QUICKWIN_TOTP_PENDING_MINUTES``, with a new password or "sign out everywhere"
(it carries the user's session token, as a sign-in does), and when :func:`finish` turns it into
a sign-in, the only place where "keep me signed in" is applied.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask import current_app, session

from ..domain.clock import utcnow
from ..extensions import db
from ..models import MAX_ID, User
from .sessions import sign_in

KEY = "_second_step"
ENROL_SECRET = "_totp_enrol"  # the secret being set up, until a first code confirms it
CODE, ENROL = "code", "enrol"


@dataclass(frozen=True)
class Pending:
    user: User
    stage: str
    remember: bool
    next: str


def begin(user: User, *, stage: str, remember: bool, next_url: str) -> None:
    session.pop(ENROL_SECRET, None)
    session[KEY] = {"user": user.get_id(), "at": int(utcnow().timestamp()), "stage": stage,
                    "remember": bool(remember), "next": next_url or ""}


def clear() -> None:
    session.pop(KEY, None)
    session.pop(ENROL_SECRET, None)


def pending(stage: str) -> Pending | None:
    """The half-signed-in state at ``stage``, while it is valid (else None, and forgotten)."""
    state = session.get(KEY)
    if not isinstance(state, dict) or state.get("stage") != stage:
        return None
    raw_id, _sep, token = str(state.get("user", "")).partition(":")
    started = state.get("at")
    limit = current_app.config["TOTP_PENDING_MINUTES"] * 60
    try:
        user_id = int(raw_id)
    except ValueError:
        user_id = 0
    if (not 0 < user_id <= MAX_ID or not token or not isinstance(started, int)
            or not 0 <= utcnow().timestamp() - started <= limit):
        clear()
        return None
    user = db.session.get(User, user_id)
    if (user is None or not user.active or not user.session_token
            or not secrets.compare_digest(user.session_token, token)):
        clear()
        return None
    return Pending(user=user, stage=stage, remember=bool(state.get("remember")),
                   next=str(state.get("next") or ""))


def enrol_secret(user: User, make) -> str:
    """The secret being set up by ``user`` in this browser (the same one after a reload or a wrong
    code, so an app already set up with it keeps working), or a new one from ``make()``."""
    kept = session.get(ENROL_SECRET)
    if isinstance(kept, dict) and kept.get("user") == user.id and isinstance(kept.get("secret"), str):
        return kept["secret"]
    secret = make()
    session[ENROL_SECRET] = {"user": user.id, "secret": secret}
    return secret


def forget_enrol_secret() -> None:
    session.pop(ENROL_SECRET, None)


def finish(state: Pending) -> None:
    """Sign the user in (with "keep me signed in" if they asked for it at the password)."""
    clear()
    sign_in(state.user, remember=state.remember)
