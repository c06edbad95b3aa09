"""What happens, as webhook events: their types, their payloads, and queueing them.

Every domain action writes a trail entry (``domain.activity.record``); ``on_activity``, registered
with ``activity.on_record`` at app setup (``register``), maps the entry's verb to an event type
and adds one ``WebhookDelivery`` per active endpoint subscribed to it, to the same session: the
deliveries are committed with the change, or rolled back with it. No service knows of webhooks.

The payload is built then, so it tells the state at the event's moment (Standard Webhooks'
shape: ``type``, ``timestamp``, ``data``)::

    {"type": "initiative.moved", "timestamp": "2026-12-04T06:12:00Z",
     "data": {"initiative": {"id", "title", "unit", "dimension", "stage", "status", "archived",
                             "url"},
              "actor": {"id", "name"} | null, "change": {…the trail entry's data…}}}

``milestone.overdue`` has no trail entry: the daily reminder job finds the overdue milestones
(``queue_overdue_milestones``) and queues each once per endpoint (``dedupe_key``).
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask_babel import lazy_gettext as _l

from ..domain import activity
from ..domain.clock import local_today, utcnow
from ..extensions import db
from ..mail.urls import app_url
from ..models import (
    Activity,
    Comment,
    DeliveryStatus,
    Initiative,
    Milestone,
    User,
    WebhookDelivery,
    WebhookEndpoint,
)

log = logging.getLogger(__name__)

# Every event type an endpoint may subscribe to, with its label on the admin form.
EVENT_TYPES: dict[str, Any] = {
    "initiative.created": _l("An initiative was created (or imported)"),
    "initiative.updated": _l("An initiative was edited"),
    "initiative.moved": _l("An initiative moved to another stage"),
    "initiative.archived": _l("An initiative was archived"),
    "initiative.unarchived": _l("An initiative came back from the archive"),
    "milestone.completed": _l("A milestone was completed"),
    "milestone.overdue": _l("A milestone became overdue"),
    "measurement.recorded": _l("A measurement was recorded"),
    "measurement.verified": _l("A measurement was verified"),
    "measurement.returned": _l("A measurement was returned"),
    "comment.added": _l("A comment was added"),
    "review.decision": _l("A review decision was made"),
}
PING = "ping"  # the admin's "send a test event"; never subscribed to, always sent

# Trail verbs (``activity.record``) and the events they are.
VERB_EVENTS = {
    "created": "initiative.created",
    "imported": "initiative.created",
    "updated": "initiative.updated",
    "moved": "initiative.moved",
    "archived": "initiative.archived",
    "unarchived": "initiative.unarchived",
    "milestone_completed": "milestone.completed",
    "measurement_recorded": "measurement.recorded",
    "measurement_verified": "measurement.verified",
    "measurement_returned": "measurement.returned",
    "commented": "comment.added",
    "review_decision": "review.decision",
}


def new_event_id() -> str:
    """The ``webhook-id`` of one event: unique, kept across every attempt and "send again"."""
    return f"msg_{uuid.uuid4().hex}"


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def body(event_type: str, data: dict[str, Any], now: datetime) -> str:
    """The JSON body (compact, UTF-8, keys in a stable order) that is stored and signed."""
    return json.dumps({"type": event_type, "timestamp": _timestamp(now), "data": data},
                      ensure_ascii=False, separators=(",", ":"), sort_keys=True, default=str)


def _status(initiative: Initiative, now: datetime) -> str:
    """The derived status (``lifecycle.status``) at the event's moment: on_track, at_risk,
    off_track or done."""
    from ..lifecycle.stages import ordered_stages
    from ..lifecycle.status import assess_many

    assessed = assess_many([initiative], ordered_stages(), local_today(now))
    return assessed[initiative.id][0].status.value


def initiative_facts(initiative: Initiative, now: datetime) -> dict[str, Any]:
    stage, unit, dimension = initiative.stage, initiative.unit, initiative.dimension
    return {
        "id": initiative.id,
        "title": initiative.title,
        "unit": {"code": unit.code, "name": unit.name},
        "dimension": {"code": dimension.code,
                      "name": {"id": dimension.name_id, "en": dimension.name_en}},
        "stage": {"code": stage.code, "name": {"id": stage.name_id, "en": stage.name_en}},
        "status": _status(initiative, now),
        "archived": initiative.archived,
        "target_date": initiative.target_date.isoformat() if initiative.target_date else None,
        "url": app_url("initiatives.detail", initiative_id=initiative.id),
    }


def actor_facts(actor: User | None) -> dict[str, Any] | None:
    return None if actor is None else {"id": actor.id, "name": actor.name}


def subscribers(event_type: str) -> list[WebhookEndpoint]:
    """The active endpoints subscribed to ``event_type`` (every active one for a ping)."""
    endpoints = db.session.scalars(
        sa.select(WebhookEndpoint).where(WebhookEndpoint.active.is_(True))
        .order_by(WebhookEndpoint.id))
    return [e for e in endpoints if event_type == PING or e.wants(event_type)]


def queue(endpoints: Iterable[WebhookEndpoint], event_type: str, data: dict[str, Any],
          now: datetime, initiative_id: int | None = None,
          dedupe_key: str | None = None) -> list[WebhookDelivery]:
    """One delivery per endpoint, added to the caller's session (never commits); the same event
    id and body for all of them."""
    event_id, payload = new_event_id(), body(event_type, data, now)
    deliveries = []
    for endpoint in endpoints:
        delivery = WebhookDelivery(
            endpoint_id=endpoint.id, event_id=event_id, event_type=event_type,
            initiative_id=initiative_id, dedupe_key=dedupe_key, payload=payload,
            status=DeliveryStatus.QUEUED.value, attempts=0, next_attempt_at=now,
            created_at=now, last_error="")
        db.session.add(delivery)
        deliveries.append(delivery)
    if deliveries:
        log.info("queued %s %s for %d endpoint(s)", event_type, event_id, len(deliveries))
    return deliveries


def _change(entry: Activity) -> dict[str, Any]:
    """The trail entry's data, with a comment's text added (its entry keeps only the id)."""
    change = dict(entry.data or {})
    if entry.verb == "commented" and change.get("comment_id"):
        comment = db.session.get(Comment, change["comment_id"])
        if comment is not None:
            change["body"] = comment.body
    return change


def on_activity(entry: Activity) -> None:
    """The trail's listener: queue the entry's event for its subscribers."""
    event_type = VERB_EVENTS.get(entry.verb)
    if event_type is None:
        return
    endpoints = subscribers(event_type)
    if not endpoints:
        return
    initiative = entry.initiative
    if initiative is None and entry.initiative_id is not None:
        initiative = db.session.get(Initiative, entry.initiative_id)
    if initiative is None:
        return
    actor = entry.actor
    if actor is None and entry.actor_id is not None:
        actor = db.session.get(User, entry.actor_id)
    now = entry.created_at or utcnow()
    data = {"initiative": initiative_facts(initiative, now), "actor": actor_facts(actor),
            "change": _change(entry)}
    queue(endpoints, event_type, data, now, initiative_id=initiative.id)


def queue_overdue_milestones(now: datetime) -> dict[str, int]:
    """``milestone.overdue`` for each open milestone of a live initiative whose due date (in the
    city) has passed, once per milestone and due date per endpoint (a milestone moved to a later
    date that passes again is overdue again). Called by the daily milestone reminder job."""
    endpoints = subscribers("milestone.overdue")
    if not endpoints:
        return {"overdue_events": 0}
    today = local_today(now)
    milestones = db.session.scalars(
        sa.select(Milestone).join(Initiative, Initiative.id == Milestone.initiative_id)
        .where(Milestone.done_on.is_(None), Milestone.due_date < today,
               Initiative.archived.is_(False))
        .order_by(Milestone.due_date, Milestone.id)).all()
    keys = {m.id: f"milestone.overdue:{m.id}:{m.due_date.isoformat()}" for m in milestones}
    done = set(db.session.execute(
        sa.select(WebhookDelivery.endpoint_id, WebhookDelivery.dedupe_key)
        .where(WebhookDelivery.dedupe_key.in_(list(keys.values())))).all()) if keys else set()
    queued = 0
    for milestone in milestones:
        key = keys[milestone.id]
        waiting = [e for e in endpoints if (e.id, key) not in done]
        if not waiting:
            continue
        initiative = milestone.initiative
        data = {
            "initiative": initiative_facts(initiative, now), "actor": None,
            "change": {"milestone_id": milestone.id, "title": milestone.title,
                       "due_date": milestone.due_date.isoformat(),
                       "days_overdue": (today - milestone.due_date).days,
                       "responsible": actor_facts(milestone.responsible)},
        }
        queued += len(queue(waiting, "milestone.overdue", data, now,
                            initiative_id=initiative.id, dedupe_key=key))
    db.session.flush()
    return {"overdue_events": queued}


def queue_ping(endpoint: WebhookEndpoint, actor: User, now: datetime | None = None
               ) -> WebhookDelivery:
    """A test event for ``endpoint`` (whatever it subscribes to, even while disabled)."""
    now = now or utcnow()
    data = {"endpoint": {"id": endpoint.id, "url": endpoint.url},
            "actor": actor_facts(actor), "message": "ping"}
    (delivery,) = queue([endpoint], PING, data, now)
    db.session.flush()
    return delivery


def register(app: Flask) -> None:
    """Listen to the trail (once per process: every app shares ``activity``'s listeners)."""
    activity.on_record(on_activity)
