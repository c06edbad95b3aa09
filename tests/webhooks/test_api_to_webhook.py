"""Issue 15's two halves together: a card moved through the API (a bearer token, If-Match) reaches
a real receiver on 127.0.0.1 as one signed ``initiative.moved`` event, and a refused or stale API
call sends nothing."""

from __future__ import annotations

import sqlalchemy as sa
from standardwebhooks import Webhook

from quickwin_tracker.extensions import db
from quickwin_tracker.models import Indicator, TokenScope, WebhookDelivery
from quickwin_tracker.tokens.services import issue
from quickwin_tracker.webhooks.delivery import deliver_webhooks


def token_of(user) -> dict[str, str]:
    _token, secret = issue(user, "Integration", TokenScope.WRITE, None)
    db.session.commit()
    return {"Authorization": f"Bearer {secret}", "Accept-Language": "en"}


def test_a_move_through_the_api_arrives_signed_at_the_receiver(app, client, team, make_initiative,
                                                               receiver, make_endpoint):
    initiative = make_initiative(unit=team.unit, owner=team.staff)
    db.session.add(Indicator(initiative=initiative, name="Warga terlayani",
                             unit_of_measure="orang", baseline=0, target=100))
    db.session.commit()
    endpoint = make_endpoint(receiver.url, events=["initiative.moved"])
    manager = token_of(team.manager)
    url = f"/api/v1/initiatives/{initiative.id}"

    # A stale version is refused with 412 and queues nothing; so is a move the gates refuse.
    stale = client.post(f"{url}/move", json={"stage": "approved"},
                        headers={**manager, "If-Match": '"0"'})
    assert stale.status_code == 412
    etag = client.get(url, headers=manager).headers["ETag"]
    skipped = client.post(f"{url}/move", json={"stage": "piloting"},
                          headers={**manager, "If-Match": etag})
    assert skipped.status_code in (403, 409, 422)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WebhookDelivery)) == 0

    moved = client.post(f"{url}/move", json={"stage": "approved"},
                        headers={**manager, "If-Match": etag})
    assert moved.status_code == 200, moved.get_data(as_text=True)
    assert moved.headers["ETag"] != etag

    # The scheduler's job delivers it: one request, signed with the endpoint's secret.
    assert deliver_webhooks().sent == 1
    (request,) = receiver.received
    payload = Webhook(endpoint.secret).verify(request.body, request.headers)
    assert payload["type"] == "initiative.moved"
    data = payload["data"]
    assert data["initiative"]["id"] == initiative.id
    assert data["initiative"]["stage"]["code"] == "approved"
    assert data["actor"] == {"id": team.manager.id, "name": team.manager.name}
    assert (data["change"]["from_stage"], data["change"]["to_stage"]) == ("proposed", "approved")
    delivery = db.session.scalar(sa.select(WebhookDelivery))
    assert request.headers["webhook-id"] == delivery.event_id and delivery.status == "sent"
    # Run again: nothing more is sent (each event once).
    assert deliver_webhooks().sent == 0 and len(receiver.received) == 1
