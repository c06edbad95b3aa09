"""Initiatives: the board's list with its filters, one initiative, creating, editing, moving it to
a stage, archiving and bringing it back. Each write goes through the web's service
(``initiatives.services``, ``board.moves``) and so through the same permissions and stage gates."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _
from marshmallow import fields
from sqlalchemy.orm import contains_eager, joinedload, selectinload
from werkzeug.datastructures import MultiDict

from ..board import positions
from ..board.filters import STAGE_ARG, BoardFilters, FilterError
from ..board.moves import move_initiative
from ..domain.permissions import can_create_in, can_edit, can_manage, can_view
from ..extensions import db
from ..initiatives import services
from ..lifecycle import kept
from ..lifecycle.stages import active_stages
from ..lifecycle.status import Status
from ..models import MAX_ID, Dimension, Initiative, InitiativeStatus, Stage, Tag, Unit, User
from .common import (
    ETAG_HEADER,
    IF_MATCH_OPTIONAL,
    IF_MATCH_REQUIRED,
    LINK_HEADERS,
    Between,
    BodySchema,
    Choice,
    Day,
    Id,
    PageArgs,
    Text,
    actor,
    blueprint,
    check_if_match,
    check_not_past,
    commit,
    page_answer,
    paginate,
    require,
    with_etag,
)
from .problems import ApiProblem
from .schemas import InitiativePage, InitiativeSchema, initiative_json

bp = blueprint("initiatives", "Initiatives", "The board's cards: list, read, create, edit, move, archive.")

ARCHIVED_CHOICES = ("false", "true", "all")


class InitiativeFilters(PageArgs):
    unit = fields.String(metadata={"description": "An OPD's code (all units when left out)."})
    dimension = fields.String(metadata={"description": "A dimension's code."})
    stage = fields.String(metadata={"description": "A stage's code."})
    status = fields.String(validate=Choice([s.value for s in Status]),
                           metadata={"description": "A derived status."})
    owner = fields.Integer(validate=Between(1, MAX_ID),
                           metadata={"description": "The owner's user id."})
    tag = fields.String(metadata={"description": "A plan it serves, as kind:code (sdg:11.2)."})
    q = fields.String(metadata={"description": "Words in the title or the benefit."})
    archived = fields.String(load_default="false", validate=Choice(ARCHIVED_CHOICES),
                             metadata={"description": "false (the board), true (the archive) "
                                                      "or all."})


def _board_filters(args: dict[str, Any]) -> BoardFilters:
    """The board's own filter parsing (``board.filters``), with its messages."""
    raw = MultiDict({key: str(args[key]) for key in ("unit", "dimension", "status", "owner",
                                                      "tag", "q") if args.get(key) is not None})
    if args.get("stage"):
        raw[STAGE_ARG] = args["stage"]
    try:
        return BoardFilters.from_args(raw, default_unit="")
    except FilterError as exc:
        raise ApiProblem(400, str(exc)) from None


def _loaded() -> list[Any]:
    """What a list's cards show, loaded with the page: unit, dimension and stage from the joins
    the filters and the order need, the rest in two select-in queries and a join."""
    return [contains_eager(Initiative.unit), contains_eager(Initiative.dimension),
            contains_eager(Initiative.stage), joinedload(Initiative.owner),
            selectinload(Initiative.members), selectinload(Initiative.tags)]


def status_of(initiative: Initiative) -> str | None:
    """The derived status the board shows (kept by ``lifecycle.kept``, refreshed first)."""
    if initiative.archived:
        return None
    kept.refresh()
    kept.keep_after_response()
    return db.session.scalar(sa.select(InitiativeStatus.status)
                             .where(InitiativeStatus.initiative_id == initiative.id))


def answer(initiative: Initiative, status: int = 200, headers: dict[str, str] | None = None):
    return with_etag(initiative_json(initiative, status_of(initiative)), initiative, status,
                     headers)


