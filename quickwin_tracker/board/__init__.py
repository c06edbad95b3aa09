"""The Kanban board: stages as columns, the six Smart City dimensions as swim lanes."""

from flask import Blueprint

bp = Blueprint("board", __name__)

from . import personal, views  # noqa: E402,F401
