"""The Sekda's review: the city-wide summary with trends (``services``, ``charts``, ``views``),
reporting periods (``periods``) and review cycles with their agenda and decisions (``cycle``,
``cycle_views``, ``forms``)."""

from flask import Blueprint

bp = Blueprint("review", __name__)

from . import cycle_views, pack_views, views  # noqa: E402,F401