@bp.get("/initiatives")
@bp.arguments(InitiativeFilters, location="query", as_kwargs=True)
@bp.response(200, InitiativePage, headers=LINK_HEADERS)
def list_initiatives(page: int, per_page: int, archived: str, **args: Any):
    """List initiatives

    In the board's order (dimension, stage, place in the cell), with the board's filters; their
    status is the board's derived status."""
    require(can_view(actor()))
    filters = _board_filters(args)
    # The board's conditions, the first of which keeps archived initiatives out: the archive
    # (and "all") replace it.
    conditions = filters.conditions(actor())[1:]
    if archived != "all":
        conditions.append(Initiative.archived.is_(archived == "true"))
    kept.refresh()
    kept.keep_after_response()
    stmt = (sa.select(Initiative, InitiativeStatus.status)
            .join(Initiative.unit).join(Initiative.dimension).join(Initiative.stage)
            .outerjoin(InitiativeStatus, sa.and_(InitiativeStatus.initiative_id == Initiative.id,
                                                 Initiative.archived.is_(False)))
            .where(*conditions)
            .options(*_loaded())
            .order_by(Dimension.position, Stage.position, Initiative.position, Initiative.id))
    if filters.status:
        stmt = stmt.where(InitiativeStatus.status == filters.status)
    rows, total = paginate(stmt, page, per_page)
    return page_answer([initiative_json(row[0], row[1]) for row in rows], total, page, per_page)


@bp.get("/initiatives/<int:initiative_id>")
@bp.response(200, InitiativeSchema, headers=ETAG_HEADER)
def get_initiative(initiative_id: int):
    """Read an initiative

    Its ETag is its version."""
    require(can_view(actor()))
    return answer(db.get_or_404(Initiative, initiative_id))


class InitiativeFields(BodySchema):
    title = Text(200)
    benefit = Text(2000)
    description = Text(10000)
    dimension = fields.String(metadata={"description": "A dimension's code."})
    unit = fields.String(metadata={"description": "An OPD's code."})
    owner_id = Id(allow_none=True)
    target_date = Day(allow_none=True)
    member_ids = fields.List(Id())
    tags = fields.List(fields.String(), metadata={"description": "Plans, as kind:code."})


class NewInitiative(InitiativeFields):
    title = Text(200, required=True)
    benefit = Text(2000, required=True)
    dimension = fields.String(required=True, metadata={"description": "A dimension's code."})
    unit = fields.String(metadata={"description": "An OPD's code; your own when left out."})
    confirm_past = fields.Boolean(load_default=False, metadata={
        "description": "A target date before today is saved only when this is true (the web "
                       "form's confirmation)."})


def _choice(model: type, value: Any, field: str, column: Any = None) -> Any:
    """The row a code or id names, or the web's "Not a valid choice." next to ``field``."""
    column = column if column is not None else model.code
    row = db.session.scalar(sa.select(model).where(column == value)) if value is not None else None
    if row is None:
        raise ApiProblem(422, _("Some values are not valid; see errors."),
                         errors={field: [_("Not a valid choice.")]})
    return row


def _people(ids: list[int], field: str) -> list[User]:
    people = list(db.session.scalars(sa.select(User).where(User.id.in_(set(ids)))))
    if len(people) != len(set(ids)):
        raise ApiProblem(422, _("Some values are not valid; see errors."),
                         errors={field: [_("Not a valid choice.")]})
    return people


def _tags(labels: list[str]) -> list[Tag]:
    found = []
    for label in dict.fromkeys(labels):
        kind, _sep, code = label.partition(":")
        tag = db.session.scalar(sa.select(Tag).where(Tag.kind == kind, Tag.code == code))
        if tag is None:
            raise ApiProblem(422, _("Some values are not valid; see errors."),
                             errors={"tags": [_("Not a valid choice.")]})
        found.append(tag)
    return found


def _text_required(value: str | None, field: str) -> str:
    """WTForms' ``DataRequired``: blank text is missing."""
    if value is None or not value.strip():
        raise ApiProblem(422, _("Some values are not valid; see errors."),
                         errors={field: [_("This field is required.")]})
    return value


def _data(body: dict[str, Any], initiative: Initiative | None = None) -> services.InitiativeData:
    """What the body says; fields it leaves out keep the initiative's values."""
    def given(name: str, current: Any) -> Any:
        return body.get(name, current)

    unit = (_choice(Unit, body["unit"], "unit") if "unit" in body
            else initiative.unit if initiative else None)
    if unit is None:
        unit = actor().unit
        if unit is None:
            raise ApiProblem(422, _("Some values are not valid; see errors."),
                             errors={"unit": [_("This field is required.")]})
    owner_id = given("owner_id", initiative.owner_id if initiative else None)
    return services.InitiativeData(
        title=_text_required(given("title", initiative.title if initiative else None), "title"),
        benefit=_text_required(given("benefit", initiative.benefit if initiative else None),
                               "benefit"),
        description=given("description", initiative.description if initiative else "") or "",
        dimension=(_choice(Dimension, body["dimension"], "dimension") if "dimension" in body
                   else initiative.dimension),
        unit=unit,
        owner=_choice(User, owner_id, "owner_id", User.id) if owner_id else None,
        target_date=given("target_date", initiative.target_date if initiative else None),
        members=(_people(body["member_ids"], "member_ids") if "member_ids" in body
                 else list(initiative.members) if initiative else []),
        tags=_tags(body["tags"]) if "tags" in body else list(initiative.tags) if initiative else [],
    )


