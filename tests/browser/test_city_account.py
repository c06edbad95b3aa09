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


def _seed_with_break_glass_admin():
    from tests.browser.conftest import seed
    from tests.conftest import _PASSWORD_HASH

    data = seed()
    db.session.add(User(email="darurat@example.go.id", name="Admin Darurat", role="admin",
                        password_hash=_PASSWORD_HASH, locale="id"))
    db.session.commit()
    return data


def test_with_passwords_off_only_the_break_glass_admin_uses_the_form(new_context,
                                                                     live_server_factory,
                                                                     provider, axe_js):
    from tests.browser.test_accessibility import run_axe
    from tests.conftest import PASSWORD

    server = live_server_factory(_seed_with_break_glass_admin,
                                 OIDC_DISCOVERY_URL=provider.discovery_url,
                                 OIDC_CLIENT_ID="quickwin-tracker", PASSWORD_SIGN_IN=False,
                                 BREAK_GLASS_ADMINS="darurat@example.go.id")
    page = new_context(bypass_csp=True).new_page()  # axe is added as an inline script
    page.goto(server.path("/auth/login"))
    expect(page.get_by_role("button", name="Masuk dengan akun kota")).to_be_visible()
    expect(page.locator("#password")).to_be_hidden()  # folded away
    assert run_axe(page, axe_js) == []

    page.get_by_text("Masuk darurat untuk administrator").click()
    page.locator("#email").fill(server.data.staff)
    page.locator("#password").fill(PASSWORD)
    page.locator("details button[type=submit]").click()
    expect(page.locator("details.break-glass")).to_contain_text("Masuk dengan kata sandi dimatikan")

    page.locator("#email").fill("darurat@example.go.id")
    page.locator("#password").fill(PASSWORD)
    page.locator("details button[type=submit]").click()
    page.wait_for_url(re.compile(r"/board/"))
