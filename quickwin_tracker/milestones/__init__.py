"""Milestones: the steps of an initiative's plan, edited in place on the initiative page."""

from flask import Blueprint

bp = Blueprint("milestones", __name__)

from . import views  # noqa: E402,F401
