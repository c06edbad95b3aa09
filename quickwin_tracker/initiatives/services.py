"""Initiative operations. Each mutates, records its Activity, flushes; the caller commits."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.exc import StaleDataError

from ..board import positions
from ..domain import activity
from ..domain.clock import utcnow
from ..domain.errors import Conflict, Forbidden, Invalid
from ..domain.permissions import can_create_in, can_edit, can_manage
from ..domain.queries import contains_any
from ..extensions import db
from ..lifecycle.stages import first_stage
from ..models import Dimension, Initiative, Tag, Unit, User

log = logging.getLogger(__name__)

STALE_MESSAGE = _l(
    "Someone else saved this initiative meanwhile. Your changes were not saved; "
    "the form now shows the current version."
)


@dataclass
class InitiativeData:
    """The editable fields, as parsed by the form."""

    title: str
    benefit: str
    description: str
    dimension: Dimension
    unit: Unit
    owner: User | None
    target_date: date | None
    members: list[User] = field(default_factory=list)
    tags: list[Tag] = field(default_factory=list)


def check_owner(data: InitiativeData) -> None:
    """The owner, if any, has an active account in the owning unit (the form, the import)."""
    owner = data.owner
    if owner is None:
        return
    if not owner.active:
        raise Invalid(_l("The owner's account is inactive."), "owner")
    if owner.unit_id != data.unit.id:
        raise Invalid(_l("The owner must belong to the owning unit."), "owner")


def check_unit(data: InitiativeData) -> None:
    """The owning unit is active (the form, the import)."""
    if not data.unit.active:
        raise Invalid(_l("This unit is inactive."), "unit")


def create_initiative(actor: User, data: InitiativeData, now: datetime | None = None) -> Initiative:
    now = now or utcnow()
    decision = can_create_in(actor, data.unit)
    if not decision:
        raise Forbidden(decision.reason, "unit")
    check_unit(data)
    check_owner(data)
    stage = first_stage()
    initiative = Initiative(
        title=data.title.strip(),
        benefit=data.benefit.strip(),
        description=(data.description or "").strip(),
        dimension=data.dimension,
        unit=data.unit,
        owner=data.owner,
        target_date=data.target_date,
        stage=stage,
        position=positions.claim_bottom(data.dimension.id, stage.id),
        stage_entered_at=now,
        created_at=now,
        updated_at=now,
        created_by=actor,
        members=_valid_members(data.members),
        tags=list(data.tags),
    )
    db.session.add(initiative)
    db.session.flush()
    activity.record(actor, "created", initiative, now=now, title=initiative.title,
                    stage=stage.code, unit=data.unit.code, dimension=data.dimension.code)
    log.info("%s created initiative %s", actor.email, initiative.id)
    return initiative


def _valid_members(members: list[User], current: list[User] | None = None) -> list[User]:
    """The team, sorted by name; people joining it must have active accounts (those already on
    it stay when their account is deactivated, until someone removes them)."""
    kept = {m.id for m in current or ()}
    inactive = [m.name for m in members if not m.active and m.id not in kept]
    if inactive:
        raise Invalid(_l("Inactive accounts cannot join a team: %(names)s", names=", ".join(inactive)),
                      "members")
    return sorted(members, key=lambda u: u.name)


def _display(value: Any) -> Any:
    """A JSON-friendly, human-readable form of a field value for the trail."""
    if isinstance(value, list):
        return ", ".join(str(_display(v)) for v in value)
    if isinstance(value, Tag):
        return value.label
    if isinstance(value, Dimension | Unit):
        return value.code
    if isinstance(value, User):
        return value.name
    if isinstance(value, date):
        return value.isoformat()
    return value


TRACKED_FIELDS = ("title", "benefit", "description", "dimension", "unit", "owner", "target_date",
                  "members", "tags")


# Who owns the initiative: only the owning unit (and admins) may change these (``can_manage``).
OWNERSHIP_FIELDS = ("unit", "owner", "members")


def update_initiative(
    actor: User,
    initiative: Initiative,
    data: InitiativeData,
    expected_version: int | None,
    now: datetime | None = None,
) -> dict[str, list[Any]]:
    """Apply the edit; return the changed fields as ``{field: [old, new]}``. Nothing changed:
    nothing is written (no Activity, the version stays)."""
    now = now or utcnow()
    decision = can_edit(actor, initiative)
    if not decision:
        raise Forbidden(decision.reason)
    if expected_version is not None and expected_version != initiative.version:
        raise Conflict(STALE_MESSAGE)
    new_values = _new_values(data)
    changes = _changes(initiative, new_values)
    if not changes:
        return changes
    _check_changes(actor, initiative, data, changes)
    if "members" in changes:
        new_values["members"] = _valid_members(data.members, initiative.members)

    old_dimension_id = initiative.dimension_id
    for name in changes:
        setattr(initiative, name, new_values[name])
    if "dimension" in changes:
        # Another lane: the card goes to the bottom of its stage there.
        initiative.position = positions.claim_bottom(data.dimension.id, initiative.stage_id)
    initiative.updated_at = now
    try:
        db.session.flush()
    except StaleDataError as exc:
        raise Conflict(STALE_MESSAGE) from exc
    if "dimension" in changes:
        positions.close_gap(old_dimension_id, initiative.stage_id)
    activity.record(actor, "updated", initiative, now=now, changes=changes)
    log.info("%s updated initiative %s: %s", actor.email, initiative.id, ", ".join(changes))
    return changes


def _new_values(data: InitiativeData) -> dict[str, Any]:
    """The tracked fields as the edit would set them (texts trimmed, collections sorted)."""
    return {
        "title": data.title.strip(),
        "benefit": data.benefit.strip(),
        "description": (data.description or "").strip(),
        "dimension": data.dimension,
        "unit": data.unit,
        "owner": data.owner,
        "target_date": data.target_date,
        "members": sorted(data.members, key=lambda u: u.name),
        "tags": sorted(data.tags, key=lambda t: (t.kind, t.code)),
    }


def _changes(initiative: Initiative, new_values: dict[str, Any]) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` as the trail shows them, for the fields that differ (collections
    compared by their members' ids)."""
    changes: dict[str, list[Any]] = {}
    for name in TRACKED_FIELDS:
        old = getattr(initiative, name)
        new = new_values[name]
        collection = name in ("members", "tags")
        if ({x.id for x in old} != {x.id for x in new}) if collection else old != new:
            changes[name] = [_display(old), _display(new)]
    return changes


