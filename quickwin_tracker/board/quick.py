"""A card's quick view: the summary the board opens beside itself (status and why, the latest
progress update and whether it is rosier than the data, milestones, latest measurements, last
comments), read in a few queries. The full story stays on the
initiative page; this is what a person needs to decide whether to open it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..domain.clock import local_today
from ..extensions import db
from ..lifecycle.stages import active_stages
from ..lifecycle.status import Assessment, Facts, assess_many
from ..models import (
    Comment,
    Indicator,
    Initiative,
    Measurement,
    MeasurementStatus,
    Milestone,
    ProgressUpdate,
)
from ..updates.services import Latest, disagreement

OPEN_MILESTONES = 5
COMMENTS = 3
MEASUREMENTS = 2  # the latest per indicator


@dataclass
class QuickMilestone:
    title: str
    due: date
    overdue: bool


@dataclass
class QuickIndicator:
    indicator: Indicator
    latest: list[Measurement]  # newest first, withdrawn left out


@dataclass
class QuickView:
    initiative: Initiative
    assessment: Assessment
    facts: Facts
    milestones: list[QuickMilestone]  # open ones, overdue first (oldest), then by due date
    more_milestones: int  # open ones not listed
    done_milestones: int
    indicators: list[QuickIndicator] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)  # newest last
    update: ProgressUpdate | None = None  # the latest progress update
    update_flag: str | None = None  # it reports better than the data says (``disagreement``)


def quick_view(initiative: Initiative, today: date | None = None) -> QuickView:
    today = today or local_today()
    assessment, facts = assess_many([initiative], active_stages(), today)[initiative.id]
    milestones = db.session.execute(
        sa.select(Milestone.title, Milestone.due_date, Milestone.done_on)
        .where(Milestone.initiative_id == initiative.id)
        .order_by(Milestone.due_date, Milestone.position, Milestone.id)
    ).all()
    open_ones = [QuickMilestone(t, due, due < today) for t, due, done in milestones if done is None]
    done = sum(1 for *_x, d in milestones if d is not None)
    indicators = list(db.session.scalars(
        sa.select(Indicator).where(Indicator.initiative_id == initiative.id)
        .order_by(Indicator.position, Indicator.id)))
    latest: dict[int, list[Measurement]] = {i.id: [] for i in indicators}
    if indicators:
        ranked = (
            sa.select(Measurement.id, sa.func.row_number().over(
                partition_by=Measurement.indicator_id,
                order_by=(Measurement.measured_on.desc(), Measurement.id.desc())).label("rank"))
            .where(Measurement.indicator_id.in_(latest),
                   Measurement.status != MeasurementStatus.WITHDRAWN.value)
            .subquery()
        )
        for m in db.session.scalars(
            sa.select(Measurement).join(ranked, ranked.c.id == Measurement.id)
            .where(ranked.c.rank <= MEASUREMENTS)
            .order_by(Measurement.measured_on.desc(), Measurement.id.desc())
        ):
            latest[m.indicator_id].append(m)
    comments = list(db.session.scalars(
        sa.select(Comment).where(Comment.initiative_id == initiative.id)
        .order_by(Comment.created_at.desc(), Comment.id.desc()).limit(COMMENTS)))
    comments.reverse()
    update = db.session.scalar(
        sa.select(ProgressUpdate).options(joinedload(ProgressUpdate.author))
        .where(ProgressUpdate.initiative_id == initiative.id)
        .order_by(ProgressUpdate.created_at.desc(), ProgressUpdate.id.desc()).limit(1))
    flag = (disagreement(Latest(initiative.id, update.health, update.created_at), assessment)
            if update is not None else None)
    return QuickView(
        initiative=initiative, assessment=assessment, facts=facts,
        milestones=open_ones[:OPEN_MILESTONES], more_milestones=max(0, len(open_ones) - OPEN_MILESTONES),
        done_milestones=done,
        indicators=[QuickIndicator(i, latest[i.id]) for i in indicators],
        comments=comments, update=update, update_flag=flag,
    )
