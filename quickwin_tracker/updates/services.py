"""Progress updates: posting and editing one, the latest per initiative, when the next is due,
and where the owner's account is rosier than the data.

- **Posting**: whoever may edit the initiative (its unit and its team, ``can_edit``) posts an
  update: a reported health, what moved (required), what blocks, what comes next, a link. It is
  part of the trail ("update_posted"); its author may edit it for 15 minutes
  (``can_edit_update``), after which it stands as written.
- **Cadence**: an update is due every ``cadence_days`` (the stage's ``update_cadence_days``, else
  the deployment's ``UPDATE_CADENCE_DAYS``, 14) counted from the last update, or from the day the
  initiative was created when it has none; in the city's time zone. Rolled-out initiatives owe
  none. ``UPDATE_GRACE_DAYS`` (7) after the due date the update is *missed* and the unit's
  manager is told (``updates.reminders``).
- **Reported vs derived** (``disagreement``): the latest update reports a better health than the
  status the data gives (``lifecycle.status``): "reported on track; the data says at risk:
  milestone “X” is 9 days overdue". Only a rosier account is flagged: an owner more worried than
  the data is not contradicted.

Each operation checks permission, validates, records one Activity and flushes; the caller commits.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from ..domain import activity
from ..domain.clock import aware_utc, local_date, local_today, utcnow
from ..domain.errors import Forbidden, Invalid
from ..domain.links import clean_link
from ..domain.permissions import can_edit, can_edit_update
from ..extensions import db
from ..lifecycle.status import SEVERITY, Assessment, Status
from ..models import HEALTH_VALUES, Activity, Health, Initiative, ProgressUpdate, Stage, User
from ..outcomes.evidence import Upload, check_upload, save_evidence

log = logging.getLogger(__name__)

MAX_TEXT = 2000


@dataclass
class UpdateData:
    health: str | None
    moved: str | None
    blocks: str | None = ""
    next_steps: str | None = ""
    link: str | None = ""


def _clean_text(text: str | None, field: str, required: bool = False) -> str:
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if required and not text:
        raise Invalid(_l("Say what moved since the last update."), field)
    if len(text) > MAX_TEXT:
        raise Invalid(_l("At most %(max)d characters (this has %(num)d).", max=MAX_TEXT,
                         num=len(text)), field)
    return text


def _clean(data: UpdateData) -> dict[str, str]:
    if data.health not in HEALTH_VALUES:
        raise Invalid(_l("Choose on track, at risk or off track."), "health")
    return {
        "health": data.health,
        "moved": _clean_text(data.moved, "moved", required=True),
        "blocks": _clean_text(data.blocks, "blocks"),
        "next_steps": _clean_text(data.next_steps, "next_steps"),
        "link": clean_link(data.link),
    }


def post_update(actor: User, initiative: Initiative, data: UpdateData,
                upload: Upload | None = None, now: datetime | None = None) -> ProgressUpdate:
    """Post an update, with an optional file (``upload``: a ``FileStorage``, checked by content
    and stored as evidence; its file goes if the transaction does)."""
    now = now or utcnow()
    decision = can_edit(actor, initiative)
    if not decision:
        raise Forbidden(decision.reason)
    fields = _clean(data)
    checked = check_upload(upload)  # (before anything is written: a bad file writes nothing)
    evidence = save_evidence(actor, checked, now=now) if checked is not None else None
    update = ProgressUpdate(initiative=initiative, author=actor, created_at=now,
                            evidence=evidence, **fields)
    db.session.add(update)
    db.session.flush()
    activity.record(actor, "update_posted", initiative, now=now, update_id=update.id,
                    health=update.health, evidence=evidence is not None)
    db.session.flush()
    log.info("%s posted update %s on initiative %s (%s)", actor.email, update.id,
             initiative.id, update.health)
    return update


def edit_update(actor: User, update: ProgressUpdate, data: UpdateData,
                now: datetime | None = None) -> bool:
    """Change the update; False (and nothing recorded) when nothing changed."""
    now = now or utcnow()
    decision = can_edit_update(actor, update, now)
    if not decision:
        raise Forbidden(decision.reason)
    fields = _clean(data)
    if all(getattr(update, name) == value for name, value in fields.items()):
        return False
    for name, value in fields.items():
        setattr(update, name, value)
    update.edited_at = now
    activity.record(actor, "update_edited", update.initiative, now=now, update_id=update.id,
                    health=update.health)
    db.session.flush()
    return True


def list_updates(initiative: Initiative) -> list[ProgressUpdate]:
    """The initiative's updates, newest first, with their authors (one query)."""
    return list(db.session.scalars(
        sa.select(ProgressUpdate).where(ProgressUpdate.initiative_id == initiative.id)
        .options(joinedload(ProgressUpdate.author), joinedload(ProgressUpdate.evidence))
        .order_by(ProgressUpdate.created_at.desc(), ProgressUpdate.id.desc())))


