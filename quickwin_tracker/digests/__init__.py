"""Weekly email digests: what managers (their unit) and reviewers (the city) read on Monday
morning, a browser preview (``/digests/preview``) and ``quickwin digest send``."""

from flask import Blueprint

bp = Blueprint("digests", __name__)

from . import views  # noqa: E402,F401
