"""Stage administration. People and units live in ``auth.services`` (shared with the CLI).

Exactly one active stage is the rollout stage (``Stage.rollout``; what it means:
``lifecycle.status``): marking another stage moves the mark there, and the rollout stage cannot
be unmarked, retired or deleted until another stage carries it. The database allows at most one
(a partial unique index); these functions keep it exactly one, and active.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..domain.errors import Conflict, Invalid
from ..domain.queries import for_update
from ..extensions import db
from ..lifecycle.gates import CHECKS
from ..lifecycle.stages import ordered_stages
from ..models import Initiative, Stage, Tag, initiative_tag

log = logging.getLogger(__name__)


def _ordered() -> list[Stage]:
    return ordered_stages()


def _renumber(stages: list[Stage]) -> None:
    for position, stage in enumerate(stages):
        stage.position = position


def _valid_gates(gates: list[str] | None) -> list[str]:
    unknown = [g for g in gates or [] if g not in CHECKS]
    if unknown:
        raise Invalid(_l("Unknown check."), "gates")
    return [g for g in CHECKS if g in (gates or [])]  # stable order


def _cadence(days: int | None) -> int | None:
    """A stage's progress-update cadence: whole days from 1 to 366, or None (the default)."""
    if days is not None and not 1 <= days <= 366:
        raise Invalid(_l("Between 1 and 366 days, or empty for the default."),
                      "update_cadence_days")
    return days


def create_stage(code: str, name_id: str, name_en: str, wip_limit: int | None,
                 expected_days: int | None = None, gates: list[str] | None = None,
                 rollout: bool = False, update_cadence_days: int | None = None) -> Stage:
    """A new stage, placed last. It does not become the rollout stage unless ``rollout``: a stage
    added after the rollout stage is a post-rollout stage (see ``lifecycle.status``)."""
    if db.session.scalar(sa.select(Stage).where(Stage.code == code)) is not None:
        raise Invalid(_l("A stage with this code already exists."), "code")
    stages = _ordered()
    stage = Stage(code=code, name_id=name_id.strip(), name_en=name_en.strip(), wip_limit=wip_limit,
                  expected_days=expected_days, gates=_valid_gates(gates), position=len(stages),
                  update_cadence_days=_cadence(update_cadence_days))
    db.session.add(stage)
    db.session.flush()
    if rollout:
        make_rollout_stage(stage)
    log.info("stage %s created", code)
    return stage


def update_stage(stage: Stage, name_id: str, name_en: str, wip_limit: int | None,
                 expected_days: int | None = None, gates: list[str] | None = None,
                 rollout: bool | None = None, update_cadence_days: int | None = None) -> Stage:
    """Save the stage's settings; ``rollout`` True makes it the rollout stage, False on the
    rollout stage is refused (another stage must be marked instead), None leaves it."""
    if rollout is False and stage.rollout:
        raise Invalid(_l("One stage must be the rollout stage. To move it, tick this box on the "
                         "stage that should be the rollout stage instead."), "rollout")
    stage.name_id, stage.name_en, stage.wip_limit = name_id.strip(), name_en.strip(), wip_limit
    stage.expected_days = expected_days
    stage.update_cadence_days = _cadence(update_cadence_days)
    stage.gates = _valid_gates(gates)
    db.session.flush()
    if rollout and not stage.rollout:
        make_rollout_stage(stage)
    log.info("stage %s updated", stage.code)
    return stage


def make_rollout_stage(stage: Stage) -> None:
    """Make ``stage`` the rollout stage (the mark leaves the stage that had it)."""
    if stage.retired:
        raise Invalid(_l("A retired stage cannot be the rollout stage; restore it first."),
                      "rollout")
    # Lock every stage row and read them afresh (PostgreSQL; SQLite serialises writers): of two
    # admins marking different stages at once, the second waits and moves the first one's mark.
    current = db.session.scalars(
        for_update(sa.select(Stage).order_by(Stage.id))
        .execution_options(populate_existing=True))
    previous = [s for s in current if s.rollout and s.id != stage.id]
    for other in previous:
        other.rollout = False
    db.session.flush()  # first: the unique index allows one marked stage at any moment
    stage.rollout = True
    db.session.flush()
    log.info("stage %s is the rollout stage (was %s)", stage.code,
             ", ".join(s.code for s in previous) or "none")


