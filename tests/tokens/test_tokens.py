"""Issue 15 item 3: personal access tokens, made, seen once, listed and revoked on the account
page; only a hash stored; admins list and revoke anyone's; use counted per minute and kept."""

from __future__ import annotations

import hashlib
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, format_date

from quickwin_tracker.domain.clock import local_today, utcnow
from quickwin_tracker.extensions import db
from quickwin_tracker.models import AccessToken, OutboxMessage, TokenScope
from quickwin_tracker.tokens import services
from quickwin_tracker.tokens.services import TokenRefused
from tests.html_forms import forms_in

pytestmark = pytest.mark.usefixtures("team_in_english")

def form_data(html: bytes, action: str, page: str = "/tokens/") -> dict[str, str]:
    """What the browser sends for the page's form posting to ``action``, unchanged."""
    form = next(f for f in forms_in(html.decode(), page) if f.action == action)
    return dict(form.submission().fields)


SECRET = re.compile(r'value="(qwt_[A-Za-z0-9_-]{40})"')


def make_token_through_the_page(client, name="Budget sync", scope="write", days=30):
    page = client.get("/tokens/")
    assert page.status_code == 200
    data = form_data(page.data, action="/tokens/")
    data.update(name=name, scope=scope, expires_on=(local_today() + timedelta(days=days)).isoformat())
    return client.post("/tokens/", data=data)


def test_a_token_is_made_shown_once_and_only_its_hash_kept(auth, team):
    client = auth.sign_in(team.staff)
    response = make_token_through_the_page(client)
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    secret = SECRET.search(response.get_data(as_text=True)).group(1)
    token = db.session.scalar(sa.select(AccessToken))
    assert token.user_id == team.staff.id and token.scope == TokenScope.WRITE
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert token.prefix == secret[:12]
    # The secret is in no column, and the list shows only its first characters.
    row = db.session.execute(sa.select(AccessToken.__table__)).one()
    assert secret not in [str(value) for value in row]
    listing = client.get("/tokens/").get_data(as_text=True)
    assert secret not in listing and f"{secret[:12]}…" in listing and "Budget sync" in listing
    # It expires at the end of the chosen day in the city.
    assert token.expires_at == services.expiry_moment(local_today() + timedelta(days=30))


def test_the_form_submitted_as_rendered_makes_a_read_token_for_90_days(auth, team):
    client = auth.sign_in(team.staff)
    page = client.get("/tokens/")
    data = form_data(page.data, action="/tokens/")
    data["name"] = "Dashboard"
    assert client.post("/tokens/", data=data).status_code == 201
    token = db.session.scalar(sa.select(AccessToken))
    assert token.scope == TokenScope.READ
    assert token.expires_at == services.expiry_moment(local_today() + timedelta(days=90))


@pytest.mark.parametrize("change, field, message", [
    ({"name": ""}, "name", "This field is required."),
    ({"scope": "admin"}, "scope", "Not a valid choice"),
    ({"expires_on": "2001-01-01"}, "expires_on", "already passed"),
    ({"expires_on": ""}, "expires_on", "Choose an expiry date"),
    ({"expires_on": "2099-01-01"}, "expires_on", "A token lasts at most until"),
])
def test_bad_input_is_refused_next_to_its_field_and_nothing_made(auth, team, change, field,
                                                                  message):
    client = auth.sign_in(team.staff)
    data = form_data(client.get("/tokens/").data, action="/tokens/")
    data.update({"name": "Sync", **change})
    response = client.post("/tokens/", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    error = re.search(rf'id="{field}-error">([^<]*)<', html)
    assert error and message in error.group(1)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AccessToken)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def refusal(secret: str) -> str:
    with pytest.raises(TokenRefused) as refused:
        services.authenticate(secret, None)
    return refused.value.reason


def test_authenticate_checks_revocation_expiry_and_owner(app, team):
    token, secret = services.issue(team.staff, "cli", TokenScope.READ, None)
    db.session.commit()
    assert services.authenticate(secret, "10.1.2.3") == token
    assert token.last_used_from == "10.1.2.3" and token.last_used_at is not None
    for bad, reason in [("nope", "malformed"), ("qwt_" + "x" * 40, "unknown")]:
        with pytest.raises(TokenRefused) as refused:
            services.authenticate(bad, None)
        assert refused.value.reason == reason
    team.staff.active = False
    db.session.commit()
    assert refusal(secret) == "inactive_user"
    team.staff.active = True
    token.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert refusal(secret) == "expired"
    token.expires_at = None
    services.revoke(token, team.admin)
    db.session.commit()
    assert refusal(secret) == "revoked"


