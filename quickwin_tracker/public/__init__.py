"""The public outcome page ("dampak nyata bagi warga"): rolled-out quick wins and their verified
outcomes, for citizens. Off unless ``QUICKWIN_PUBLIC_PAGE=1``; no people's names, no comments."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from . import views  # noqa: E402,F401