@bp.post("/initiatives")
@bp.arguments(NewInitiative)
@bp.response(201, InitiativeSchema, headers=ETAG_HEADER)
def create_initiative(body: dict[str, Any]):
    """Create an initiative

    In the first stage, as the web's "new initiative" form does."""
    require(can_create_in(actor(), None))
    data = _data(body)
    check_not_past(data.target_date, body["confirm_past"], "target_date")
    initiative = services.create_initiative(actor(), data)
    commit()
    return answer(initiative, 201, {"Location": url_for(
        ".get_initiative", initiative_id=initiative.id, _external=True)})


@bp.patch("/initiatives/<int:initiative_id>")
@bp.arguments(InitiativeFields)
@bp.response(200, InitiativeSchema, headers=ETAG_HEADER)
@bp.doc(parameters=[IF_MATCH_REQUIRED])
def update_initiative(body: dict[str, Any], initiative_id: int):
    """Edit an initiative

    Fields left out keep their values. Its unit, owner and team change only by the owning unit,
    as on the web. Needs If-Match."""
    initiative = db.get_or_404(Initiative, initiative_id)
    require(can_edit(actor(), initiative))
    expected = check_if_match(initiative, required=True)
    services.update_initiative(actor(), initiative, _data(body, initiative), expected)
    commit()
    return answer(initiative)


class Move(BodySchema):
    stage = fields.String(required=True, metadata={"description": "The stage's code."})
    after = Id(allow_none=True, metadata={
        "description": "The card (initiative id) of its cell to place it after; null for the "
                       "top; left out: the bottom of the cell (or where it is, in its own "
                       "stage)."})


@bp.post("/initiatives/<int:initiative_id>/move")
@bp.arguments(Move)
@bp.response(200, InitiativeSchema, headers=ETAG_HEADER)
@bp.doc(parameters=[IF_MATCH_REQUIRED])
def move(body: dict[str, Any], initiative_id: int):
    """Move an initiative to a stage

    Or to another place in its cell, as a drag on the board: the approval rule, the WIP limit
    and the stage's gates apply; a gate's refusal lists what is `missing`. Needs If-Match."""
    initiative = db.get_or_404(Initiative, initiative_id)
    require(can_edit(actor(), initiative))
    expected = check_if_match(initiative, required=True)
    stages = {s.code: s for s in active_stages()}
    to_stage = stages.get(body["stage"])
    if to_stage is None:
        raise ApiProblem(422, _("Some values are not valid; see errors."),
                         errors={"stage": [_("Not a valid choice.")]})
    if "after" in body:
        after_id = body["after"]
        cell = positions.cell_ids(initiative.dimension_id, to_stage.id, without=initiative.id)
        if after_id is not None and after_id not in cell:
            raise ApiProblem(422, _("Some values are not valid; see errors."),
                             errors={"after": [_("Not a valid choice.")]})
    elif to_stage.id == initiative.stage_id:
        return answer(initiative)  # "stays where it is"
    else:
        after_id = positions.last_id(initiative.dimension_id, to_stage.id, without=initiative.id)
    move_initiative(actor(), initiative, to_stage, after_id, expected)
    commit()
    return answer(initiative)


def _archive_action(initiative_id: int, action) -> Any:
    initiative = db.get_or_404(Initiative, initiative_id)
    require(can_manage(actor(), initiative))
    check_if_match(initiative, required=False)
    action(actor(), initiative)
    commit()
    return answer(initiative)


@bp.post("/initiatives/<int:initiative_id>/archive")
@bp.response(200, InitiativeSchema, headers=ETAG_HEADER)
@bp.doc(parameters=[IF_MATCH_OPTIONAL])
def archive(initiative_id: int):
    """Archive an initiative

    It leaves the board (the owning unit and admins)."""
    return _archive_action(initiative_id, services.archive_initiative)


@bp.post("/initiatives/<int:initiative_id>/unarchive")
@bp.response(200, InitiativeSchema, headers=ETAG_HEADER)
@bp.doc(parameters=[IF_MATCH_OPTIONAL])
def unarchive(initiative_id: int):
    """Bring an initiative back to the board"""
    return _archive_action(initiative_id, services.unarchive_initiative)
