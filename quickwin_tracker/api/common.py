"""What every API module shares: its blueprint, the user, paging with ``Link`` headers, the
initiative's ``ETag`` and ``If-Match``, the commit, and the checks of dates and texts that the web's
form fields make."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import g, request, url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate

from ..domain.clock import date_window, local_today
from ..domain.errors import DomainError
from ..domain.permissions import Decision
from ..extensions import db
from ..models import MAX_ID, Initiative, User
from .auth import authenticate_request
from .problems import API_PREFIX, ApiProblem, from_domain

MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 25
MAX_PAGE = 1_000_000  # beyond any real page; the OFFSET must fit the database's integers


class ApiBlueprint(Blueprint):
    """A flask-smorest blueprint whose operations are grouped in the reference under ``tag`` (a
    readable name), not under the blueprint's name."""

    def __init__(self, *args: Any, tag: str, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.tag = tag

    def route(self, rule: str, *, parameters: Any = None, tags: Any = None, **options: Any):
        return super().route(rule, parameters=parameters, tags=tags or [self.tag], **options)


def blueprint(name: str, tag: str, description: str) -> ApiBlueprint:
    """An API blueprint: mounted under /api/v1, every request authenticated by its bearer token,
    a service's refusal answered as a problem (and its transaction rolled back)."""
    bp = ApiBlueprint(f"api_{name}", __name__, url_prefix=API_PREFIX, description=description,
                      tag=tag)
    bp.before_request(authenticate_request)
    bp.before_request(refuse_nul_bytes)

    @bp.errorhandler(DomainError)
    def refused(error: DomainError):
        db.session.rollback()
        return from_domain(error)

    return bp


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def refuse_nul_bytes() -> None:
    """No text has a use for NUL and PostgreSQL cannot store it: a JSON body carrying one is a
    bad request (the web refuses it in forms and query strings, ``web/errors.py``)."""
    if (request.method in ("POST", "PUT", "PATCH") and request.is_json
            and _has_nul(request.get_json(silent=True))):
        raise ApiProblem(400)


def actor() -> User:
    return g._login_user


def require(decision: Decision) -> None:
    """403 with the permission's reason (as ``web.actions.require``), as a problem."""
    if not decision:
        raise ApiProblem(403, decision.reason)


def commit() -> None:
    """The one commit of the request's action (services flush; a refusal raised before this
    point rolls everything back)."""
    db.session.commit()


# --------------------------------------------------------------------------- input checks


def check_length(maximum: int):
    """WTForms' ``Length(max=…)`` message, in the request's language."""
    def check(value: str) -> None:
        if value is not None and len(value) > maximum:
            raise ValidationError(ngettext("Field cannot be longer than %(max)d character.",
                                           "Field cannot be longer than %(max)d characters.",
                                           maximum, max=maximum))
    return check


def check_date(value: date) -> None:
    """The web's ``DateField``: a date in the plausible window."""
    first, last = date_window()
    if not first <= value <= last:
        raise ValidationError(_("Enter a date between %(first)s and %(last)s.",
                                first=format_date(first), last=format_date(last)))


def check_not_past(day: date | None, confirmed: bool, field: str) -> None:
    """As the web form: a new record's date before today needs the user's confirmation."""
    if day is not None and day < local_today() and not confirmed:
        raise ApiProblem(422, _("Some values are not valid; see errors."), errors={field: [_(
            "This date is in the past. Check the date, or confirm below that it is right.")]})


class Between(validate.Range):
    """marshmallow's ``Range`` (documented as minimum and maximum), with WTForms' message in the
    request's language."""

    def _format_error(self, value: Any, message: str) -> str:
        return _("Number must be between %(min)s and %(max)s.", min=self.min, max=self.max)


class Choice(validate.OneOf):
    """marshmallow's ``OneOf`` (documented as an enum), with WTForms' "Not a valid choice."."""

    def _format_error(self, value: Any) -> str:
        return _("Not a valid choice.")


def Id(**kwargs: Any) -> fields.Integer:  # noqa: N802 (a field factory, named as the fields)
    return fields.Integer(validate=Between(1, MAX_ID), strict=True, **kwargs)


def Text(maximum: int, **kwargs: Any) -> fields.String:  # noqa: N802
    return fields.String(validate=check_length(maximum), **kwargs)


def Day(**kwargs: Any) -> fields.Date:  # noqa: N802
    return fields.Date(validate=check_date, **kwargs)


class BodySchema(Schema):
    """A JSON body: unknown fields are refused (a misspelt field would be silently ignored)."""


class QuerySchema(Schema):
    """Query arguments: unknown ones are ignored (as the web's pages do)."""

    class Meta:
        unknown = "exclude"


class PageArgs(QuerySchema):
    page = fields.Integer(load_default=1, validate=Between(1, MAX_PAGE),
                          metadata={"description": "The page, from 1."})
    per_page = fields.Integer(load_default=DEFAULT_PER_PAGE,
                              validate=Between(1, MAX_PER_PAGE),
                              metadata={"description": f"Items a page, 1 to {MAX_PER_PAGE}."})


class PageSchema(Schema):
    total = fields.Integer(required=True, metadata={"description": "Items in all pages."})
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)


