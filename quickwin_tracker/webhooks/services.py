"""Registering, changing and removing webhook endpoints (admins; ``domain.permissions``).

Secrets are Standard Webhooks secrets: ``whsec_`` and 32 random bytes in base64 (what
``standardwebhooks.Webhook`` reads). Nothing here commits: the views do, once per action.
"""

from __future__ import annotations

import base64
import logging
import secrets
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from ..domain.clock import utcnow
from ..domain.errors import Conflict, Invalid
from ..extensions import db
from ..models import DeliveryStatus, User, WebhookDelivery, WebhookEndpoint
from . import network
from .delivery import DISABLED_BY_ADMIN
from .events import EVENT_TYPES

log = logging.getLogger(__name__)

DESCRIPTION_MAX = 200
URL_MESSAGES = {
    "empty": _l("Enter the address that receives the events."),
    "too_long": _l("An address has at most %(num)d characters.", num=network.URL_MAX),
    "spaces": _l("An address has no spaces or line breaks."),
    "malformed": _l("This is not a web address."),
    "scheme": _l("The address starts with https:// (or http://)."),
    "credentials": _l("Put no user name or password in the address; the signature proves who "
                      "sends."),
    "host": _l("The address needs a host name, such as hooks.example.go.id."),
    "port": _l("The port number is not valid."),
}


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def check_url(url: str) -> str:
    """``url`` tidied, or :class:`Invalid` next to the URL field."""
    try:
        network.parse_url(url)
    except network.BadURL as exc:
        raise Invalid(URL_MESSAGES[exc.code], field="url") from exc
    return url.strip()


def _event_types(chosen: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(chosen or ()))
    unknown = [e for e in chosen if e not in EVENT_TYPES]
    if unknown:
        raise Invalid(_l("Unknown event type: %(name)s.", name=", ".join(unknown)),
                      field="event_types")
    if not chosen:
        raise Invalid(_l("Choose at least one kind of event."), field="event_types")
    return [e for e in EVENT_TYPES if e in chosen]  # in the list's order


def _private(allow_private: bool) -> bool:
    if allow_private and not current_app.config["WEBHOOK_ALLOW_PRIVATE"]:
        raise Invalid(_l("This deployment sends webhooks to public addresses only "
                         "(QUICKWIN_WEBHOOK_ALLOW_PRIVATE is off)."), field="allow_private")
    return bool(allow_private)


def _description(text: str | None) -> str:
    text = " ".join((text or "").split())
    if len(text) > DESCRIPTION_MAX:
        raise Invalid(_l("A description has at most %(num)d characters.", num=DESCRIPTION_MAX),
                      field="description")
    return text


def create_endpoint(actor: User, url: str, description: str, event_types: Iterable[str],
                    allow_private: bool = False, now: datetime | None = None) -> WebhookEndpoint:
    now = now or utcnow()
    endpoint = WebhookEndpoint(
        url=check_url(url), description=_description(description),
        event_types=_event_types(event_types), allow_private=_private(allow_private),
        secret=new_secret(), active=True, owner=actor, created_at=now, updated_at=now,
        disabled_reason="")
    db.session.add(endpoint)
    db.session.flush()
    log.info("%s registered webhook endpoint %s (%s)", actor.email, endpoint.id, endpoint.url)
    return endpoint


def update_endpoint(actor: User, endpoint: WebhookEndpoint, url: str, description: str,
                    event_types: Iterable[str], allow_private: bool = False,
                    now: datetime | None = None) -> bool:
    """Change what differs; True when something did (``updated_at`` moves only then)."""
    values: dict[str, Any] = {
        "url": check_url(url), "description": _description(description),
        "event_types": _event_types(event_types),
        # An allowance the deployment no longer permits may stay stored (it is ignored when
        # sending, see delivery.py) but cannot be set anew.
        "allow_private": (bool(allow_private) if allow_private == endpoint.allow_private
                          else _private(allow_private)),
    }
    changed = {k: v for k, v in values.items() if getattr(endpoint, k) != v}
    if not changed:
        return False
    for key, value in changed.items():
        setattr(endpoint, key, value)
    endpoint.updated_at = now or utcnow()
    db.session.flush()
    log.info("%s changed webhook endpoint %s: %s", actor.email, endpoint.id, sorted(changed))
    return True


def rotate_secret(actor: User, endpoint: WebhookEndpoint, now: datetime | None = None) -> str:
    """A new secret, used from the next attempt on (queued deliveries are signed with it)."""
    endpoint.secret = new_secret()
    endpoint.secret_rotated_at = now or utcnow()
    db.session.flush()
    log.info("%s rotated the secret of webhook endpoint %s", actor.email, endpoint.id)
    return endpoint.secret


def set_active(actor: User, endpoint: WebhookEndpoint, active: bool,
               now: datetime | None = None) -> None:
    """Enable (its queued deliveries go out again, failures counted afresh) or disable."""
    now = now or utcnow()
    if endpoint.active == active:
        raise Conflict(_l("This endpoint is already enabled.") if active
                       else _l("This endpoint is already disabled."))
    if active:
        # What waited while it was off is due now, in its order, its attempts counted afresh.
        # (Deliveries first, then the endpoint: the order the delivery job takes their locks.)
        db.session.execute(
            sa.update(WebhookDelivery)
            .where(WebhookDelivery.endpoint_id == endpoint.id,
                   WebhookDelivery.status == DeliveryStatus.QUEUED.value)
            .values(next_attempt_at=now, attempts=0)
            .execution_options(synchronize_session=False))
    endpoint.active = active
    if active:
        endpoint.disabled_at, endpoint.disabled_reason = None, ""
        endpoint.failing_since = None
    else:
        endpoint.disabled_at, endpoint.disabled_reason = now, DISABLED_BY_ADMIN
    db.session.flush()
    log.info("%s %s webhook endpoint %s", actor.email, "enabled" if active else "disabled",
             endpoint.id)


def delete_endpoint(actor: User, endpoint: WebhookEndpoint) -> None:
    """Remove the endpoint with its delivery log (and the notifications about it)."""
    db.session.execute(sa.delete(WebhookDelivery)
                       .where(WebhookDelivery.endpoint_id == endpoint.id))
    db.session.delete(endpoint)
    db.session.flush()
    log.info("%s deleted webhook endpoint %s (%s)", actor.email, endpoint.id, endpoint.url)


def send_again(actor: User, delivery: WebhookDelivery, now: datetime | None = None) -> None:
    """Queue a delivery again, due now, with the same ``webhook-id`` and body (receivers that
    already have it drop it). Attempts count afresh."""
    delivery.status = DeliveryStatus.QUEUED.value
    delivery.attempts = 0
    delivery.next_attempt_at = now or utcnow()
    db.session.flush()
    log.info("%s queued webhook delivery %s again", actor.email, delivery.id)


def endpoints() -> list[WebhookEndpoint]:
    return list(db.session.scalars(
        sa.select(WebhookEndpoint).order_by(WebhookEndpoint.active.desc(), WebhookEndpoint.id)))


def queued_counts() -> dict[int, int]:
    """How many deliveries wait, per endpoint."""
    return dict(db.session.execute(
        sa.select(WebhookDelivery.endpoint_id, sa.func.count())
        .where(WebhookDelivery.status == DeliveryStatus.QUEUED.value)
        .group_by(WebhookDelivery.endpoint_id)).all())


def delivery_log(endpoint: WebhookEndpoint, page: int, per_page: int = 50):
    stmt = (sa.select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
            .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc()))
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)