def _refuse_rollout_stage(stage: Stage) -> None:
    if stage.rollout:
        raise Conflict(_l("%(name)s is the rollout stage: first mark another stage as the "
                          "rollout stage (edit that stage).", name=stage.name))


def move_stage(stage: Stage, offset: int) -> None:
    """Move ``stage`` one place left (-1) or right (+1) in the workflow."""
    stages = _ordered()
    index = stages.index(stage)
    target = index + offset
    # Retired stages are off the board: step over them, or "move left" would change nothing there.
    while 0 <= target < len(stages) and stages[target].retired and not stage.retired:
        target += offset
    if 0 <= target < len(stages):
        stages[index], stages[target] = stages[target], stages[index]
        _renumber(stages)
        db.session.flush()


def _initiatives_in(stage: Stage, include_archived: bool) -> int:
    stmt = sa.select(sa.func.count()).select_from(Initiative).where(Initiative.stage_id == stage.id)
    if not include_archived:
        stmt = stmt.where(Initiative.archived.is_(False))
    return db.session.scalar(stmt) or 0


def retire_stage(stage: Stage) -> None:
    if stage.retired:
        return
    active = [s for s in _ordered() if not s.retired]
    if len(active) <= 1:
        raise Conflict(_l("The board needs at least one stage."))
    _refuse_rollout_stage(stage)
    if n := _initiatives_in(stage, include_archived=False):
        raise Conflict(
            _l("%(num)d initiatives are still in this stage; move them first.", num=n)
        )
    stage.retired = True
    db.session.flush()
    log.info("stage %s retired", stage.code)


def restore_stage(stage: Stage) -> None:
    stage.retired = False
    db.session.flush()
    log.info("stage %s restored", stage.code)


def delete_stage(stage: Stage) -> None:
    if _initiatives_in(stage, include_archived=True):
        raise Conflict(
            _l("Initiatives (perhaps archived ones) refer to this stage: it can only be retired.")
        )
    if not stage.retired and len([s for s in _ordered() if not s.retired]) <= 1:
        raise Conflict(_l("The board needs at least one stage."))
    _refuse_rollout_stage(stage)
    db.session.delete(stage)
    db.session.flush()
    _renumber(_ordered())
    db.session.flush()
    log.info("stage %s deleted", stage.code)


# --------------------------------------------------------------------------- plan tags


def create_tag(kind: str, code: str, name: str) -> Tag:
    code = code.strip()
    if db.session.scalar(sa.select(Tag).where(Tag.kind == kind, Tag.code == code)) is not None:
        raise Invalid(_l("This tag already exists."), "code")
    tag = Tag(kind=kind, code=code, name=name.strip())
    db.session.add(tag)
    db.session.flush()
    log.info("tag %s:%s created", kind, code)
    return tag


def update_tag(tag: Tag, kind: str, code: str, name: str) -> Tag:
    code = code.strip()
    other = db.session.scalar(sa.select(Tag).where(Tag.kind == kind, Tag.code == code))
    if other is not None and other.id != tag.id:
        raise Invalid(_l("This tag already exists."), "code")
    tag.kind, tag.code, tag.name = kind, code, name.strip()
    db.session.flush()
    return tag


def delete_tag(tag: Tag) -> None:
    used = db.session.scalar(
        sa.select(sa.func.count()).select_from(initiative_tag)
        .where(initiative_tag.c.tag_id == tag.id)
    )
    if used:
        raise Conflict(_l("%(num)d initiatives carry this tag; remove it from them first.", num=used))
    db.session.delete(tag)
    db.session.flush()
