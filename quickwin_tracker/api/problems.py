"""Errors as ``application/problem+json`` (RFC 9457): ``type``, ``title``, ``status``, ``detail``
and, for bad input, ``errors`` (``{field: [reason, …]}``).

The reasons are the web's: a permission's ``Decision`` reason, a service's ``Invalid`` message with
its field, a board filter's refusal, WTForms' own messages ("This field is required.") for the
fields marshmallow checks (``MESSAGES`` maps marshmallow's wording onto the catalogue's). They are
translated into the request's language: ``Accept-Language`` on the API (``select_locale``).
``type`` is ``about:blank``, so ``title`` is the HTTP status phrase, as RFC 9457 asks.
"""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from flask import Response, json, request
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from ..domain.errors import DomainError

PROBLEM_TYPE = "application/problem+json"
API_PREFIX = "/api/v1"
LANGUAGES = ("id", "en")

# marshmallow's messages -> the catalogue's (WTForms' messages, translated as on every form).
MESSAGES = {
    "Missing data for required field.": "This field is required.",
    "Field may not be null.": "This field is required.",
    "Not a valid integer.": "Not a valid integer value.",
    "Not a valid number.": "Not a valid float value.",
    "Not a valid date.": "Not a valid date value.",
    "Not a valid string.": "Invalid input.",
    "Not a valid boolean.": "Invalid input.",
    "Not a valid list.": "Invalid input.",
    "Not a valid mapping type.": "Invalid input.",
    "Invalid input type.": "Invalid input.",
    "Invalid JSON body.": "The request could not be read.",
    "Must be one of: {choices}.": "Not a valid choice.",
    "Special numeric values (nan or infinity) are not permitted.": "Not a valid float value.",
}
# The services name the form's fields; the API's bodies name some of them by their ids.
BODY_FIELDS = {"owner": "owner_id", "members": "member_ids", "responsible": "responsible_id"}
UNKNOWN_FIELD = _l("This field is not part of the request.")

DETAILS = {
    400: _l("The request could not be read."),
    401: _l("Send your access token as “Authorization: Bearer qwt_…”."),
    404: _l("There is nothing at this address."),
    405: _l("This address does not accept this method."),
    422: _l("Some values are not valid; see errors."),
    428: _l("Send the initiative's ETag in an If-Match header: this change needs it."),
    412: _l("The initiative changed since you read it (its ETag differs). Read it again, then "
            "retry."),
    500: _l("Something went wrong on our side; nothing was changed."),
    503: _l("The service is unavailable for a moment; try again shortly."),
}


def is_api_request() -> bool:
    """Whether this request is for the API (its documents included)."""
    return request.path == API_PREFIX or request.path.startswith(API_PREFIX + "/")


def select_locale() -> str:
    """The API's language: ``Accept-Language`` (Indonesian unless English is preferred)."""
    return request.accept_languages.best_match(LANGUAGES, default="id") or "id"


def translate(message: Any) -> str:
    text = str(message)
    if text == "Unknown field.":
        return str(UNKNOWN_FIELD)
    return gettext(MESSAGES.get(text, text))


def flatten(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """webargs' nested messages (``{"json": {"title": [...]}}``, list items keyed by index) as
    ``{"title": [...], "member_ids.0": [...]}``."""
    out: dict[str, list[str]] = {}
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            if not prefix and key in ("json", "query", "headers", "path", "form", "files"):
                name = ""
            else:
                name = f"{prefix}.{key}" if prefix else str(key)
            for field, texts in flatten(value, name).items():
                out.setdefault(field, []).extend(texts)
    elif isinstance(messages, list | tuple):
        for item in messages:
            if isinstance(item, Mapping | list | tuple):
                for field, texts in flatten(item, prefix).items():
                    out.setdefault(field, []).extend(texts)
            else:
                out.setdefault(prefix or "_schema", []).append(translate(item))
    else:
        out.setdefault(prefix or "_schema", []).append(translate(messages))
    return out


def problem(status: int, detail: Any = None, errors: Mapping[str, list[str]] | None = None,
            headers: Mapping[str, str] | None = None, **extra: Any) -> Response:
    """A problem+json answer."""
    try:
        title = HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail is None and status in DETAILS:
        detail = DETAILS[status]
    if detail:
        body["detail"] = str(detail)
    if errors:
        body["errors"] = {field: [str(t) for t in texts] for field, texts in errors.items()}
    body.update(extra)
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_TYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


class ApiProblem(HTTPException):
    """Raised to answer with a problem at once (401, 403, 412, 428, 429 …)."""

    def __init__(self, status: int, detail: Any = None, headers: Mapping[str, str] | None = None,
                 errors: Mapping[str, list[str]] | None = None, **extra: Any):
        super().__init__(description=str(detail) if detail is not None else None)
        self.code = status
        self.problem = (status, detail, errors, headers, extra)

    def get_response(self, environ=None, scope=None) -> Response:  # noqa: ANN001 (werkzeug's)
        status, detail, errors, headers, extra = self.problem
        return problem(status, detail, errors, headers, **extra)


def from_http(error: HTTPException) -> Response:
    """Any HTTP error on the API (an ``abort``, a bad argument, a 404 or 405 of the router)."""
    if isinstance(error, ApiProblem):
        return error.get_response()
    code = error.code or 500
    data = getattr(error, "data", None) or {}
    messages = data.get("messages")
    if messages is not None:  # webargs: the body or the query string did not validate
        return problem(code, DETAILS.get(code, DETAILS[422]), flatten(messages))
    detail = error.description if _own_description(error) else None
    headers = {}
    if code == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)
    return problem(code, detail, headers=headers)


def _own_description(error: HTTPException) -> bool:
    """Whether the error carries a reason of ours (``abort(403, description=...)``), not
    werkzeug's generic English text."""
    return bool(error.description) and error.description != type(error).description


def from_domain(error: DomainError) -> Response:
    """A service's refusal: its status, its message, next to its field when it names one."""
    field = BODY_FIELDS.get(error.field, error.field)
    errors = {field: [error.message]} if field else None
    extra: dict[str, Any] = {}
    detail = error.message
    missing = getattr(error, "missing", None)
    if missing:  # a stage gate: what the initiative still needs, each with where to fix it
        extra["missing"] = [{"check": m.check, "text": str(m.text), "anchor": m.anchor}
                            for m in missing]
        detail = f"{detail} " + "; ".join(str(m.text) for m in missing)
    return problem(error.status, detail, errors, **extra)
