"""The workflow's stages: their board order, the first (approval) stage and the rolled-out ones.

The one place that reads the stages in order. Stages are ordered by ``position`` (then id);
retired stages leave the board but keep their place, so the trail and old initiatives can still
name them. The first active stage is where proposals wait for approval. Which stages count as
rolled out is a property, not a position (``Stage.rollout``): the marked stage and every stage
placed after it (see ``rolled_out``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from ..domain.clock import aware_utc
from ..extensions import db
from ..models import Activity, Stage

BOARD_ORDER = (Stage.position, Stage.id)


def ordered_stages() -> list[Stage]:
    """Every stage, retired ones included, in board order."""
    return list(db.session.scalars(sa.select(Stage).order_by(*BOARD_ORDER)))


def active_stages() -> list[Stage]:
    """The board's columns: the stages in use, in board order."""
    return list(db.session.scalars(
        sa.select(Stage).where(Stage.retired.is_(False)).order_by(*BOARD_ORDER)))


def first_stage() -> Stage:
    """The first active stage: new initiatives start there, and leaving it is the approval."""
    stage = db.session.scalar(
        sa.select(Stage).where(Stage.retired.is_(False)).order_by(*BOARD_ORDER).limit(1))
    if stage is None:  # the migrations create five; admins cannot retire the last one
        raise RuntimeError("no active stage")
    return stage


@dataclass(frozen=True, slots=True)
class RolledOut:
    """Which stages count as rolled out (see the module docstring): the rollout stage and every
    stage placed after it. ``stage_id in rolled`` asks about one stage."""

    stage_id: int | None = None  # the rollout stage (None: no stage is marked)
    stage_ids: frozenset[int] = frozenset()
    codes: frozenset[str] = frozenset()  # the same stages' codes, as the trail keeps them

    def __contains__(self, stage_id: object) -> bool:
        return stage_id in self.stage_ids

    def rolls_out(self, from_code: str | None, to_code: str | None) -> bool:
        """Does a move between these stages (codes, as in a "moved" trail entry) roll out?"""
        return to_code in self.codes and from_code not in self.codes

    def rollout_moves(self) -> sa.ColumnElement[bool]:
        """``rolls_out`` in SQL, over ``Activity`` rows: the "moved" entries that rolled out."""
        to_code = Activity.data["to_stage"].as_string()
        from_code = Activity.data["from_stage"].as_string()
        if not self.codes:
            return sa.false()
        return sa.and_(Activity.verb == "moved", to_code.in_(self.codes),
                       sa.or_(from_code.is_(None), from_code.not_in(self.codes)))


def rolled_out(stages: Iterable[Stage]) -> RolledOut:
    """The rolled-out stages among ``stages`` (all stages, or the active ones: retired stages hold
    no initiative on the board): the active stage marked ``rollout`` and every stage after it by
    position. Nothing when no active stage is marked."""
    ordered = sorted(stages, key=lambda s: (s.position, s.id))
    start = next((n for n, s in enumerate(ordered) if s.rollout and not s.retired), None)
    if start is None:
        return RolledOut()
    after = ordered[start:]
    return RolledOut(ordered[start].id, frozenset(s.id for s in after),
                     frozenset(s.code for s in after))


def rollout_dates(initiatives: Mapping[int, datetime], rolled: RolledOut) -> dict[int, datetime]:
    """When each initiative was rolled out: the latest trail entry that moved it into a rolled-out
    stage from one that was not, else its ``stage_entered_at`` (the value of ``initiatives``:
    initiative id -> stage_entered_at, for initiatives in rolled-out stages; data imported or
    seeded without a trail). One query; none when ``initiatives`` is empty."""
    if not initiatives:
        return {}
    moved = dict(db.session.execute(
        sa.select(Activity.initiative_id, sa.func.max(Activity.created_at))
        .where(Activity.initiative_id.in_(list(initiatives)), rolled.rollout_moves())
        .group_by(Activity.initiative_id)
    ).all())
    return {i: aware_utc(moved.get(i)) or entered for i, entered in initiatives.items()}
