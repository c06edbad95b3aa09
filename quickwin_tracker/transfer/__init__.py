"""Files to hand on and to bring in: XLSX/CSV exports of the board, the initiative import."""

from flask import Blueprint

bp = Blueprint("transfer", __name__)

from . import views  # noqa: E402,F401
