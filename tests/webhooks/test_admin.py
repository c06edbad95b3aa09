"""Issue 15: ``/admin/webhooks``: admins register, edit, rotate, disable, enable, delete and ping
endpoints and read the delivery log; htmx and plain posting; bad input refused next to its field
with nothing written; everyone else refused."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from standardwebhooks import Webhook

from quickwin_tracker.extensions import db
from quickwin_tracker.models import WebhookDelivery, WebhookEndpoint
from tests.conftest import t

GOOD = {"url": "https://hooks.example.org/quickwin", "description": "SIPD sync",
        "event_types": ["initiative.created", "initiative.moved"]}


def endpoints() -> list[WebhookEndpoint]:
    return list(db.session.scalars(sa.select(WebhookEndpoint).order_by(WebhookEndpoint.id)))


@pytest.fixture
def admin(team, auth, client):
    auth.sign_in(team.admin)
    return client


def test_an_admin_registers_an_endpoint_without_javascript(admin, team):
    page = admin.get("/admin/webhooks/new")
    assert page.status_code == 200
    assert 'name="url"' in page.get_data(as_text=True)
    response = admin.post("/admin/webhooks/new", data=GOOD)
    assert response.status_code == 303
    (endpoint,) = endpoints()
    assert response.location.endswith(f"/admin/webhooks/{endpoint.id}")
    assert endpoint.url == GOOD["url"] and endpoint.description == "SIPD sync"
    assert endpoint.event_types == ["initiative.created", "initiative.moved"]
    assert endpoint.owner_id == team.admin.id and endpoint.active
    assert endpoint.secret.startswith("whsec_")
    Webhook(endpoint.secret)  # a secret the receiver's library reads
    # The page shows the secret to the admin, and lists the endpoint with its health.
    detail = admin.get(response.location).get_data(as_text=True)
    assert endpoint.secret in detail
    listing = admin.get("/admin/webhooks").get_data(as_text=True)
    assert GOOD["url"] in listing


def test_an_admin_registers_an_endpoint_through_htmx(admin, hx):
    response = admin.post("/admin/webhooks/new", data=GOOD, headers=hx)
    assert response.status_code == 200
    (endpoint,) = endpoints()
    assert response.headers["HX-Redirect"].endswith(f"/admin/webhooks/{endpoint.id}")


@pytest.mark.parametrize(("field", "value", "message"), [
    ("url", "ftp://hooks.example.org/x", "The address starts with https:// (or http://)."),
    ("url", "https://user:pw@hooks.example.org/", "Put no user name or password in the address; "
                                                  "the signature proves who sends."),
    ("url", "", "This field is required."),
    ("event_types", [], "Choose at least one kind of event."),
    ("description", "x" * 201, "Isian ini paling banyak 200 karakter."),
])
@pytest.mark.parametrize("htmx", [False, True])
def test_bad_input_is_refused_next_to_its_field_and_nothing_written(admin, hx, field, value,
                                                                    message, htmx):
    data = {**GOOD, field: value}
    response = admin.post("/admin/webhooks/new", data=data, headers=hx if htmx else {})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    expected = t(message)
    assert f'id="{field}-error"' in html and expected in html
    assert ("<html" in html) is not htmx  # htmx gets the form's fragment only
    assert endpoints() == []


def test_private_addresses_need_the_deployments_permission(admin, app):
    app.config["WEBHOOK_ALLOW_PRIVATE"] = False
    page = admin.get("/admin/webhooks/new").get_data(as_text=True)
    assert 'name="allow_private"' not in page  # not offered
    response = admin.post("/admin/webhooks/new", data={**GOOD, "allow_private": "y"})
    assert response.status_code == 422
    assert 'id="allow_private-error"' in response.get_data(as_text=True)
    assert endpoints() == []


def test_edit_rotate_disable_enable_and_delete(admin, team):
    admin.post("/admin/webhooks/new", data=GOOD)
    (endpoint,) = endpoints()
    old_secret, endpoint_id = endpoint.secret, endpoint.id
    base = f"/admin/webhooks/{endpoint_id}"

    response = admin.post(base, data={**GOOD, "url": "https://other.example.org/in",
                                      "event_types": ["comment.added"]})
    assert response.status_code == 303
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    assert endpoint.url == "https://other.example.org/in"
    assert endpoint.event_types == ["comment.added"]

    bad = admin.post(base, data={**GOOD, "url": "nonsense"})
    assert bad.status_code == 422
    assert db.session.get(WebhookEndpoint, endpoint_id).url == "https://other.example.org/in"

    assert admin.post(f"{base}/rotate").status_code == 303
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    assert endpoint.secret != old_secret and endpoint.secret_rotated_at is not None
    assert endpoint.secret in admin.get(base).get_data(as_text=True)

    assert admin.post(f"{base}/disable").status_code == 303
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    assert not endpoint.active and endpoint.disabled_reason == "admin"
    again = admin.post(f"{base}/disable", follow_redirects=True).get_data(as_text=True)
    assert t("This endpoint is already disabled.") in again
    assert admin.post(f"{base}/enable").status_code == 303
    assert db.session.get(WebhookEndpoint, endpoint_id).active

    response = admin.post(f"{base}/delete")
    assert response.status_code == 303 and response.location.endswith("/admin/webhooks")
    assert endpoints() == []
    assert admin.get(base).status_code == 404


def test_a_test_event_is_sent_and_the_log_shows_it(admin, receiver, app):
    admin.post("/admin/webhooks/new", data={**GOOD, "url": receiver.url, "allow_private": "y"})
    (endpoint,) = endpoints()
    response = admin.post(f"/admin/webhooks/{endpoint.id}/ping", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert t("Test event delivered: the receiver answered %(code)s.", code=204) in html
    (request,) = receiver.received
    payload = Webhook(endpoint.secret).verify(request.body, request.headers)
    assert payload["type"] == "ping"
    (delivery,) = db.session.scalars(sa.select(WebhookDelivery)).all()
    assert delivery.event_id in html and delivery.response_code == 204
    assert ">204<" in html  # the response code in the log


def test_a_failed_test_event_says_why(admin, receiver):
    receiver.status = 500
    admin.post("/admin/webhooks/new", data={**GOOD, "url": receiver.url, "allow_private": "y"})
    (endpoint,) = endpoints()
    html = admin.post(f"/admin/webhooks/{endpoint.id}/ping",
                      follow_redirects=True).get_data(as_text=True)
    assert "HTTP 500" in html


@pytest.mark.parametrize("person", ["staff", "manager", "reviewer"])
def test_only_admins_reach_the_pages(team, auth, client, person):
    auth.sign_in(getattr(team, person))
    assert client.get("/admin/webhooks").status_code == 403
    assert client.post("/admin/webhooks/new", data=GOOD).status_code == 403
    assert endpoints() == []


def test_the_admin_menu_links_to_webhooks(admin):
    html = admin.get("/admin/users").get_data(as_text=True)
    assert 'href="/admin/webhooks"' in html


def test_the_owner_reads_the_disabled_endpoint_in_notifications(app, team, admin, receiver,
                                                                 make_endpoint):
    from quickwin_tracker.domain.clock import utcnow
    from quickwin_tracker.webhooks.delivery import disable_failing

    endpoint = make_endpoint(receiver.url)
    endpoint.failing_since = utcnow()
    disable_failing(endpoint, utcnow(), "HTTP 503: down")
    db.session.commit()
    html = admin.get("/notifications").get_data(as_text=True)
    assert f'href="/admin/webhooks/{endpoint.id}"' in html
    assert receiver.url in html
    listing = admin.get("/admin/webhooks").get_data(as_text=True)
    assert t("disabled: kept failing") in listing