LINK_HEADERS = {
    "Link": {"description": "RFC 8288 links to the first, prev, next and last pages.",
             "schema": {"type": "string"}},
    "X-Total-Count": {"description": "Items in all pages.", "schema": {"type": "integer"}},
}


def paginate(stmt: sa.Select, page: int, per_page: int) -> tuple[list[Any], int]:
    """The page's rows of ``stmt`` (an ordered select of ORM entities) and the total: two
    queries whatever the page (plus the select-in loads the statement asks for)."""
    total = db.session.scalar(sa.select(sa.func.count()).select_from(
        stmt.order_by(None).options().subquery()))
    rows = list(db.session.execute(stmt.limit(per_page).offset((page - 1) * per_page))
                .unique().all()) if total else []
    return rows, total


def page_answer(items: Iterable[Any], total: int, page: int, per_page: int):
    """The body (``items``, ``total``, ``page``, ``per_page``) and its ``Link`` and
    ``X-Total-Count`` headers."""
    last = max(1, -(-total // per_page))
    args = request.args.to_dict(flat=False)
    args.pop("page", None)

    def link(number: int, rel: str) -> str:
        url = url_for(request.endpoint, **(request.view_args or {}), **args, page=number,
                      _external=True)
        return f'<{url}>; rel="{rel}"'

    links = [link(1, "first")]
    if page > 1:
        links.append(link(min(page - 1, last), "prev"))
    if page < last:
        links.append(link(page + 1, "next"))
    links.append(link(last, "last"))
    body = {"items": list(items), "total": total, "page": page, "per_page": per_page}
    return body, {"Link": ", ".join(links), "X-Total-Count": str(total)}


# --------------------------------------------------------------------------- ETag, If-Match


def etag_of(initiative: Initiative) -> str:
    """The initiative's ETag: its ``version`` (the one the web's forms send back), quoted."""
    return f'"{initiative.version}"'


IF_MATCH_REQUIRED = {
    "in": "header", "name": "If-Match", "required": True, "schema": {"type": "string"},
    "description": "The initiative's ETag as last read. Required: without it, 428; a stale "
                   "one, 412 and nothing changes.",
}
IF_MATCH_OPTIONAL = {
    "in": "header", "name": "If-Match", "required": False, "schema": {"type": "string"},
    "description": "The initiative's ETag as last read (optional here); a stale one, 412 and "
                   "nothing changes.",
}
ETAG_HEADER = {"ETag": {"description": "The initiative's version (send it back in If-Match).",
                        "schema": {"type": "string"}}}


def check_if_match(initiative: Initiative, required: bool) -> int | None:
    """The version the client last read (None: no If-Match and none required); 428 when it is
    required and missing, 412 when it is not the current one."""
    header = request.headers.get("If-Match")
    if header is None or not header.strip():
        if required:
            raise ApiProblem(428)
        return None
    if request.if_match.star_tag:
        return None
    if not request.if_match.contains(str(initiative.version)):
        raise ApiProblem(412, headers={"ETag": etag_of(initiative)})
    return initiative.version


def with_etag(body: Any, initiative: Initiative, status: int = 200,
              headers: dict[str, str] | None = None):
    return body, status, {"ETag": etag_of(initiative), **(headers or {})}
