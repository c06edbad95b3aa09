from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import abort, current_app

from ..extensions import db
from ..lifecycle.progress import bar_width, progress
from ..lifecycle.stages import ordered_stages, rolled_out, rollout_dates
from ..models import Dimension, Indicator, Initiative, Measurement, MeasurementStatus, Unit
from ..web.pages import render_page
from . import bp


@dataclass
class PublicOutcome:
    name: str
    unit_of_measure: str
    baseline: float | None
    target: float | None
    latest: float | None
    measured_on: date | None
    progress: float | None


@bp.get("/dampak")
def outcomes():
    if not current_app.config["PUBLIC_PAGE"]:
        abort(404)
    rolled = rolled_out(ordered_stages())
    rows = db.session.execute(
        sa.select(Initiative.id, Initiative.title, Initiative.benefit, Initiative.stage_entered_at,
                  Unit.name.label("unit_name"), Dimension.code.label("dimension_code"),
                  Dimension.name_id, Dimension.name_en)
        .join(Unit, Unit.id == Initiative.unit_id)
        .join(Dimension, Dimension.id == Initiative.dimension_id)
        .where(Initiative.stage_id.in_(rolled.stage_ids), Initiative.archived.is_(False))
    ).all()
    # Latest rollout first (a later move into a post-rollout stage is not a rollout).
    rolled_on = rollout_dates({r.id: r.stage_entered_at for r in rows}, rolled)
    rows = sorted(rows, key=lambda r: (-rolled_on[r.id].timestamp(), r.id))
    latest = (
        sa.select(Measurement.indicator_id, Measurement.value, Measurement.measured_on,
                  sa.func.row_number().over(partition_by=Measurement.indicator_id,
                                            order_by=(Measurement.measured_on.desc(),
                                                      Measurement.id.desc())).label("rank"))
        .where(Measurement.status == MeasurementStatus.VERIFIED.value).subquery()
    )
    outcomes_by_initiative: dict[int, list[PublicOutcome]] = {}
    for indicator, value, measured_on in db.session.execute(
        sa.select(Indicator, latest.c.value, latest.c.measured_on)
        .outerjoin(latest, sa.and_(latest.c.indicator_id == Indicator.id, latest.c.rank == 1))
        .where(Indicator.initiative_id.in_([r.id for r in rows]))
        .order_by(Indicator.initiative_id, Indicator.position, Indicator.id)
    ):
        outcomes_by_initiative.setdefault(indicator.initiative_id, []).append(PublicOutcome(
            indicator.name, indicator.unit_of_measure, indicator.baseline, indicator.target,
            value, measured_on,
            progress(indicator.baseline, indicator.target, indicator.direction, value)))
    return render_page("public/outcomes.html", rows=rows, outcomes=outcomes_by_initiative,
                           rolled_on=rolled_on, bar_width=bar_width)