def test_use_is_throttled_per_token_per_minute(app, team):
    app.config["API_RATE_LIMIT"] = 3
    mine, secret = services.issue(team.staff, "busy", TokenScope.READ, None)
    other, other_secret = services.issue(team.staff, "quiet", TokenScope.READ, None)
    db.session.commit()
    start = utcnow()
    for second in range(3):
        services.authenticate(secret, None, now=start + timedelta(seconds=second))
    with pytest.raises(TokenRefused) as refused:
        services.authenticate(secret, None, now=start + timedelta(seconds=10))
    assert refused.value.reason == "throttled" and refused.value.retry_after == 50
    services.authenticate(other_secret, None, now=start + timedelta(seconds=10))  # its own count
    # A new minute starts with the first request after the last one ended.
    services.authenticate(secret, None, now=start + timedelta(seconds=61))
    assert db.session.get(AccessToken, mine.id).window_count == 1


def test_owner_revokes_and_others_cannot_see_the_token(auth, team, client):
    token, _secret = services.issue(team.staff, "mine", TokenScope.READ, None)
    db.session.commit()
    auth.sign_in(team.outsider)
    assert client.post(f"/tokens/{token.id}/revoke").status_code == 404
    assert team.staff.name not in client.get("/tokens/").get_data(as_text=True)
    assert client.get("/tokens/all").status_code == 403
    auth.logout()
    auth.sign_in(team.staff)
    page = client.get("/tokens/")
    data = form_data(page.data, action=f"/tokens/{token.id}/revoke")
    response = client.post(f"/tokens/{token.id}/revoke", data=data)
    assert response.status_code == 303
    assert db.session.get(AccessToken, token.id).revoked_by_id == team.staff.id
    listing = client.get("/tokens/").get_data(as_text=True)
    assert "revoked" in listing and f"/tokens/{token.id}/revoke" not in listing


def test_an_admin_lists_and_revokes_anyones_token(auth, team, client):
    staff_token, _ = services.issue(team.staff, "staff sync", TokenScope.WRITE, date(2099, 1, 1))
    manager_token, _ = services.issue(team.manager, "manager sheet", TokenScope.READ, None)
    db.session.commit()
    auth.sign_in(team.admin)
    page = client.get("/tokens/all")
    html = page.get_data(as_text=True)
    assert "staff sync" in html and "manager sheet" in html and team.staff.email in html
    data = form_data(page.data, action=f"/tokens/{staff_token.id}/revoke", page="/tokens/all")
    assert data["back"] == "all"
    response = client.post(f"/tokens/{staff_token.id}/revoke", data=data)
    assert response.status_code == 303 and response.headers["Location"].endswith("/tokens/all")
    assert db.session.get(AccessToken, staff_token.id).revoked_by_id == team.admin.id
    assert db.session.get(AccessToken, manager_token.id).revoked_at is None


def test_the_owner_is_emailed_when_a_token_is_made_and_the_list_shows_its_last_day(auth, team):
    client = auth.sign_in(team.staff)
    last_day = local_today() + timedelta(days=30)
    assert make_token_through_the_page(client, name="Budget sync", days=30).status_code == 201
    token = db.session.scalar(sa.select(AccessToken))
    message = db.session.scalar(sa.select(OutboxMessage))
    # One email, to the owner, in the same transaction as the token: it names the token, its
    # access and its last day, never its secret, and links the page where it is revoked.
    assert message.kind == "token_created" and message.to_user_id == team.staff.id
    assert message.dedupe_key == f"token_created:{token.id}"
    assert "access token" in message.subject
    body = message.text_body
    assert "Budget sync" in body and "Read and write" in body and f"{token.prefix}…" in body
    with force_locale("en"):
        shown = format_date(last_day)
    assert shown in body
    assert "http://localhost/tokens/" in body
    # The list says the same last day (the token ends at the next local midnight).
    assert token.last_day == last_day
    listing = client.get("/tokens/").get_data(as_text=True)
    assert "Valid until" in listing and shown in listing

