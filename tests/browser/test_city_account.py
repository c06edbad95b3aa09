"""Issue 16: "Sign in with the city account" in Chromium, against a real OpenID provider
(oidc-provider-mock on this machine, ``tests/identity/servers.py``): the login page's button, the
provider's login form, and back signed in on the unit's board with the role the rules give."""

from __future__ import annotations

import json
import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from quickwin_tracker.extensions import db
from quickwin_tracker.models import User
from tests.identity import servers


@pytest.fixture
def provider(monkeypatch):
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")  # the provider serves plain http
    with servers.running_provider(host="localhost") as running:
        yield running


def test_sign_in_with_the_city_account_lands_on_the_units_board(page: Page, live_server_factory,
                                                                provider):
    rules = {"rules": [{"group": "bpk-dlh-kepala", "role": "manager", "unit": "DLH"}],
             "default": {"role": "staff", "unit": "DKIS"}}
    server = live_server_factory(OIDC_DISCOVERY_URL=provider.discovery_url,
                                 OIDC_CLIENT_ID="quickwin-tracker",
                                 OIDC_CLIENT_SECRET="client-secret-for-tests",
                                 OIDC_CREATE_USERS=True, IDENTITY_RULES=json.dumps(rules))
    provider.set_user("dewi", email="dewi@dlh.example.go.id", email_verified=True,
                      name="Dewi Lestari", groups=["bpk-dlh-kepala"])

    page.goto(server.path("/auth/login"))
    page.get_by_role("button", name="Masuk dengan akun kota").click()
    page.wait_for_url(re.compile(r"localhost:\d+/oauth2/authorize"))
    page.locator("input[name=sub]").fill("dewi")
    page.get_by_role("button", name="Authorize").click()

    page.wait_for_url(re.compile(r"127\.0\.0\.1:\d+/board/"))
    expect(page.locator("#board")).to_be_visible()
    # Her unit's board (a head opens on their own unit), as the new head of DLH.
    expect(page.locator("#board-scope .scope-showing strong")).to_have_text("Dinas Lingkungan Hidup")
    with server.app.app_context():
        dewi = db.session.scalar(sa.select(User).where(User.email == "dewi@dlh.example.go.id"))
        assert (dewi.role, dewi.unit.code, dewi.auth_source) == ("manager", "DLH", "oidc")
    assert provider.authorize_requests[-1]["code_challenge_method"] == "S256"

    # Signing out here ends the provider's session too, and comes back to the login page.
    page.goto(server.path("/auth/account"))
    page.locator("form[action$='/auth/logout'] button").first.click()
    page.wait_for_url(re.compile(r"localhost:\d+/oauth2/end_session"))
    assert provider.end_session_requests[-1]["id_token_hint"]
