"""What the public outcome page publishes: the one owner of "public".

Only rolled-out, non-archived initiatives (``lifecycle.stages.rolled_out``) and, for their
outcome indicators, the latest *verified* measurement. No people, no comments, no descriptions,
no submitted, returned or withdrawn measurements. The page (``views.outcomes``) and the open
data (``opendata.py``: the CSV files and the DCAT catalogue) both read :func:`published`, so the
files hold exactly what the page shows.

Queries: a fixed number whatever the size of the city: the stages, the initiatives, their
rollout dates (``rollout_dates``) and the indicators with their latest verified value; and, for
the open data only, :func:`last_changed` (one more).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from ..domain.clock import aware_utc
from ..extensions import db
from ..lifecycle.progress import mean_progress, progress
from ..lifecycle.stages import RolledOut, ordered_stages, rolled_out, rollout_dates
from ..models import (
    Activity,
    Dimension,
    Indicator,
    Initiative,
    Measurement,
    MeasurementStatus,
    Unit,
)


@dataclass
class PublicOutcome:
    indicator_id: int
    name: str
    unit_of_measure: str
    baseline: float | None
    target: float | None
    latest: float | None
    measured_on: date | None
    progress: float | None


@dataclass
class PublicData:
    """The page's content: ``rows`` (latest rollout first), each row's rollout moment
    (``rolled_on``, aware UTC) and its outcomes (``outcomes``, by initiative id, in the
    initiative page's order)."""

    rows: list[Any]
    rolled_on: dict[int, datetime]
    outcomes: dict[int, list[PublicOutcome]] = field(default_factory=dict)
    rolled: RolledOut = field(default_factory=RolledOut)

    def progress_of(self, initiative_id: int) -> float | None:
        """The initiative's outcome progress: the mean over its verified indicators."""
        return mean_progress(o.progress for o in self.outcomes.get(initiative_id, []))


def published() -> PublicData:
    """The rolled-out, non-archived initiatives and their verified outcomes (four queries)."""
    rolled = rolled_out(ordered_stages())
    rows = db.session.execute(
        sa.select(Initiative.id, Initiative.title, Initiative.benefit, Initiative.stage_entered_at,
                  Unit.code.label("unit_code"),
                  Unit.name.label("unit_name"), Dimension.code.label("dimension_code"),
                  Dimension.name_id, Dimension.name_en)
        .join(Unit, Unit.id == Initiative.unit_id)
        .join(Dimension, Dimension.id == Initiative.dimension_id)
        .where(Initiative.stage_id.in_(rolled.stage_ids), Initiative.archived.is_(False))
    ).all()
    # Latest rollout first (a later move into a post-rollout stage is not a rollout).
    rolled_on = rollout_dates({r.id: r.stage_entered_at for r in rows}, rolled)
    rows = sorted(rows, key=lambda r: (-rolled_on[r.id].timestamp(), r.id))
    data = PublicData(rows, rolled_on, rolled=rolled)
    if not rows:
        return data
    latest = (
        sa.select(Measurement.indicator_id, Measurement.value, Measurement.measured_on,
                  sa.func.row_number().over(partition_by=Measurement.indicator_id,
                                            order_by=(Measurement.measured_on.desc(),
                                                      Measurement.id.desc())).label("rank"))
        .where(Measurement.status == MeasurementStatus.VERIFIED.value).subquery()
    )
    for indicator, value, measured_on in db.session.execute(
        sa.select(Indicator, latest.c.value, latest.c.measured_on)
        .outerjoin(latest, sa.and_(latest.c.indicator_id == Indicator.id, latest.c.rank == 1))
        .where(Indicator.initiative_id.in_([r.id for r in rows]))
        .order_by(Indicator.initiative_id, Indicator.position, Indicator.id)
    ):
        data.outcomes.setdefault(indicator.initiative_id, []).append(PublicOutcome(
            indicator.id, indicator.name, indicator.unit_of_measure, indicator.baseline,
            indicator.target, value, measured_on,
            progress(indicator.baseline, indicator.target, indicator.direction, value)))
    return data


# Trail entries that change what the page shows about an initiative that is on it.
PUBLISHED_VERBS = ("created", "updated", "moved", "unarchived", "indicator_added",
                   "indicator_updated", "indicator_deleted", "measurement_verified",
                   "measurement_corrected", "measurement_withdrawn")


def last_changed(data: PublicData) -> datetime | None:
    """When the published data last changed (aware UTC; None when nothing was ever published).

    The latest of: a rollout of a shown initiative, and the trail entries that change what is
    shown (``PUBLISHED_VERBS``) of a shown initiative, or that took one off the page (archived
    while rolled out, moved back before the rollout stage). One query. Every change of an
    initiative made in the app writes such an entry; renaming an OPD or a dimension, or a change
    made behind the app's back (SQL by hand), moves the files' ETag, which is their content's
    hash, but not this date. It may move for a change the files do not
    show (the verification of an older measurement, an edit of the internal description): a
    harvester then reads the same rows once more.
    """
    shown = [r.id for r in data.rows]
    rolled = data.rolled
    from_code = Activity.data["from_stage"].as_string()
    to_code = Activity.data["to_stage"].as_string()
    removed = [sa.and_(Activity.verb == "archived", Initiative.stage_id.in_(rolled.stage_ids))]
    if rolled.codes:
        removed.append(sa.and_(Activity.verb == "moved", from_code.in_(rolled.codes),
                               sa.or_(to_code.is_(None), to_code.not_in(rolled.codes))))
    trail = aware_utc(db.session.scalar(
        sa.select(sa.func.max(Activity.created_at))
        .join(Initiative, Initiative.id == Activity.initiative_id)
        .where(sa.or_(sa.and_(Activity.initiative_id.in_(shown),
                              Activity.verb.in_(PUBLISHED_VERBS)),
                      *removed))
    ))
    moments = [m for m in (trail, *data.rolled_on.values()) if m is not None]
    return max(moments, default=None)