def _check_changes(actor: User, initiative: Initiative, data: InitiativeData,
                   changes: dict[str, list[Any]]) -> None:
    """Who owns it changes only by the owning unit (``can_manage``); handing it to another unit
    needs the right to create there, and an active unit; the owner must fit the unit."""
    ownership = [name for name in OWNERSHIP_FIELDS if name in changes]
    if ownership:
        decision = can_manage(actor, initiative)
        if not decision:
            raise Forbidden(decision.reason, ownership[0])
    if "unit" in changes:
        decision = can_create_in(actor, data.unit)
        if not decision:
            raise Forbidden(decision.reason, "unit")
        check_unit(data)
    if "owner" in changes or "unit" in changes:
        check_owner(data)


def archive_initiative(actor: User, initiative: Initiative, now: datetime | None = None) -> None:
    now = now or utcnow()
    decision = can_manage(actor, initiative)
    if not decision:
        raise Forbidden(decision.reason)
    if initiative.archived:
        raise Conflict(_l("This initiative is already archived."))
    initiative.archived = True
    initiative.archived_at = now
    initiative.updated_at = now
    db.session.flush()
    positions.close_gap(initiative.dimension_id, initiative.stage_id)
    activity.record(actor, "archived", initiative, now=now)
    log.info("%s archived initiative %s", actor.email, initiative.id)


def unarchive_initiative(actor: User, initiative: Initiative, now: datetime | None = None) -> None:
    now = now or utcnow()
    decision = can_manage(actor, initiative)
    if not decision:
        raise Forbidden(decision.reason)
    if not initiative.archived:
        raise Conflict(_l("This initiative is not archived."))
    if initiative.stage.retired:
        initiative.stage = first_stage()
        initiative.stage_entered_at = now
    initiative.archived = False
    initiative.archived_at = None
    initiative.position = positions.claim_bottom(initiative.dimension_id, initiative.stage_id)
    initiative.updated_at = now
    db.session.flush()
    activity.record(actor, "unarchived", initiative, now=now)
    log.info("%s unarchived initiative %s", actor.email, initiative.id)


def search_archived(q: str, page: int, per_page: int = 25):
    stmt = (
        sa.select(Initiative)
        .where(Initiative.archived.is_(True))
        .options(sa.orm.joinedload(Initiative.unit), sa.orm.joinedload(Initiative.dimension))
        .order_by(Initiative.archived_at.desc(), Initiative.id.desc())
    )
    q = (q or "").strip()
    if q:
        stmt = stmt.where(contains_any((Initiative.title, Initiative.benefit), q))
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def trail(initiative: Initiative, limit: int = 200):
    from ..models import Activity

    return list(
        db.session.scalars(
            sa.select(Activity)
            .where(Activity.initiative_id == initiative.id)
            .options(sa.orm.joinedload(Activity.actor))
            .order_by(Activity.created_at.desc(), Activity.id.desc())
            .limit(limit)
        )
    )
