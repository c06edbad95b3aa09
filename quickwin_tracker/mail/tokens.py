"""Signed one-click unsubscribe tokens (no login needed, no expiry, no database row).

A token carries ``[user_id, what]`` where ``what`` is ``"digest"`` or ``"reminders"``, signed with
``SECRET_KEY`` (salt ``"unsubscribe"``); changing ``SECRET_KEY`` invalidates every token.
"""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.routing import BuildError

from ..models import User
from .urls import app_path, base_url

UNSUBSCRIBE_WHAT = ("digest", "reminders")


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="unsubscribe")


def unsubscribe_token(user: User, what: str) -> str:
    if what not in UNSUBSCRIBE_WHAT:
        raise ValueError(f"unsubscribe from {what!r}? expected one of {UNSUBSCRIBE_WHAT}")
    return _serializer().dumps([user.id, what])


def read_unsubscribe_token(token: str) -> tuple[int, str]:
    """``(user_id, what)`` from a token; raises ``itsdangerous.BadSignature`` when it was tampered
    with, signed with another key, or carries anything but ``[int, "digest"|"reminders"]``."""
    payload = _serializer().loads(token)
    if (
        not isinstance(payload, list)
        or len(payload) != 2
        or not isinstance(payload[0], int)
        or isinstance(payload[0], bool)
        or payload[1] not in UNSUBSCRIBE_WHAT
    ):
        raise BadSignature("unexpected unsubscribe token payload")
    return payload[0], payload[1]


def unsubscribe_url(user: User, what: str) -> str:
    """``base_url()`` + the ``preferences.unsubscribe`` route for this user and list."""
    token = unsubscribe_token(user, what)
    try:
        path = app_path("preferences.unsubscribe", token=token)
    except BuildError:  # the preferences blueprint is not registered (some tests)
        path = "/preferences/unsubscribe/" + token
    return base_url() + path
