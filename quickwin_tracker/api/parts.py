"""An initiative's milestones, comments and progress updates: listed, added, changed as on its
page, through the same services (``milestones``, ``comments``, ``updates``)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import url_for
from marshmallow import fields
from sqlalchemy.orm import joinedload

from ..comments import services as comments
from ..domain.permissions import can_comment, can_edit, can_view
from ..extensions import db
from ..initiatives.loading import part_of
from ..milestones import services as milestones
from ..models import HEALTH_VALUES, Comment, Initiative, Milestone, ProgressUpdate, User
from ..updates import services as updates
from .common import (
    LINK_HEADERS,
    BodySchema,
    Choice,
    Day,
    Id,
    PageArgs,
    Text,
    actor,
    blueprint,
    check_not_past,
    commit,
    page_answer,
    paginate,
    require,
)
from .initiatives import _choice
from .schemas import (
    CommentPage,
    CommentSchema,
    MilestonePage,
    MilestoneSchema,
    UpdatePage,
    UpdateSchema,
    comment_json,
    milestone_json,
    update_json,
)

bp = blueprint("initiative_parts", "Milestones, comments and updates",
               "An initiative's milestones, comments and progress updates.")


def _initiative(initiative_id: int) -> Initiative:
    require(can_view(actor()))
    return db.get_or_404(Initiative, initiative_id)


# --------------------------------------------------------------------------- milestones


@bp.get("/initiatives/<int:initiative_id>/milestones")
@bp.arguments(PageArgs, location="query", as_kwargs=True)
@bp.response(200, MilestonePage, headers=LINK_HEADERS)
def list_milestones(initiative_id: int, page: int, per_page: int):
    """List milestones

    By due date, as on the initiative's page."""
    initiative = _initiative(initiative_id)
    stmt = (sa.select(Milestone).where(Milestone.initiative_id == initiative.id)
            .options(joinedload(Milestone.responsible), joinedload(Milestone.done_by))
            .order_by(Milestone.due_date, Milestone.position, Milestone.id))
    rows, total = paginate(stmt, page, per_page)
    return page_answer([milestone_json(r[0]) for r in rows], total, page, per_page)


class MilestoneFields(BodySchema):
    title = Text(milestones.TITLE_MAX)
    due_date = Day()
    responsible_id = Id(allow_none=True, metadata={"description": "null: nobody yet"})


class NewMilestone(MilestoneFields):
    title = Text(milestones.TITLE_MAX, required=True)
    due_date = Day(required=True)
    confirm_past = fields.Boolean(load_default=False, metadata={
        "description": "A due date before today is saved only when this is true."})


def _responsible(body: dict[str, Any], current: User | None) -> User | None:
    if "responsible_id" not in body:
        return current
    value = body["responsible_id"]
    return _choice(User, value, "responsible_id", User.id) if value else None


@bp.post("/initiatives/<int:initiative_id>/milestones")
@bp.arguments(NewMilestone)
@bp.response(201, MilestoneSchema)
def add_milestone(body: dict[str, Any], initiative_id: int):
    """Add a milestone"""
    initiative = _initiative(initiative_id)
    require(can_edit(actor(), initiative))
    check_not_past(body["due_date"], body["confirm_past"], "due_date")
    owner = initiative.owner  # suggested, as on the web's form, while the account is active
    suggested = owner if owner is not None and owner.active else None
    milestone = milestones.add_milestone(actor(), initiative, body["title"], body["due_date"],
                                         _responsible(body, suggested))
    commit()
    return milestone_json(milestone), 201, {"Location": url_for(
        ".list_milestones", initiative_id=initiative.id, _external=True)}


@bp.patch("/initiatives/<int:initiative_id>/milestones/<int:milestone_id>")
@bp.arguments(MilestoneFields)
@bp.response(200, MilestoneSchema)
def update_milestone(body: dict[str, Any], initiative_id: int, milestone_id: int):
    """Edit a milestone

    Its title, due date or responsible person (those left out stay)."""
    initiative = _initiative(initiative_id)
    milestone = part_of(initiative, Milestone, milestone_id)
    require(can_edit(actor(), initiative))
    milestones.update_milestone(actor(), milestone, body.get("title", milestone.title),
                                body.get("due_date", milestone.due_date),
                                _responsible(body, milestone.responsible))
    commit()
    return milestone_json(milestone)


