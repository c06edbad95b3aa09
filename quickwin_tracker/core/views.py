from __future__ import annotations

from flask import jsonify, redirect, request, session, url_for
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import csrf, db
from ..web.security import is_safe_redirect
from . import bp


@bp.get("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for("board.index"))
    return redirect(url_for("auth.login"))


@bp.get("/healthz")
@csrf.exempt
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
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
