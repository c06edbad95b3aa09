"""Progress updates: the owner's own account of an initiative, on a cadence, set beside what the
data says (issue 14)."""

from flask import Blueprint

bp = Blueprint("updates", __name__)

from . import views  # noqa: E402,F401
