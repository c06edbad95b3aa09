"""Site-wide routes: the home redirect, the health check, language choice, error pages."""

from flask import Blueprint

bp = Blueprint("core", __name__)

from . import views  # noqa: E402,F401
