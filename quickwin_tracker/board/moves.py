"""Moving a card: into another stage of its lane, or to another place in its cell.

``move_initiative`` checks, in this order, that the card can still move (not archived, the
version the user saw), the stage (in use), the permission (``can_move``: leaving the first stage
is the approval), the WIP limit and the stage gates; then it places the card after its
neighbour (``board.positions``), records one Activity and flushes. The caller commits. A refusal
changes nothing and says why (``MoveRefused``: its HTTP status, and for a gate what is missing).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from ..domain import activity
from ..domain.clock import utcnow
from ..domain.errors import DomainError
from ..domain.permissions import can_move
from ..extensions import db
from ..lifecycle import gates
from ..lifecycle.gates import Missing
from ..lifecycle.stages import first_stage
from ..models import Initiative, Stage, User
from . import positions

log = logging.getLogger(__name__)

CHANGED_MEANWHILE = _l(
    "Someone else changed this initiative meanwhile; the board now shows the current state.")


class MoveRefused(DomainError):
    """A move that was not made; ``status`` is the HTTP status that says why. ``missing`` lists
    what a stage gate asks for (each with where to fix it)."""

    def __init__(self, status: int, message: Any, missing: list[Missing] | None = None):
        super().__init__(message, status=status)
        self.missing = missing or []


@dataclass
class MoveResult:
    initiative: Initiative
    from_stage: Stage
    to_stage: Stage
    changed: bool


def _check_allowed(actor: User, initiative: Initiative, to_stage: Stage,
                   expected_version: int | None) -> None:
    if initiative.archived:
        raise MoveRefused(409, _l("This initiative is archived."))
    if expected_version is not None and expected_version != initiative.version:
        raise MoveRefused(409, CHANGED_MEANWHILE)
    if to_stage.retired:
        raise MoveRefused(422, _l("That stage is no longer in use."))
    decision = can_move(actor, initiative, to_stage, first_stage())
    if not decision:
        raise MoveRefused(403, decision.reason)


def _check_room(initiative: Initiative, from_stage: Stage, to_stage: Stage) -> None:
    """The WIP limit and the gates of the stage entered (after the lock: counts are current)."""
    if to_stage.wip_limit is not None:
        in_stage = db.session.scalar(
            sa.select(sa.func.count()).select_from(Initiative)
            .where(Initiative.stage_id == to_stage.id, Initiative.archived.is_(False)))
        if in_stage >= to_stage.wip_limit:
            raise MoveRefused(409, _l(
                "“%(stage)s” is at its limit of %(limit)d initiatives; finish one first.",
                stage=to_stage.name, limit=to_stage.wip_limit))
    lacking = gates.missing_to_enter(initiative, from_stage, to_stage)
    if lacking:
        raise MoveRefused(422, _l("“%(title)s” cannot enter %(stage)s yet. It still needs:",
                                  title=initiative.title, stage=to_stage.name), missing=lacking)


def move_initiative(
    actor: User,
    initiative: Initiative,
    to_stage: Stage,
    after_id: int | None,
    expected_version: int | None,
    now: datetime | None = None,
) -> MoveResult:
    """Move ``initiative`` into ``to_stage`` right after card ``after_id`` (None: to the top)."""
    now = now or utcnow()
    from_stage = initiative.stage
    _check_allowed(actor, initiative, to_stage, expected_version)
    positions.lock_stages([from_stage.id, to_stage.id])  # then the counts below are current
    stage_changed = to_stage.id != from_stage.id
    if stage_changed:
        _check_room(initiative, from_stage, to_stage)

    dimension_id = initiative.dimension_id
    new_order = positions.insert_after(
        positions.cell_ids(dimension_id, to_stage.id, without=initiative.id), initiative.id,
        after_id)
    if new_order is None:
        raise MoveRefused(409, _l("The board changed meanwhile; it now shows the current state. "
                                  "Please try again."))
    old_order = positions.cell_ids(dimension_id, from_stage.id)
    if not stage_changed and old_order == new_order:
        return MoveResult(initiative, from_stage, to_stage, changed=False)

    if stage_changed:
        initiative.stage = to_stage
        initiative.stage_entered_at = now
    initiative.position = new_order.index(initiative.id)
    # Always UPDATE the row, even when the loaded ``position`` already equals the new one (a
    # concurrent renumbering can shift it without bumping ``version``): otherwise the ORM skips
    # the UPDATE, and with it the version check and bump, for a reorder it then records.
    flag_modified(initiative, "position")
    try:
        db.session.flush()  # the ORM UPDATE checks and bumps ``version``
    except StaleDataError as exc:
        raise MoveRefused(409, CHANGED_MEANWHILE) from exc
    if stage_changed:
        positions.renumber([i for i in old_order if i != initiative.id])
    positions.renumber(new_order)
    _record(actor, initiative, from_stage, to_stage, now)
    db.session.flush()
    return MoveResult(initiative, from_stage, to_stage, changed=True)


def _record(actor: User, initiative: Initiative, from_stage: Stage, to_stage: Stage,
            now: datetime) -> None:
    if to_stage.id == from_stage.id:
        activity.record(actor, "reordered", initiative, now=now, stage=to_stage.code,
                        position=initiative.position)
        return
    activity.record(
        actor, "moved", initiative, now=now, from_stage=from_stage.code, to_stage=to_stage.code,
        from_name={"id": from_stage.name_id, "en": from_stage.name_en},
        to_name={"id": to_stage.name_id, "en": to_stage.name_en},
    )
    log.info("%s moved initiative %s from %s to %s", actor.email, initiative.id,
             from_stage.code, to_stage.code)
