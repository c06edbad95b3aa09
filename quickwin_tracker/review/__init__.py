"""The Sekda's review: the city-wide summary with trends (and, later, review cycles)."""

from flask import Blueprint

bp = Blueprint("review", __name__)

from . import cycle_views, views  # noqa: E402,F401
