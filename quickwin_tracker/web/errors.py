"""One error renderer for every HTTP error: a page, or the reason alone for htmx requests."""

from __future__ import annotations

import logging
from contextlib import suppress
from itertools import chain

from flask import Flask, abort, g, render_template, request
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from ..api.problems import from_http, is_api_request
from ..extensions import db, login_manager
from .htmx import is_htmx
from .pages import render_page

log = logging.getLogger(__name__)


def _render(error: HTTPException):
    code = error.code or 500
    if is_api_request():  # the API answers problem+json (RFC 9457), never a page
        return from_http(error)
    if is_htmx():
        return render_template("errors/_message.html", error=error), code
    return render_page("errors/error.html", error=error), code


def _has_nul(values) -> bool:
    return any("\x00" in v for v in values if isinstance(v, str))


def register(app: Flask) -> None:
    @app.before_request
    def refuse_nul_bytes():
        """No form field or query parameter has a use for NUL, and PostgreSQL cannot store it in
        text (psycopg raises DataError): refuse it up front as a bad request, not a 500."""
        sources = [chain.from_iterable(request.args.listvalues()), (request.view_args or {}).values()]
        if request.method in ("POST", "PUT", "PATCH"):
            sources.append(chain.from_iterable(request.form.listvalues()))
        if any(_has_nul(values) for values in sources):
            abort(400)

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
        if not is_api_request():
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
