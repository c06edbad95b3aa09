"""Delivering the webhook queue: the ``webhook_delivery`` job and ``quickwin webhooks deliver``.

Shaped like the mail outbox (``mail/outbox.py``): the rows were written in the transaction of the
change; this sweep sends the due ones and commits after each, so a crash half-way never sends a
delivered event again. Each attempt is signed anew (Standard Webhooks: ``webhook-id`` is the
delivery's ``event_id``, the same on every attempt; ``webhook-timestamp`` is the attempt's time;
``webhook-signature`` is ``v1,<base64 HMAC-SHA256 of id.timestamp.body>``), so receivers can both
check freshness and drop duplicates.

- **Due**: queued, ``next_attempt_at`` reached, its endpoint active (a ping goes to a disabled
  one too), and no earlier delivery of the same initiative to the same endpoint still queued:
  **events of one initiative reach an endpoint in the order they happened**; a later one waits
  while an earlier one is retried.
- **Several workers**: each due row is re-read with ``FOR UPDATE SKIP LOCKED`` (PostgreSQL) before
  it is sent, its due-ness checked again in the same statement, so two workers never send the same
  row and the order rule holds across them (an earlier row locked by another worker is still
  queued, so the later one is not due). SQLite runs one writer at a time.
- **Failures** (no 2xx answer, a timeout, a refused address, a redirect) are retried after 1, 5,
  15, 60 and 240 minutes, then every 12 hours, and marked ``failed`` after
  ``WEBHOOK_MAX_ATTEMPTS`` attempts, keeping the answer's code and the error.
- **Health**: a success stamps the endpoint's ``last_success_at`` and clears ``failing_since``; a
  failure sets ``failing_since`` (when not set) and, once that is ``WEBHOOK_DISABLE_AFTER_DAYS``
  ago, disables the endpoint and tells its owner once (email through the outbox and an in-app
  notification; every active admin when the owner is gone). Its queued deliveries wait until an
  admin enables it again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import aliased
from standardwebhooks import Webhook

from ..domain.clock import utcnow
from ..domain.permissions import can_manage_webhooks
from ..domain.queries import for_update
from ..domain.retries import backoff
from ..extensions import db
from ..mail.outbox import queue_email
from ..mail.urls import app_url
from ..models import (
    DeliveryStatus,
    Notification,
    Role,
    User,
    WebhookDelivery,
    WebhookEndpoint,
)
from . import network
from .events import PING

log = logging.getLogger(__name__)

ERROR_MAX = 2000
USER_AGENT = "Quick-Win-Tracker-Webhooks/1"
DISABLED_BY_FAILURES = "failing"
DISABLED_BY_ADMIN = "admin"


def signed_headers(endpoint: WebhookEndpoint, delivery: WebhookDelivery,
                   at: datetime) -> dict[str, str]:
    """The Standard Webhooks headers for one attempt at ``at`` (the wall clock)."""
    signature = Webhook(endpoint.secret).sign(delivery.event_id, at, delivery.payload.encode())
    return {
        "webhook-id": delivery.event_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature,
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0  # failed this time, tried again later
    failed: int = 0  # gave up: status is now 'failed'
    disabled: int = 0  # endpoints disabled for failing too long

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        return (f"sent {self.sent}, to retry {self.retried}, failed for good {self.failed}, "
                f"endpoints disabled {self.disabled}")


def _earlier_pending() -> sa.Exists:
    earlier = aliased(WebhookDelivery)
    return sa.exists().where(
        earlier.endpoint_id == WebhookDelivery.endpoint_id,
        earlier.initiative_id == WebhookDelivery.initiative_id,
        earlier.status == DeliveryStatus.QUEUED.value,
        earlier.id < WebhookDelivery.id,
    )


def _due_query(now: datetime, in_order: bool = True) -> sa.Select:
    """Due deliveries; ``in_order``: only those no earlier one of their initiative waits before
    (without it, the candidates of a run: one that waits behind an earlier one sent in the same
    run is due by the time its turn comes)."""
    query = (
        sa.select(WebhookDelivery)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(WebhookDelivery.status == DeliveryStatus.QUEUED.value,
               WebhookDelivery.next_attempt_at <= now,
               sa.or_(WebhookEndpoint.active.is_(True), WebhookDelivery.event_type == PING))
    )
    return query.where(~_earlier_pending()) if in_order else query


def _lock_due(delivery_id: int, now: datetime) -> WebhookDelivery | None:
    """Re-read one due delivery, locked; None when another worker has it, it went out, or an
    earlier one of its initiative is pending now."""
    query = for_update(_due_query(now).where(WebhookDelivery.id == delivery_id),
                       skip_locked=True, of=WebhookDelivery)
    return db.session.scalars(query.execution_options(populate_existing=True)).first()


def _locked_endpoint(endpoint_id: int) -> WebhookEndpoint:
    query = for_update(sa.select(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id))
    return db.session.scalars(query.execution_options(populate_existing=True)).one()


def deliver_webhooks(now: datetime | None = None, limit: int = 200, *,
                     delivery_ids: Iterable[int] | None = None) -> DeliveryReport:
    """Send up to ``limit`` due deliveries, oldest first; commits after each (call it with no
    pending changes in the session). ``delivery_ids`` limits the run to those (a ping)."""
    now = now or utcnow()
    config = current_app.config
    report = DeliveryReport()
    query = _due_query(now, in_order=False).with_only_columns(WebhookDelivery.id)
    if delivery_ids is not None:
        query = query.where(WebhookDelivery.id.in_(list(delivery_ids)))
    ids = list(db.session.scalars(query.order_by(WebhookDelivery.id).limit(limit)))
    db.session.commit()  # end the read transaction; each delivery gets its own
    if not ids:
        return report
    with network.client(config["WEBHOOK_TIMEOUT"]) as http:
        for delivery_id in ids:
            delivery = _lock_due(delivery_id, now)
            if delivery is None:
                db.session.commit()
                continue
            _attempt(http, delivery, now, report)
            db.session.commit()
    log.info("webhook delivery: %s", report)
    return report


def _attempt(http: httpx.Client, delivery: WebhookDelivery, now: datetime,
             report: DeliveryReport) -> None:
    """Send one locked delivery and record the outcome (the caller commits)."""
    config = current_app.config
    endpoint = delivery.endpoint
    allow_private = endpoint.allow_private and bool(config["WEBHOOK_ALLOW_PRIVATE"])
    code: int | None = None
    error = ""
    try:
        answer = network.post(http, endpoint.url, delivery.payload.encode(),
                              signed_headers(endpoint, delivery, utcnow()),
                              allow_private=allow_private)
        code = answer.status_code
        if 300 <= code < 400:
            error = f"HTTP {code}: redirects are not followed"
        elif not 200 <= code < 300:
            error = f"HTTP {code}: {answer.excerpt}".strip()
    except network.BadURL as exc:
        error = f"invalid endpoint URL ({exc.code})"
    except network.Refused as exc:
        error = str(exc)
    except httpx.TimeoutException:
        error = f"no answer within {config['WEBHOOK_TIMEOUT']} s (timeout)"
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    except Exception as exc:  # one broken delivery must not stop the others
        log.exception("webhook delivery %s: unexpected error", delivery.id)
        error = f"{type(exc).__name__}: {exc}"
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.response_code = code
    endpoint = _locked_endpoint(endpoint.id)
    if not error:
        delivery.status = DeliveryStatus.SENT.value
        delivery.delivered_at = now
        delivery.last_error = ""
        endpoint.last_success_at = now
        endpoint.failing_since = None
        report.sent += 1
        return
    delivery.last_error = error[:ERROR_MAX]
    if delivery.attempts >= config["WEBHOOK_MAX_ATTEMPTS"]:
        delivery.status = DeliveryStatus.FAILED.value
        report.failed += 1
        log.warning("giving up on webhook delivery %s (%s) to %s after %s attempts: %s",
                    delivery.id, delivery.event_type, endpoint.url, delivery.attempts, error)
    else:
        delivery.next_attempt_at = now + backoff(delivery.attempts)
        report.retried += 1
        log.info("webhook delivery %s to %s failed (attempt %s), retry at %s: %s", delivery.id,
                 endpoint.url, delivery.attempts, delivery.next_attempt_at, error)
    endpoint.last_failure_at = now
    if not endpoint.active:
        return
    endpoint.failing_since = endpoint.failing_since or now
    if now - endpoint.failing_since >= timedelta(days=config["WEBHOOK_DISABLE_AFTER_DAYS"]):
        disable_failing(endpoint, now, error)
        report.disabled += 1


def _told(endpoint: WebhookEndpoint) -> list[User]:
    """Who hears that ``endpoint`` was disabled: its owner while an active admin, else every
    active admin."""
    owner = endpoint.owner
    if owner is not None and can_manage_webhooks(owner):
        return [owner]
    return list(db.session.scalars(
        sa.select(User).where(User.role == Role.ADMIN.value, User.active.is_(True))
        .order_by(User.id)))


def disable_failing(endpoint: WebhookEndpoint, now: datetime, error: str) -> None:
    """Disable an endpoint that failed for too long and tell its owner, once (the caller holds
    the endpoint's row lock and commits)."""
    endpoint.active = False
    endpoint.disabled_at = now
    endpoint.disabled_reason = DISABLED_BY_FAILURES
    days = current_app.config["WEBHOOK_DISABLE_AFTER_DAYS"]
    log.warning("webhook endpoint %s (%s) disabled: failing since %s", endpoint.id, endpoint.url,
                endpoint.failing_since)
    for person in _told(endpoint):
        db.session.add(Notification(user=person, kind="webhook_disabled",
                                    webhook_endpoint_id=endpoint.id, created_at=now))
        with force_locale(person.locale):
            subject = _("Webhook endpoint disabled: %(url)s", url=endpoint.url)
        queue_email(
            kind="webhook_disabled",
            dedupe_key=f"webhook-disabled:{endpoint.id}:{person.id}:{int(now.timestamp())}",
            to=person, subject=subject, template="webhook_disabled",
            context={"endpoint": endpoint, "days": days, "error": error,
                     "failing_since": endpoint.failing_since,
                     "endpoint_url": app_url("webhooks.detail", endpoint_id=endpoint.id)},
            now=now)


def deliver_webhooks_job(now: datetime) -> dict[str, Any]:
    """The scheduler's ``webhook_delivery`` job."""
    started = time.monotonic()
    result = deliver_webhooks(now=now).as_dict()
    result["seconds"] = round(time.monotonic() - started, 3)
    return result
