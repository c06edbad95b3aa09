"""What the other resources name: stages, dimensions, units (OPDs) and people. Names are in the
request's language where the app keeps two (``Accept-Language``)."""

from __future__ import annotations

import sqlalchemy as sa
from marshmallow import Schema, fields
from sqlalchemy.orm import joinedload

from ..domain.permissions import can_view
from ..extensions import db
from ..models import Dimension, Stage, Unit, User
from .common import LINK_HEADERS, PageArgs, PageSchema, actor, blueprint, page_answer, paginate, require

bp = blueprint("reference", "Stages, dimensions, units, people",
               "What the other resources name.")


class StageSchema(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    position = fields.Integer(required=True)
    wip_limit = fields.Integer(allow_none=True, required=True)
    retired = fields.Boolean(required=True)
    rollout = fields.Boolean(required=True)
    gates = fields.List(fields.String(), required=True,
                        metadata={"description": "The checks a card must pass to enter it."})


class DimensionSchema(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    colour = fields.String(required=True)
    position = fields.Integer(required=True)


class UnitSchema(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    active = fields.Boolean(required=True)


class UserSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    role = fields.String(required=True)
    unit = fields.String(allow_none=True, required=True, metadata={"description": "OPD code"})
    active = fields.Boolean(required=True)


class StageList(Schema):
    items = fields.List(fields.Nested(StageSchema), required=True)


class DimensionList(Schema):
    items = fields.List(fields.Nested(DimensionSchema), required=True)


class UnitPage(PageSchema):
    items = fields.List(fields.Nested(UnitSchema), required=True)


class UserPage(PageSchema):
    items = fields.List(fields.Nested(UserSchema), required=True)


@bp.get("/stages")
@bp.response(200, StageList)
def list_stages():
    """List stages (in order; retired ones marked)"""
    require(can_view(actor()))
    stages = db.session.scalars(sa.select(Stage).order_by(Stage.position, Stage.id))
    return {"items": [{"id": s.id, "code": s.code, "name": s.name, "position": s.position,
                       "wip_limit": s.wip_limit, "retired": s.retired, "rollout": s.rollout,
                       "gates": list(s.gates or [])} for s in stages]}


@bp.get("/dimensions")
@bp.response(200, DimensionList)
def list_dimensions():
    """List dimensions (the board's lanes)"""
    require(can_view(actor()))
    dimensions = db.session.scalars(sa.select(Dimension).order_by(Dimension.position))
    return {"items": [{"id": d.id, "code": d.code, "name": d.name, "colour": d.colour,
                       "position": d.position} for d in dimensions]}


def unit_json(unit: Unit) -> dict:
    return {"id": unit.id, "code": unit.code, "name": unit.name, "active": unit.active}


@bp.get("/units")
@bp.arguments(PageArgs, location="query", as_kwargs=True)
@bp.response(200, UnitPage, headers=LINK_HEADERS)
def list_units(page: int, per_page: int):
    """List units (OPDs)"""
    require(can_view(actor()))
    rows, total = paginate(sa.select(Unit).order_by(Unit.code), page, per_page)
    return page_answer([unit_json(r[0]) for r in rows], total, page, per_page)


def user_json(user: User) -> dict:
    return {"id": user.id, "name": user.name, "role": user.role,
            "unit": user.unit.code if user.unit is not None else None, "active": user.active}


@bp.get("/users")
@bp.arguments(PageArgs, location="query", as_kwargs=True)
@bp.response(200, UserPage, headers=LINK_HEADERS)
def list_users(page: int, per_page: int):
    """List people

    Names, roles and units (what the board shows of them), by name."""
    require(can_view(actor()))
    stmt = sa.select(User).options(joinedload(User.unit)).order_by(User.name, User.id)
    rows, total = paginate(stmt, page, per_page)
    return page_answer([user_json(r[0]) for r in rows], total, page, per_page)


@bp.get("/users/me")
@bp.response(200, UserSchema)
def me():
    """Read yourself (the token's owner)"""
    require(can_view(actor()))
    return user_json(actor())


@bp.get("/users/<int:user_id>")
@bp.response(200, UserSchema)
def get_user(user_id: int):
    """Read a person"""
    require(can_view(actor()))
    return user_json(db.get_or_404(User, user_id))
