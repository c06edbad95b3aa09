"""Initiatives: create, edit, archive and read one quick win."""

from flask import Blueprint

bp = Blueprint("initiatives", __name__)

from . import views  # noqa: E402,F401
