"""Sessions that really end.

Every sign-in stores ``"<user id>:<session token>:<signed-in at>"`` (``User.get_sign_in_id``) in
the session cookie and, with "keep me signed in", in the remember-me cookie; both cookies are
signed with ``SECRET_KEY``. :func:`load_user` accepts such an id only while

- the user exists and is active,
- the token is still the user's ``session_token``: a new token (``services.end_all_sessions``:
  logout, password change or reset, deactivation, an admin's "sign out everywhere") ends every
  session and remember-me cookie of that user at once, copies included;
- the sign-in is younger than ``QUICKWIN_REMEMBER_DAYS`` (``REMEMBER_COOKIE_DURATION``): the
  remember-me cookie has no timestamp of its own, so its absolute lifetime is enforced here,
  for sessions as for remember-me cookies.

Idle timeout: signed-in sessions are permanent, with ``PERMANENT_SESSION_LIFETIME`` =
``QUICKWIN_SESSION_IDLE_MINUTES``. Flask re-signs the cookie on every request (a fresh timestamp)
and refuses one whose timestamp is older than that. The live board's background poll
(``board.version``) does not count as activity (:class:`IdleSessionInterface`), so a board left
open still times out; an htmx request then gets HX-Redirect to the login page. A remember-me
cookie (if the user chose it) signs the user in again after an idle timeout, within its lifetime.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import Flask, current_app, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_login import login_user

from ..api.problems import is_api_request
from ..domain.clock import utcnow
from ..extensions import db, login_manager
from ..models import MAX_ID, User

# Requests a page makes by itself, which keep no one "active".
BACKGROUND_ENDPOINTS = frozenset({"board.version"})
CLOCK_SKEW = timedelta(minutes=5)  # app servers' clocks may differ a little


def remember_lifetime() -> timedelta:
    duration = current_app.config["REMEMBER_COOKIE_DURATION"]
    return duration if isinstance(duration, timedelta) else timedelta(seconds=duration)


def user_for_sign_in_id(sign_in_id: str) -> User | None:
    """The user a session or remember-me id stands for, while it is valid (see above)."""
    raw_id, token, raw_signed_in = (sign_in_id.split(":") + ["", "", ""])[:3]
    try:
        user_id, signed_in = int(raw_id), int(raw_signed_in)
    except ValueError:
        return None
    if not 0 < user_id <= MAX_ID or not token:
        return None
    now = utcnow().timestamp()
    if not -CLOCK_SKEW.total_seconds() <= now - signed_in <= remember_lifetime().total_seconds():
        return None
    user = db.session.get(User, user_id)
    if (user is None or not user.active or not user.session_token
            or not secrets.compare_digest(user.session_token, token)):
        return None
    if not session.permanent:  # the idle timeout applies (also after a remember-me sign-in)
        session.permanent = True
    return user


login_manager.id_attribute = "get_sign_in_id"  # what login_user() stores


@login_manager.user_loader
def load_user(sign_in_id: str) -> User | None:
    return user_for_sign_in_id(sign_in_id)


def sign_in(user: User, remember: bool) -> None:
    """Start a session for ``user`` (and a remember-me cookie when asked)."""
    login_user(user, remember=remember)
    session.permanent = True


def remembered() -> bool:
    """Whether this browser holds a remember-me cookie (kept when the session is renewed)."""
    return bool(request.cookies.get(current_app.config.get("REMEMBER_COOKIE_NAME",
                                                           "remember_token")))


class IdleSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, except that a background request does not renew the
    cookie (and so does not postpone the idle timeout) unless it changed the session, and that
    the API has none: it reads no session cookie and sets none (bearer tokens only, ``api/``)."""

    def open_session(self, app: Flask, request):  # noqa: ANN001 (Flask's signature)
        if is_api_request():
            return self.session_class()  # empty: whoever signed in in this browser is ignored
        return super().open_session(app, request)

    def save_session(self, app: Flask, session, response) -> None:  # noqa: ANN001
        if is_api_request():
            return
        super().save_session(app, session, response)

    def should_set_cookie(self, app: Flask, session) -> bool:  # noqa: ANN001 (Flask's signature)
        if request.endpoint in BACKGROUND_ENDPOINTS:
            return session.modified
        return super().should_set_cookie(app, session)


def init_app(app: Flask) -> None:
    app.session_interface = IdleSessionInterface()