@bp.post("/initiatives/<int:initiative_id>/milestones/<int:milestone_id>/complete")
@bp.response(200, MilestoneSchema)
def complete_milestone(initiative_id: int, milestone_id: int):
    """Complete a milestone (done today)"""
    initiative = _initiative(initiative_id)
    milestone = part_of(initiative, Milestone, milestone_id)
    require(can_edit(actor(), initiative))
    milestones.complete_milestone(actor(), milestone)
    commit()
    return milestone_json(milestone)


@bp.post("/initiatives/<int:initiative_id>/milestones/<int:milestone_id>/reopen")
@bp.response(200, MilestoneSchema)
def reopen_milestone(initiative_id: int, milestone_id: int):
    """Reopen a milestone"""
    initiative = _initiative(initiative_id)
    milestone = part_of(initiative, Milestone, milestone_id)
    require(can_edit(actor(), initiative))
    milestones.reopen_milestone(actor(), milestone)
    commit()
    return milestone_json(milestone)


# --------------------------------------------------------------------------- comments


@bp.get("/initiatives/<int:initiative_id>/comments")
@bp.arguments(PageArgs, location="query", as_kwargs=True)
@bp.response(200, CommentPage, headers=LINK_HEADERS)
def list_comments(initiative_id: int, page: int, per_page: int):
    """List comments (oldest first)"""
    initiative = _initiative(initiative_id)
    stmt = (sa.select(Comment).where(Comment.initiative_id == initiative.id)
            .options(joinedload(Comment.author)).order_by(Comment.created_at, Comment.id))
    rows, total = paginate(stmt, page, per_page)
    return page_answer([comment_json(r[0]) for r in rows], total, page, per_page)


class NewComment(BodySchema):
    body = fields.String(required=True, metadata={
        "description": "The text; @handle mentions notify people, as on the web."})


@bp.post("/initiatives/<int:initiative_id>/comments")
@bp.arguments(NewComment)
@bp.response(201, CommentSchema)
def add_comment(body: dict[str, Any], initiative_id: int):
    """Add a comment

    Everyone may; @handle mentions notify people, as on the web."""
    initiative = _initiative(initiative_id)
    require(can_comment(actor()))
    comment = comments.add_comment(actor(), initiative, body["body"])
    commit()
    return comment_json(comment), 201


# --------------------------------------------------------------------------- progress updates


@bp.get("/initiatives/<int:initiative_id>/updates")
@bp.arguments(PageArgs, location="query", as_kwargs=True)
@bp.response(200, UpdatePage, headers=LINK_HEADERS)
def list_updates(initiative_id: int, page: int, per_page: int):
    """List progress updates (newest first)"""
    initiative = _initiative(initiative_id)
    stmt = (sa.select(ProgressUpdate).where(ProgressUpdate.initiative_id == initiative.id)
            .options(joinedload(ProgressUpdate.author))
            .order_by(ProgressUpdate.created_at.desc(), ProgressUpdate.id.desc()))
    rows, total = paginate(stmt, page, per_page)
    return page_answer([update_json(r[0]) for r in rows], total, page, per_page)


class NewUpdate(BodySchema):
    health = fields.String(required=True, validate=Choice(HEALTH_VALUES))
    moved = fields.String(required=True, metadata={"description": "What moved since the last "
                                                                  "update."})
    blocks = fields.String(load_default="")
    next_steps = fields.String(load_default="")
    link = fields.String(load_default="")


@bp.post("/initiatives/<int:initiative_id>/updates")
@bp.arguments(NewUpdate)
@bp.response(201, UpdateSchema)
def post_update(body: dict[str, Any], initiative_id: int):
    """Post a progress update

    Who may edit the initiative; files are attached on the web."""
    initiative = _initiative(initiative_id)
    require(can_edit(actor(), initiative))
    update = updates.post_update(actor(), initiative, updates.UpdateData(**body))
    commit()
    return update_json(update), 201
