"""One error renderer for every HTTP error: a page, or the reason alone for htmx requests."""

from __future__ import annotations

import logging
from contextlib import suppress

from flask import Flask, g, render_template
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from ..extensions import db, login_manager
from ..htmx import is_htmx

log = logging.getLogger(__name__)


def _render(error: HTTPException):
    code = error.code or 500
    if is_htmx():
        return render_template("errors/_message.html", error=error), code
    return render_template("errors/error.html", error=error), code


def register(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def handle_http(error: HTTPException):
        if error.code and error.code >= 500:
            db.session.rollback()
        return _render(error)

    @app.errorhandler(OperationalError)
    def handle_db_down(error: OperationalError):
        with suppress(OperationalError):
            db.session.rollback()
        log.error("database error: %s", error)
        # Render without touching the database again: the page treats the visitor as anonymous.
        g._login_user = login_manager.anonymous_user()
        return _render(ServiceUnavailable())

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        if isinstance(error, HTTPException):
            return handle_http(error)
        db.session.rollback()
        log.exception("unhandled error")
        if app.testing and app.config.get("PROPAGATE_TEST_ERRORS", True):
            raise error
        return _render(InternalServerError())
