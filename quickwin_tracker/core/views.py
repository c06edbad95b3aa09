"""Site-wide routes: the home redirect, the health check and the language of visitors who are
not signed in."""

from __future__ import annotations

from flask import jsonify, redirect, request, session, url_for
from flask_login import current_user

from ..extensions import csrf
from ..web.security import is_safe_redirect
from . import bp
from .health import database_answers


@bp.get("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for("board.index"))
    return redirect(url_for("auth.login"))


@bp.get("/healthz")
@csrf.exempt
def healthz():
    if not database_answers():
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")


@bp.post("/language")
def set_language():
    """Language for visitors who are not signed in (signed-in users set it on their account)."""
    locale = request.form.get("locale")
    if locale in ("id", "en"):
        session["locale"] = locale
    target = request.form.get("next") or url_for("auth.login")
    return redirect(target if is_safe_redirect(target) else url_for("auth.login"), code=303)
