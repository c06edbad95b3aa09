"""Stage administration. People and units live in ``auth.services`` (shared with the CLI)."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..domain import Conflict, Invalid
from ..extensions import db
from ..models import Initiative, Stage

log = logging.getLogger(__name__)


def _ordered() -> list[Stage]:
    return list(db.session.scalars(sa.select(Stage).order_by(Stage.position, Stage.id)))


def _renumber(stages: list[Stage]) -> None:
    for position, stage in enumerate(stages):
        stage.position = position


def create_stage(code: str, name_id: str, name_en: str, wip_limit: int | None) -> Stage:
    if db.session.scalar(sa.select(Stage).where(Stage.code == code)) is not None:
        raise Invalid(_l("A stage with this code already exists."), "code")
    stages = _ordered()
    stage = Stage(code=code, name_id=name_id.strip(), name_en=name_en.strip(), wip_limit=wip_limit,
                  position=len(stages))
    db.session.add(stage)
    db.session.flush()
    log.info("stage %s created", code)
    return stage


def update_stage(stage: Stage, name_id: str, name_en: str, wip_limit: int | None) -> Stage:
    stage.name_id, stage.name_en, stage.wip_limit = name_id.strip(), name_en.strip(), wip_limit
    db.session.flush()
    log.info("stage %s updated", stage.code)
    return stage


def move_stage(stage: Stage, offset: int) -> None:
    """Move ``stage`` one place left (-1) or right (+1) in the workflow."""
    stages = _ordered()
    index = stages.index(stage)
    target = index + offset
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
    db.session.delete(stage)
    db.session.flush()
    _renumber(_ordered())
    db.session.flush()
    log.info("stage %s deleted", stage.code)
