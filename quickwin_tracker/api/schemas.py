"""What the API answers with (marshmallow schemas, documented in the OpenAPI document). The
views build plain dicts (``*_json`` functions here), the schemas dump and document them."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

from ..domain.activity import describe
from ..models import Activity, Comment, Indicator, Initiative, Measurement, Milestone, ProgressUpdate, User
from .common import PageSchema


def _nullable(field_class: type[fields.Field], **kwargs: Any) -> fields.Field:
    return field_class(allow_none=True, required=True, **kwargs)


class PersonRef(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class InitiativeSchema(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    benefit = fields.String(required=True)
    description = fields.String(required=True)
    dimension = fields.String(required=True, metadata={"description": "The dimension's code."})
    unit = fields.String(required=True, metadata={"description": "The owning OPD's code."})
    owner = fields.Nested(PersonRef, allow_none=True, required=True)
    stage = fields.String(required=True, metadata={"description": "The stage's code."})
    status = _nullable(fields.String, metadata={
        "description": "Derived status (on_track, at_risk, off_track, overdue, done…), as the "
                       "board shows it; null for an archived initiative."})
    target_date = _nullable(fields.Date)
    archived = fields.Boolean(required=True)
    version = fields.Integer(required=True, metadata={
        "description": "Its version, also sent as the ETag; If-Match takes it back."})
    members = fields.List(fields.Nested(PersonRef), required=True)
    tags = fields.List(fields.String(), required=True,
                       metadata={"description": "Plans it serves, as kind:code."})
    stage_entered_at = fields.DateTime(required=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)


class InitiativePage(PageSchema):
    items = fields.List(fields.Nested(InitiativeSchema), required=True)


def person(user: User | None) -> dict[str, Any] | None:
    return None if user is None else {"id": user.id, "name": user.name}


def initiative_json(initiative: Initiative, status: str | None) -> dict[str, Any]:
    return {
        "id": initiative.id, "title": initiative.title, "benefit": initiative.benefit,
        "description": initiative.description, "dimension": initiative.dimension.code,
        "unit": initiative.unit.code, "owner": person(initiative.owner),
        "stage": initiative.stage.code, "status": status, "target_date": initiative.target_date,
        "archived": initiative.archived, "version": initiative.version,
        "members": [person(m) for m in initiative.members],
        "tags": [f"{t.kind}:{t.code}" for t in initiative.tags],
        "stage_entered_at": initiative.stage_entered_at, "created_at": initiative.created_at,
        "updated_at": initiative.updated_at,
    }


class MilestoneSchema(Schema):
    id = fields.Integer(required=True)
    initiative_id = fields.Integer(required=True)
    title = fields.String(required=True)
    due_date = fields.Date(required=True)
    responsible = fields.Nested(PersonRef, allow_none=True, required=True)
    done = fields.Boolean(required=True)
    done_on = _nullable(fields.Date)
    done_by = fields.Nested(PersonRef, allow_none=True, required=True)


class MilestonePage(PageSchema):
    items = fields.List(fields.Nested(MilestoneSchema), required=True)


def milestone_json(m: Milestone) -> dict[str, Any]:
    return {"id": m.id, "initiative_id": m.initiative_id, "title": m.title,
            "due_date": m.due_date, "responsible": person(m.responsible), "done": m.done,
            "done_on": m.done_on, "done_by": person(m.done_by)}


class IndicatorSchema(Schema):
    id = fields.Integer(required=True)
    initiative_id = fields.Integer(required=True)
    name = fields.String(required=True)
    unit_of_measure = fields.String(required=True)
    baseline = _nullable(fields.Float)
    target = _nullable(fields.Float)
    direction = fields.String(required=True, metadata={"description": "higher or lower is better"})
    target_date = _nullable(fields.Date)
    plan_period = fields.String(required=True)


class IndicatorPage(PageSchema):
    items = fields.List(fields.Nested(IndicatorSchema), required=True)


def indicator_json(i: Indicator) -> dict[str, Any]:
    return {"id": i.id, "initiative_id": i.initiative_id, "name": i.name,
            "unit_of_measure": i.unit_of_measure, "baseline": i.baseline, "target": i.target,
            "direction": i.direction, "target_date": i.target_date, "plan_period": i.plan_period}


class MeasurementSchema(Schema):
    id = fields.Integer(required=True)
    indicator_id = fields.Integer(required=True)
    value = fields.Float(required=True)
    measured_on = fields.Date(required=True)
    note = fields.String(required=True)
    link = fields.String(required=True)
    has_evidence = fields.Boolean(required=True)
    status = fields.String(required=True, metadata={
        "description": "submitted, verified, returned or withdrawn"})
    recorded_by = fields.Nested(PersonRef, allow_none=True, required=True)
    recorded_at = fields.DateTime(required=True)
    reviewed_by = fields.Nested(PersonRef, allow_none=True, required=True)
    reviewed_at = _nullable(fields.DateTime)
    review_note = fields.String(required=True)


class MeasurementPage(PageSchema):
    items = fields.List(fields.Nested(MeasurementSchema), required=True)


def measurement_json(m: Measurement) -> dict[str, Any]:
    return {"id": m.id, "indicator_id": m.indicator_id, "value": m.value,
            "measured_on": m.measured_on, "note": m.note, "link": m.link,
            "has_evidence": m.evidence_id is not None, "status": m.status,
            "recorded_by": person(m.recorded_by), "recorded_at": m.recorded_at,
            "reviewed_by": person(m.reviewed_by), "reviewed_at": m.reviewed_at,
            "review_note": m.review_note}


class CommentSchema(Schema):
    id = fields.Integer(required=True)
    initiative_id = fields.Integer(required=True)
    author = fields.Nested(PersonRef, allow_none=True, required=True)
    body = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    edited_at = _nullable(fields.DateTime)


class CommentPage(PageSchema):
    items = fields.List(fields.Nested(CommentSchema), required=True)


def comment_json(c: Comment) -> dict[str, Any]:
    return {"id": c.id, "initiative_id": c.initiative_id, "author": person(c.author),
            "body": c.body, "created_at": c.created_at, "edited_at": c.edited_at}


class UpdateSchema(Schema):
    id = fields.Integer(required=True)
    initiative_id = fields.Integer(required=True)
    author = fields.Nested(PersonRef, allow_none=True, required=True)
    health = fields.String(required=True, metadata={"description": "on_track, at_risk or off_track"})
    moved = fields.String(required=True)
    blocks = fields.String(required=True)
    next_steps = fields.String(required=True)
    link = fields.String(required=True)
    has_evidence = fields.Boolean(required=True)
    created_at = fields.DateTime(required=True)
    edited_at = _nullable(fields.DateTime)


class UpdatePage(PageSchema):
    items = fields.List(fields.Nested(UpdateSchema), required=True)


def update_json(u: ProgressUpdate) -> dict[str, Any]:
    return {"id": u.id, "initiative_id": u.initiative_id, "author": person(u.author),
            "health": u.health, "moved": u.moved, "blocks": u.blocks, "next_steps": u.next_steps,
            "link": u.link, "has_evidence": u.evidence_id is not None,
            "created_at": u.created_at, "edited_at": u.edited_at}


class ActivitySchema(Schema):
    id = fields.Integer(required=True)
    initiative_id = _nullable(fields.Integer)
    actor = fields.Nested(PersonRef, allow_none=True, required=True)
    verb = fields.String(required=True)
    text = fields.String(required=True, metadata={"description": "The trail's sentence."})
    data = fields.Dict(required=True)
    created_at = fields.DateTime(required=True)


class ActivityPage(PageSchema):
    items = fields.List(fields.Nested(ActivitySchema), required=True)


def activity_json(a: Activity) -> dict[str, Any]:
    return {"id": a.id, "initiative_id": a.initiative_id, "actor": person(a.actor),
            "verb": a.verb, "text": describe(a), "data": a.data or {},
            "created_at": a.created_at}
