"""Personal access tokens for the API: a person makes, sees and revokes their own; an admin sees
and revokes everyone's. The tokens themselves are in ``services.py``."""

from flask import Blueprint

bp = Blueprint("tokens", __name__)

from . import views  # noqa: E402,F401
