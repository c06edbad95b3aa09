"""The REST API at /api/v1 (issue 15), described by an OpenAPI 3.1 document.

Built with flask-smorest (blueprints on plain Flask, marshmallow schemas, apispec). One module
per resource, each a thin layer over the web's own services: every call goes through
``domain/permissions.py`` and the same services and gates as the browser, as the bearer token's
owner (``auth.py``), in one transaction. ``problems.py`` answers every error as
``application/problem+json``; ``common.py`` holds paging (``Link`` headers), ``ETag`` and
``If-Match``.

The document is served at ``/api/v1/openapi.json`` and read at ``/api/v1/docs`` (Redoc, vendored
in ``static/vendor/``; that page alone lets Redoc start its search worker from a ``blob:``).
docs/api.md is the guide.
"""

from __future__ import annotations

from http import HTTPStatus
from importlib import import_module

from flask import Flask, request
from flask_smorest import Api as SmorestApi
from flask_smorest.spec import prepare_response

from ..extensions import csrf
from ..models import MAX_ID
from ..web.routing import IdConverter
from ..web.security import CONTENT_SECURITY_POLICY
from .problem_schema import ProblemSchema
from .problems import API_PREFIX, PROBLEM_TYPE, from_http, is_api_request

REDOC_ASSET = "vendor/redoc-2.5.4.standalone.js"
DOCS_ENDPOINT = "api-docs.openapi_redoc"
# Redoc starts its search index in a worker made from a blob: URL; only its page allows that.
DOCS_CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY + "; worker-src 'self' blob:"

# (module, blueprint attribute): the order of the reference's sections.
MODULES = ("initiatives", "parts", "outcomes", "activity", "summary", "reference")

DESCRIPTION = """The Quick-Win Tracker's API: the same initiatives, rules and permissions as
the web pages, for programs. The guide is docs/api.md in the source.

# Authentication

Make a personal access token on your account page (My account, API access tokens) and send it
in every request: `Authorization: Bearer qwt_…`. It acts as you, with your permissions; a
read-only token changes nothing (403 on every write). Missing, revoked or expired: 401 with
`WWW-Authenticate: Bearer`. Too many requests a minute: 429 with `Retry-After`. The API reads
no session cookie and needs no CSRF token.

# Errors

Every error is `application/problem+json` (RFC 9457): `type`, `title` (the HTTP status phrase),
`status`, `detail`, and for bad input `errors` (per field, the web form's own messages). A move
refused by a stage gate lists what is `missing`. The language follows `Accept-Language`:
Indonesian unless English is preferred. A refused or invalid request changes nothing.

# Pagination

Lists take `?page=` (from 1) and `?per_page=` (1 to 100, default 25), answer
`{items, total, page, per_page}`, and send `X-Total-Count` and an RFC 8288 `Link` header
(`first`, `prev`, `next`, `last`).

# ETag and If-Match

An initiative's `ETag` is its version. Editing it (PATCH) and moving it require `If-Match` with
the ETag last read: without it 428, with a stale one 412 and nothing changes. Archiving and
bringing back accept it (412 when stale) without requiring it.

# Examples

```
curl -H "Authorization: Bearer $QUICKWIN_TOKEN" \\
  "$BASE/api/v1/initiatives?unit=DISKOMINFO&status=at_risk"
```

docs/api.md walks through three: the at-risk initiatives of an OPD, recording a measurement,
moving an initiative with If-Match.
"""


class Api(SmorestApi):
    """flask-smorest's Api, with the app's error answers: problem+json, only under /api."""

    DEFAULT_ERROR_RESPONSE_NAME = "DEFAULT_ERROR"

    def _register_error_handlers(self) -> None:
        """Not flask-smorest's handler, which would answer every page of the app in JSON: the
        app's one handler (``web/errors.py``) answers API requests with ``problems.from_http``."""

    def register_blueprint(self, blp, *, parameters=None, **options) -> None:  # noqa: ANN001
        """flask-smorest's registration, its tag named as the blueprint's operations are
        (``common.ApiBlueprint.tag``), not by the blueprint's name."""
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)
        blp.register_views_in_doc(self, self._app, self.spec, name=name, parameters=parameters)
        self.spec.tag({"name": blp.tag, "description": blp.description})

    def _register_responses(self) -> None:
        """flask-smorest's responses per status code, errors described as problem+json."""
        for status in HTTPStatus:
            response: dict = {"description": status.phrase}
            if status >= 400:
                response["schema"] = ProblemSchema
            prepare_response(response, self.spec, PROBLEM_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "An error (problem+json, RFC 9457).", "schema": ProblemSchema}
        prepare_response(response, self.spec, PROBLEM_TYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)




def init_app(app: Flask) -> Api:
    app.config.update(
        API_TITLE="Quick-Win Tracker API",
        API_VERSION="1",
        OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX=API_PREFIX,
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_REDOC_PATH="docs",
        OPENAPI_REDOC_URL=f"{app.static_url_path}/{REDOC_ASSET}",
        API_SPEC_OPTIONS={
            "info": {"description": DESCRIPTION},
            "servers": [{"url": "/"}],
            "security": [{"bearerAuth": []}],
            "components": {"securitySchemes": {"bearerAuth": {
                "type": "http", "scheme": "bearer",
                "description": "A personal access token (qwt_…) from your account page."}}},
        },
    )
    api = Api(app)
    api.register_converter(IdConverter, lambda converter: {
        "type": "integer", "minimum": 0, "maximum": MAX_ID})
    for name in MODULES:
        bp = import_module(f".{name}", __name__).bp
        api.register_blueprint(bp)
        csrf.exempt(bp)  # bearer tokens only: no cookie, nothing for CSRF to protect

    @app.after_request
    def api_headers(response):
        if request.endpoint == DOCS_ENDPOINT:
            response.headers["Content-Security-Policy"] = DOCS_CONTENT_SECURITY_POLICY
        elif is_api_request():
            # Answers differ by token and language (problem texts, names).
            response.vary.add("Authorization")
            response.vary.add("Accept-Language")
        return response

    app.extensions["quickwin-api"] = api
    return api


__all__ = ["API_PREFIX", "Api", "from_http", "init_app"]
