"""Signing in and out (with a second factor where the account has one), and each user's own
account (password, language, two-step verification)."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from . import factor_views, views  # noqa: E402,F401
