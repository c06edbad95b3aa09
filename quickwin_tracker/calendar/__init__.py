"""iCalendar feeds of milestones at secret URLs, for phone and desktop calendars."""

from flask import Blueprint

bp = Blueprint("calendar", __name__)

from . import views  # noqa: E402,F401
