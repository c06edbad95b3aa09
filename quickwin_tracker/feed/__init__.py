"""The city's activity feed: the whole Activity trail, newest first, filterable. Read-only."""

from flask import Blueprint

bp = Blueprint("feed", __name__)

from . import views  # noqa: E402,F401
