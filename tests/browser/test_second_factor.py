"""Issue 16 item 3 in Chromium: an administrator turns on two-step verification (the QR code and
the secret as text, the first code, the recovery codes) and signs in with a code; and, with the
requirement on (the default), is sent to set it up right after the password. The codes are
computed by the test from the secret the page shows, as an authenticator app would."""

from __future__ import annotations

import re
import time

import pyotp
from playwright.sync_api import Page, expect

from quickwin_tracker.extensions import db
from quickwin_tracker.models import SecondFactor, User
from tests.browser.conftest import seed
from tests.conftest import _PASSWORD_HASH, PASSWORD

ADMIN = "admin@diskominfo.example.go.id"


def seed_with_admin():
    data = seed()
    db.session.add(User(email=ADMIN, name="Rizky Admin", role="admin", password_hash=_PASSWORD_HASH,
                        locale="id", board_settings={"scope": "city"}))
    db.session.commit()
    return data


def password_step(page: Page, live_server, expected: str) -> None:
    page.goto(live_server.path("/auth/login"))
    page.locator("#email").fill(ADMIN)
    page.locator("#password").fill(PASSWORD)
    page.locator("button[type=submit].primary").click()
    page.wait_for_url(re.compile(expected))


def secret_shown(page: Page) -> str:
    expect(page.locator("figure.qr svg")).to_be_visible()  # the QR code, inline, no script
    return page.locator("#totp-secret").inner_text().replace(" ", "")


def next_code(secret: str) -> str:
    """The code of the next time step (one step of drift is allowed): never the one just used."""
    return pyotp.TOTP(secret).at(time.time() + 30)


def sign_in_with_a_code(page: Page, live_server, secret: str) -> None:
    page.locator("form.inline-form button").click()  # sign out
    page.wait_for_url(re.compile(r"/auth/login"))
    password_step(page, live_server, r"/auth/login/code$")
    expect(page.locator("#board")).to_have_count(0)
    page.locator("#code").fill(next_code(secret))
    page.locator("button[type=submit].primary").click()
    page.wait_for_url(re.compile(r"/board/"))
    expect(page.locator("#board")).to_be_visible()


def test_as_admin_enable_totp_and_sign_in_with_a_code(page: Page, live_server_factory):
    live_server = live_server_factory(seed_with_admin, TOTP_REQUIRED_ROLES="")
    password_step(page, live_server, r"/board/")
    page.goto(live_server.path("/auth/account"))
    page.get_by_role("link", name="Pasang autentikasi dua langkah").click()
    page.wait_for_url(re.compile(r"/auth/account/two-factor$"))
    secret = secret_shown(page)

    # Sent unchanged: refused next to the field; then the code the app shows.
    page.locator("button[type=submit].primary").click()
    expect(page.locator("#enrol-code-error")).to_be_visible()
    assert page.locator("#totp-secret").inner_text().replace(" ", "") == secret
    page.locator("#enrol-code").fill(pyotp.TOTP(secret).now())
    page.locator("button[type=submit].primary").click()
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    page.get_by_role("link", name="Sudah saya simpan: lanjutkan").click()
    page.wait_for_url(re.compile(r"/auth/account$"))

    sign_in_with_a_code(page, live_server, secret)
    with live_server.app.app_context():
        admin = db.session.query(User).filter_by(email=ADMIN).one()
        assert db.session.get(SecondFactor, admin.id).secret == secret
        db.session.remove()


def test_an_admin_is_sent_to_set_it_up_after_the_password(page: Page, live_server_factory):
    live_server = live_server_factory(seed_with_admin, TOTP_REQUIRED_ROLES="admin")
    password_step(page, live_server, r"/auth/login/enrol$")
    secret = secret_shown(page)
    page.goto(live_server.path("/board/"))  # nothing else until done
    page.wait_for_url(re.compile(r"/auth/login"))
    page.goto(live_server.path("/auth/login/enrol"))
    assert page.locator("#totp-secret").inner_text().replace(" ", "") == secret
    page.locator("#code").fill(pyotp.TOTP(secret).now())
    page.locator("button[type=submit].primary").click()
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    page.locator("a.button.primary").click()
    page.wait_for_url(re.compile(r"/board/"))

    sign_in_with_a_code(page, live_server, secret)