@dataclass(frozen=True, slots=True)
class Latest:
    """The latest update of an initiative, as cards, digests and the summary read it."""

    initiative_id: int
    health: str
    created_at: datetime

    @property
    def reported(self) -> Health:
        return Health(self.health)


def latest_updates(initiatives: Iterable[int] | sa.Select[Any]) -> dict[int, Latest]:
    """The latest update of each of ``initiatives`` (ids, or a SELECT of ids): one query."""
    wanted = initiatives if isinstance(initiatives, sa.Select) else list(initiatives)
    if isinstance(wanted, list) and not wanted:
        return {}
    ranked = (
        sa.select(ProgressUpdate.initiative_id, ProgressUpdate.health, ProgressUpdate.created_at,
                  sa.func.row_number().over(
                      partition_by=ProgressUpdate.initiative_id,
                      order_by=(ProgressUpdate.created_at.desc(), ProgressUpdate.id.desc()),
                  ).label("n"))
        .where(ProgressUpdate.initiative_id.in_(wanted))
        .subquery())
    return {row.initiative_id: Latest(row.initiative_id, row.health, aware_utc(row.created_at))
            for row in db.session.execute(sa.select(ranked).where(ranked.c.n == 1))}


# --------------------------------------------------------------------------- cadence


def cadence_days(stage: Stage | None) -> int:
    """Days between updates in ``stage``: its own cadence, else the deployment's."""
    own = stage.update_cadence_days if stage is not None else None
    return own or int(current_app.config["UPDATE_CADENCE_DAYS"])


@dataclass(frozen=True, slots=True)
class Due:
    """When an initiative's next update is due, and how it stands today."""

    on: date  # the due date, in the city
    days_late: int  # 0 when not late yet

    @property
    def late(self) -> bool:
        return self.days_late > 0

    def missed(self, grace_days: int) -> bool:
        """Late by the grace period or more: the manager hears of it."""
        return self.days_late >= grace_days


def next_due(created_at: datetime, latest: Latest | None, stage: Stage | None,
             today: date | None = None) -> Due:
    """The next update's due date: the last update's day (else the creation's) plus the
    cadence."""
    today = today or local_today()
    start = local_date(latest.created_at if latest is not None else created_at)
    on = start + timedelta(days=cadence_days(stage))
    return Due(on, max(0, (today - on).days))


def rosier(reported: str, derived: Status | None) -> bool:
    """Is the reported health better than the derived status? (Done and unknown: never.)"""
    if derived is None or derived == Status.DONE:
        return False
    return SEVERITY[reported] < SEVERITY.get(derived, 0)


def disagreement(latest: Latest | None, assessment: Assessment) -> str | None:
    """The flag for an update rosier than the data, else None (see the module docstring)."""
    if latest is None or not rosier(latest.health, assessment.status):
        return None
    return _("Reported %(reported)s; the data says %(derived)s: %(reasons)s",
             reported=latest.reported.label, derived=assessment.status.label,
             reasons=assessment.reasons_text)


# --------------------------------------------------------------------------- the trail


@activity.describer("update_posted")
def _update_posted(entry: Activity) -> str:
    health = entry.data.get("health")
    label = Health(health).label if health in HEALTH_VALUES else health
    return _("posted a progress update (%(health)s)", health=label)


@activity.describer("update_edited")
def _update_edited(entry: Activity) -> str:
    return _("edited a progress update")
