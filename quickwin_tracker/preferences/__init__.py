"""Each user's email preferences (weekly digest, reminders, reminder lead time) and the one-click
unsubscribe links every email carries (signed tokens, no sign-in needed)."""

from flask import Blueprint

bp = Blueprint("preferences", __name__)

from . import views  # noqa: E402,F401
