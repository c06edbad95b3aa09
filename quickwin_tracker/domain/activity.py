"""The activity trail: one function writes it, nothing updates or deletes it."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import Activity, Comment, Indicator, Initiative, Measurement, User
from .clock import utcnow

log = logging.getLogger(__name__)


class AppendOnlyError(RuntimeError):
    pass


Listener = Callable[[Activity], None]
_LISTENERS: list[Listener] = []


def on_record(listener: Listener) -> Listener:
    """Call ``listener(entry)`` for every trail entry ``record`` adds (and every one ``announce``
    is told of), in the caller's transaction, before it commits: what a listener adds to the
    session is committed with the change, or rolled back with it. Registering the same function
    twice registers it once (every app of a process shares the trail). Webhooks listen here
    (``webhooks/events.py``), so no service has to know about them."""
    if listener not in _LISTENERS:
        _LISTENERS.append(listener)
    return listener


def announce(entries: Sequence[Activity]) -> None:
    """Tell the listeners of entries written without ``record`` (an import's bulk INSERT)."""
    for entry in entries:
        for listener in _LISTENERS:
            listener(entry)


def record(
    actor: User | None,
    verb: str,
    initiative: Initiative | None = None,
    now: datetime | None = None,
    **data: Any,
) -> Activity:
    """Add an Activity row to the caller's transaction (never commits); the listeners
    (``on_record``) hear of it at once, in the same transaction."""
    entry = Activity(
        actor=actor, initiative=initiative, verb=verb, data=data, created_at=now or utcnow()
    )
    db.session.add(entry)
    announce([entry])
    return entry


@event.listens_for(Session, "before_flush")
def _refuse_activity_changes(session: Session, flush_context: Any, instances: Any) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, Activity) and (obj in session.deleted or session.is_modified(obj)):
            raise AppendOnlyError("the activity trail is append-only")


def last_sign_of_life() -> sa.ColumnElement[datetime]:
    """When an initiative (correlated to ``Initiative``) last showed activity: the latest of its
    trail entries (moves, edits, milestones added or done, measurements recorded, verified or
    corrected, comments...), its measurements' ``recorded_at`` and its comments' ``created_at``
    (counted directly too, so a row written without a trail entry, as imports and the demo do,
    still counts), else its creation. The one rule for "stale": reminders' nudges, the digest's
    "No activity for a while" and the summary's stale counts all read it. Each part reads one
    index entry per initiative."""
    created = Initiative.created_at
    parts = [
        sa.select(sa.func.max(Activity.created_at))
        .where(Activity.initiative_id == Initiative.id).correlate(Initiative).scalar_subquery(),
        sa.select(sa.func.max(Measurement.recorded_at))
        .join(Indicator, Indicator.id == Measurement.indicator_id)
        .where(Indicator.initiative_id == Initiative.id).correlate(Initiative).scalar_subquery(),
        sa.select(sa.func.max(Comment.created_at))
        .where(Comment.initiative_id == Initiative.id).correlate(Initiative).scalar_subquery(),
    ]
    values = [sa.func.coalesce(part, created) for part in parts]
    # PostgreSQL's GREATEST, SQLite's many-argument MAX: no part is NULL after the coalesce.
    latest = sa.func.greatest if db.session.get_bind().dialect.name == "postgresql" else sa.func.max
    return sa.type_coerce(latest(*values), Activity.created_at.type)


# --------------------------------------------------------------------------- reading

FIELD_LABELS = {
    "title": _l("title"),
    "benefit": _l("citizen benefit"),
    "description": _l("description"),
    "dimension": _l("dimension"),
    "unit": _l("unit"),
    "owner": _l("owner"),
    "target_date": _l("target date"),
    "members": _l("team"),
    "tags": _l("plans"),
}


def localized_name(names: Any, fallback: str, language: str | None = None) -> str:
    """A name stored in the trail as ``{"id": …, "en": …}`` (stage names at the time of a move),
    in ``language`` or the current locale's, falling back to Indonesian, then ``fallback``."""
    if not isinstance(names, dict) or not names:
        return fallback
    if language is None:
        locale = get_locale()
        language = locale.language if locale is not None else "id"
    return names.get(language) or names.get("id") or fallback


def trail_date(value: str | None) -> str:
    """A date the trail keeps as ISO text, in the reader's format: "—" when there is none, the
    text itself when it is not a date."""
    if not value:
        return "—"
    try:
        return format_date(date.fromisoformat(value))
    except ValueError:
        return value


Describer = Callable[[Activity], str]
_DESCRIBERS: dict[str, Describer] = {}


def describer(*verbs: str) -> Callable[[Describer], Describer]:
    """Register the sentence for ``verbs``; each feature registers its own (``@describer("x")``)."""

    def register(func: Describer) -> Describer:
        for verb in verbs:
            _DESCRIBERS[verb] = func
        return func

    return register


def describe(entry: Activity) -> str:
    """One translated sentence for a trail entry (the actor is shown beside it)."""
    func = _DESCRIBERS.get(entry.verb)
    return func(entry) if func else entry.verb


@describer("created")
def _created(entry: Activity) -> str:
    return _("created the initiative")


@describer("moved")
def _moved(entry: Activity) -> str:
    data = entry.data or {}
    return _(
        "moved it from %(from)s to %(to)s",
        **{
            "from": localized_name(data.get("from_name"), data.get("from_stage", "?")),
            "to": localized_name(data.get("to_name"), data.get("to_stage", "?")),
        },
    )


@describer("reordered")
def _reordered(entry: Activity) -> str:
    return _("changed its place within the stage")


@describer("updated")
def _updated(entry: Activity) -> str:
    parts = []
    for field, (old, new) in ((entry.data or {}).get("changes") or {}).items():
        label = str(FIELD_LABELS.get(field, field))
        if field in ("benefit", "description"):
            parts.append(_("%(field)s edited", field=label))
        else:
            parts.append(
                _("%(field)s: %(old)s → %(new)s", field=label, old=old or "—", new=new or "—")
            )
    return _("edited %(changes)s", changes="; ".join(parts))


@describer("archived")
def _archived(entry: Activity) -> str:
    return _("archived the initiative")


@describer("unarchived")
def _unarchived(entry: Activity) -> str:
    return _("brought it back from the archive")
