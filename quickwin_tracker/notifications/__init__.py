"""Notifications: what a signed-in user should see (for now: @mentions in comments), with an
unread count in the header."""

from flask import Blueprint

bp = Blueprint("notifications", __name__)

from . import views  # noqa: E402,F401
