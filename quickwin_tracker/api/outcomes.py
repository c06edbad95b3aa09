"""An initiative's outcome indicators and their measurements: read them, record a measurement,
and (reviewers) verify or return one, with the web's rules (``outcomes.services``: four eyes, a
reason to return, no date in the future)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from marshmallow import fields
from sqlalchemy.orm import joinedload

from ..domain.permissions import can_edit, can_verify, can_view
from ..extensions import db
from ..initiatives.loading import part_of
from ..models import Indicator, Initiative, Measurement
from ..outcomes import services
from .common import (
    LINK_HEADERS,
    BodySchema,
    Day,
    PageArgs,
    Text,
    actor,
    blueprint,
    commit,
    page_answer,
    paginate,
    require,
)
from .schemas import (
    IndicatorPage,
    IndicatorSchema,
    MeasurementPage,
    MeasurementSchema,
    indicator_json,
    measurement_json,
)

bp = blueprint("outcomes", "Indicators and measurements",
               "Outcome indicators and their measurements.")


def _indicator(initiative_id: int, indicator_id: int) -> tuple[Initiative, Indicator]:
    require(can_view(actor()))
    initiative = db.get_or_404(Initiative, initiative_id)
    return initiative, part_of(initiative, Indicator, indicator_id)


def _measurement(initiative_id: int, measurement_id: int) -> tuple[Initiative, Measurement]:
    require(can_view(actor()))
    initiative = db.get_or_404(Initiative, initiative_id)
    return initiative, part_of(initiative, Measurement, measurement_id,
                               owner=lambda m: m.indicator.initiative_id)


@bp.get("/initiatives/<int:initiative_id>/indicators")
@bp.arguments(PageArgs, location="query", as_kwargs=True)
@bp.response(200, IndicatorPage, headers=LINK_HEADERS)
def list_indicators(initiative_id: int, page: int, per_page: int):
    """List an initiative's indicators"""
    require(can_view(actor()))
    initiative = db.get_or_404(Initiative, initiative_id)
    stmt = (sa.select(Indicator).where(Indicator.initiative_id == initiative.id)
            .order_by(Indicator.position, Indicator.id))
    rows, total = paginate(stmt, page, per_page)
    return page_answer([indicator_json(r[0]) for r in rows], total, page, per_page)


@bp.get("/initiatives/<int:initiative_id>/indicators/<int:indicator_id>")
@bp.response(200, IndicatorSchema)
def get_indicator(initiative_id: int, indicator_id: int):
    """Read an indicator"""
    return indicator_json(_indicator(initiative_id, indicator_id)[1])


@bp.get("/initiatives/<int:initiative_id>/indicators/<int:indicator_id>/measurements")
@bp.arguments(PageArgs, location="query", as_kwargs=True)
@bp.response(200, MeasurementPage, headers=LINK_HEADERS)
def list_measurements(initiative_id: int, indicator_id: int, page: int, per_page: int):
    """List an indicator's measurements

    The latest measured first (withdrawn ones too, marked)."""
    _initiative, indicator = _indicator(initiative_id, indicator_id)
    stmt = (sa.select(Measurement).where(Measurement.indicator_id == indicator.id)
            .options(joinedload(Measurement.recorded_by), joinedload(Measurement.reviewed_by))
            .order_by(Measurement.measured_on.desc(), Measurement.id.desc()))
    rows, total = paginate(stmt, page, per_page)
    return page_answer([measurement_json(r[0]) for r in rows], total, page, per_page)


class NewMeasurement(BodySchema):
    value = fields.Float(required=True, allow_nan=False)
    measured_on = Day(required=True)
    note = Text(2000, load_default="")
    link = Text(500, load_default="", metadata={"description": "A web page with the data."})


@bp.post("/initiatives/<int:initiative_id>/indicators/<int:indicator_id>/measurements")
@bp.arguments(NewMeasurement)
@bp.response(201, MeasurementSchema)
def record_measurement(body: dict[str, Any], initiative_id: int, indicator_id: int):
    """Record a measurement

    Who may edit the initiative. It is "submitted" and counts toward progress once a reviewer
    has verified it. Evidence files are uploaded on the web."""
    initiative, indicator = _indicator(initiative_id, indicator_id)
    require(can_edit(actor(), initiative))
    measurement = services.record_measurement(actor(), indicator,
                                              services.MeasurementData(**body))
    commit()
    return measurement_json(measurement), 201


@bp.post("/initiatives/<int:initiative_id>/measurements/<int:measurement_id>/verify")
@bp.response(200, MeasurementSchema)
def verify_measurement(initiative_id: int, measurement_id: int):
    """Verify a measurement

    Reviewers and admins; never one they recorded or corrected."""
    _initiative, measurement = _measurement(initiative_id, measurement_id)
    require(can_verify(actor()))
    services.verify_measurement(actor(), measurement)
    commit()
    return measurement_json(measurement)


class ReturnMeasurement(BodySchema):
    reason = Text(1000, required=True, metadata={"description": "Why, so the unit can correct "
                                                               "it."})


@bp.post("/initiatives/<int:initiative_id>/measurements/<int:measurement_id>/return")
@bp.arguments(ReturnMeasurement)
@bp.response(200, MeasurementSchema)
def return_measurement(body: dict[str, Any], initiative_id: int, measurement_id: int):
    """Return a measurement

    To the unit, with the reason (reviewers and admins)."""
    _initiative, measurement = _measurement(initiative_id, measurement_id)
    require(can_verify(actor()))
    services.return_measurement(actor(), measurement, body["reason"])
    commit()
    return measurement_json(measurement)
