"""Stage gates: conditions an initiative must meet to *enter* a stage.

Admins choose, per stage, from the fixed set of checks in ``CHECKS``; the defaults (migration
0003) are: entering Approved needs an owner, a target date and an outcome indicator with baseline
and target; entering Rolled out needs every milestone done and at least one measurement. Gates
belong to the stage they guard, never to a position.

``missing(initiative, stage)`` returns what is missing, in words, each with the part of the
initiative page where it is fixed; an empty list means the gate is open. ``missing_to_enter``
is what a move checks: the target stage's gate and, when the move rolls the initiative out by
entering a stage placed after the rollout stage (an "Evaluasi", say), the rollout stage's gate
too, so no rollout skips the rollout checks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..models import (
    STANDING_MEASUREMENT_STATUSES,
    Indicator,
    Initiative,
    Measurement,
    MeasurementStatus,
    Milestone,
    Stage,
)
from .stages import ordered_stages, rolled_out


@dataclass(frozen=True)
class Missing:
    check: str
    text: str
    anchor: str  # where on the initiative page it is fixed: "details", "milestones", "outcomes"


@dataclass(frozen=True)
class Check:
    code: str
    label: object  # lazy string, shown to admins
    missing_text: object  # lazy string, shown when the check fails
    anchor: str
    passes: Callable[[Initiative], bool]


def _has_owner(i: Initiative) -> bool:
    return i.owner_id is not None


def _has_target_date(i: Initiative) -> bool:
    return i.target_date is not None


def _has_measurable_indicator(i: Initiative) -> bool:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Indicator).where(
            Indicator.initiative_id == i.id, Indicator.baseline.is_not(None),
            Indicator.target.is_not(None))
    ) > 0


def _has_milestone(i: Initiative) -> bool:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Milestone).where(Milestone.initiative_id == i.id)
    ) > 0


def _all_milestones_done(i: Initiative) -> bool:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Milestone).where(
            Milestone.initiative_id == i.id, Milestone.done_on.is_(None))
    ) == 0


def _measurements(i: Initiative, statuses: tuple[str, ...]) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Measurement).join(Indicator).where(
            Indicator.initiative_id == i.id, Measurement.status.in_(statuses))
    )


def _has_measurement(i: Initiative) -> bool:
    return _measurements(i, STANDING_MEASUREMENT_STATUSES) > 0  # not returned or withdrawn


def _has_verified_measurement(i: Initiative) -> bool:
    return _measurements(i, (MeasurementStatus.VERIFIED.value,)) > 0


CHECKS: dict[str, Check] = {c.code: c for c in (
    Check("has_owner", _l("has an owner"), _l("an owner"), "details", _has_owner),
    Check("has_target_date", _l("has a target rollout date"), _l("a target rollout date"),
          "details", _has_target_date),
    Check("has_measurable_indicator", _l("has an outcome indicator with baseline and target"),
          _l("an outcome indicator with a baseline and a target"), "outcomes",
          _has_measurable_indicator),
    Check("has_milestone", _l("has at least one milestone"), _l("at least one milestone"),
          "milestones", _has_milestone),
    Check("all_milestones_done", _l("every milestone is done"), _l("every milestone done"),
          "milestones", _all_milestones_done),
    Check("has_measurement", _l("has at least one outcome measurement"),
          _l("at least one outcome measurement"), "outcomes", _has_measurement),
    Check("has_verified_measurement", _l("has a verified outcome measurement"),
          _l("a verified outcome measurement"), "outcomes", _has_verified_measurement),
)}


def missing(initiative: Initiative, stage: Stage) -> list[Missing]:
    """What ``initiative`` lacks to enter ``stage`` (unknown check codes are ignored)."""
    return _missing(initiative, stage.gates or [])


def _missing(initiative: Initiative, codes: list[str]) -> list[Missing]:
    result = []
    for code in codes:
        check = CHECKS.get(code)
        if check is not None and not check.passes(initiative):
            result.append(Missing(code, str(check.missing_text), check.anchor))
    return result


def missing_to_enter(initiative: Initiative, from_stage: Stage, to_stage: Stage) -> list[Missing]:
    """What ``initiative`` lacks to move from ``from_stage`` into ``to_stage``: the gate of
    ``to_stage`` and, if the move rolls it out past the rollout stage, the rollout stage's gate
    as well (each check once, in ``CHECKS`` order)."""
    codes = list(to_stage.gates or [])
    if to_stage.id != from_stage.id:
        rolled = rolled_out(ordered_stages())
        if rolled.stage_id not in (None, to_stage.id) and rolled.rolls_out(from_stage.code,
                                                                            to_stage.code):
            rollout_stage = db.session.get(Stage, rolled.stage_id)
            codes += [c for c in rollout_stage.gates or [] if c not in codes]
    return _missing(initiative, [c for c in CHECKS if c in codes])
