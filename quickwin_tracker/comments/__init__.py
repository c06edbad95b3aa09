"""Comments on an initiative: plain text with links and @mentions, editable by the author for a
short while."""

from flask import Blueprint

bp = Blueprint("comments", __name__)

from . import views  # noqa: E402,F401
