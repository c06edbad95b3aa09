"""The Sekda's summary figures (``review.services.build_summary``), for those who may read it
(``can_read_summary``: reviewers and admins the whole city, an OPD head their unit)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from marshmallow import Schema, fields

from ..domain.clock import local_today
from ..domain.permissions import can_read_summary
from ..lifecycle import kept
from ..review.periods import PRESETS, PeriodError, period_from_args
from ..review.services import build_summary
from .common import Choice, QuerySchema, actor, blueprint, require
from .problems import ApiProblem

bp = blueprint("summary", "Summary", "The summary figures of the Sekda's page.")


class SummaryArgs(QuerySchema):
    period = fields.String(load_default="quarter", validate=Choice(list(PRESETS)),
                           metadata={"description": "month, quarter, year or custom"})
    start = fields.String(metadata={"description": "custom: the first day, YYYY-MM-DD"})
    end = fields.String(metadata={"description": "custom: the last day, YYYY-MM-DD"})


class HeadlineSchema(Schema):
    active = fields.Integer(required=True)
    rolled_out_period = fields.Integer(required=True)
    rolled_out_quarter = fields.Integer(required=True)
    rolled_out_year = fields.Integer(required=True)
    with_measurement_share = fields.Float(allow_none=True, required=True)
    on_track_share = fields.Float(allow_none=True, required=True)
    overdue_milestones = fields.Integer(required=True)
    average_days_to_rollout = fields.Float(allow_none=True, required=True)
    updates_on_time_share = fields.Float(allow_none=True, required=True)


class CellSchema(Schema):
    dimension = fields.String(required=True)
    stage = fields.String(required=True)
    initiatives = fields.Integer(required=True)
    attention = fields.Integer(required=True, metadata={"description": "at risk or off track"})


class UnitRowSchema(Schema):
    unit = fields.String(required=True)
    total = fields.Integer(required=True)
    by_stage = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    by_status = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    overdue_milestones = fields.Integer(required=True)
    stale = fields.Integer(required=True)
    average_progress = fields.Float(allow_none=True, required=True)
    updates_on_time = fields.Float(allow_none=True, required=True)


class OutcomeSchema(Schema):
    dimension = fields.String(required=True)
    met = fields.Integer(required=True)
    behind = fields.Integer(required=True)
    unmeasured = fields.Integer(required=True)


class PeriodSchema(Schema):
    kind = fields.String(required=True)
    start = fields.Date(required=True)
    end = fields.Date(required=True)


class SummarySchema(Schema):
    period = fields.Nested(PeriodSchema, required=True)
    unit = fields.String(allow_none=True, required=True,
                         metadata={"description": "An OPD head's unit; null: the whole city"})
    headline = fields.Nested(HeadlineSchema, required=True)
    matrix = fields.List(fields.Nested(CellSchema), required=True)
    units = fields.List(fields.Nested(UnitRowSchema), required=True)
    outcomes = fields.List(fields.Nested(OutcomeSchema), required=True)
    attention = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True,
                            metadata={"description": "initiatives at risk and off track"})


@bp.get("/summary")
@bp.arguments(SummaryArgs, location="query", as_kwargs=True)
@bp.response(200, SummarySchema)
def summary(**args: Any):
    """Read the summary figures

    For a period (the current quarter by default): the headline, the dimension × stage matrix,
    a row per OPD, outcomes per dimension. Reviewers and admins (the city), OPD heads (their
    unit)."""
    require(can_read_summary(actor()))
    try:
        period = period_from_args({k: v for k, v in args.items() if v is not None},
                                  local_today())
    except PeriodError as exc:
        raise ApiProblem(400, str(exc)) from None
    data = build_summary(actor(), period, attention_limit=10)
    kept.keep_after_response()
    stages = {s.id: s.code for s in data.stages}
    dimensions = {d.id: d.code for d in data.dimensions}
    return {
        "period": {"kind": period.kind, "start": period.start, "end": period.end},
        "unit": data.unit.code if data.unit is not None else None,
        "headline": asdict(data.headline),
        "matrix": [{"dimension": dimensions[d], "stage": stages[s], "initiatives": n,
                    "attention": data.matrix_attention.get((d, s), 0)}
                   for (d, s), n in sorted(data.matrix.items())
                   if d in dimensions and s in stages],
        "units": [{"unit": row.unit.code, "total": row.total,
                   "by_stage": {stages.get(k, str(k)): v for k, v in row.by_stage.items()},
                   "by_status": {str(k): v for k, v in row.by_status.items()},
                   "overdue_milestones": row.overdue_milestones, "stale": row.stale,
                   "average_progress": row.average_progress,
                   "updates_on_time": row.updates_on_time} for row in data.unit_rows],
        "outcomes": [{"dimension": o.dimension.code, "met": o.met, "behind": o.behind,
                      "unmeasured": o.unmeasured} for o in data.outcomes],
        "attention": {str(k): v for k, v in data.attention_counts.items()},
    }
