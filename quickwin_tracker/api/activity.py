"""The activity trail, newest first: one initiative's, or the city's (as the activity feed,
which every signed-in person reads)."""

from __future__ import annotations

import sqlalchemy as sa
from marshmallow import fields
from sqlalchemy.orm import joinedload

from ..domain.permissions import can_view
from ..extensions import db
from ..models import Activity, Initiative, Unit
from .common import LINK_HEADERS, PageArgs, actor, blueprint, page_answer, paginate, require
from .schemas import ActivityPage, activity_json

bp = blueprint("activity", "Activity", "The activity trail, newest first.")


class CityActivityArgs(PageArgs):
    unit = fields.String(metadata={"description": "Only this OPD's initiatives (its code)."})


def _trail(stmt: sa.Select, page: int, per_page: int):
    stmt = (stmt.options(joinedload(Activity.actor))
            .order_by(Activity.created_at.desc(), Activity.id.desc()))
    rows, total = paginate(stmt, page, per_page)
    return page_answer([activity_json(r[0]) for r in rows], total, page, per_page)


@bp.get("/activity")
@bp.arguments(CityActivityArgs, location="query", as_kwargs=True)
@bp.response(200, ActivityPage, headers=LINK_HEADERS)
def city_activity(page: int, per_page: int, unit: str | None = None):
    """List the city's activity (the feed)"""
    require(can_view(actor()))
    stmt = sa.select(Activity)
    if unit:
        stmt = (stmt.join(Initiative, Activity.initiative_id == Initiative.id)
                .join(Unit, Initiative.unit_id == Unit.id)
                .where(Unit.code == unit.strip().upper()[:32]))
    return _trail(stmt, page, per_page)


@bp.get("/initiatives/<int:initiative_id>/activity")
@bp.arguments(PageArgs, location="query", as_kwargs=True)
@bp.response(200, ActivityPage, headers=LINK_HEADERS)
def initiative_activity(initiative_id: int, page: int, per_page: int):
    """List an initiative's activity (its trail)"""
    require(can_view(actor()))
    initiative = db.get_or_404(Initiative, initiative_id)
    return _trail(sa.select(Activity).where(Activity.initiative_id == initiative.id), page,
                  per_page)
