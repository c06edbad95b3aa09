"""Signing in and out, the login redirect rules, and each user's own account."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from quickwin_tracker.domain.clock import utcnow
from quickwin_tracker.extensions import db
from quickwin_tracker.models import User
from tests.conftest import PASSWORD, signed_in

WRONG_LOGIN = "Wrong email or password, or the account is inactive."
NEW_PASSWORD = "brand-new-secret-42"
UNSAFE_TARGETS = ["https://evil.example/", "//evil.example", "/\\evil.example",
                  "javascript:alert(1)"]


def reload_user(user_id: int) -> User:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.id == user_id))


def login_next(location: str) -> str | None:
    """The ``next`` parameter of a URL pointing at the login page."""
    parts = urlsplit(location)
    assert parts.path == "/auth/login"
    return parse_qs(parts.query).get("next", [None])[0]


# --------------------------------------------------------------------------- signing in


def test_login_success(client, auth, make_user):
    user = make_user("staff")
    user.set_password(PASSWORD)  # the app's own hashing
    db.session.commit()
    assert user.password_hash.startswith("scrypt:")
    assert user.last_login_at is None
    before = utcnow()

    response = auth.login(user)

    assert response.status_code == 303
    assert response.location == "/board/"
    assert signed_in(client)
    stored = reload_user(user.id)
    assert before - timedelta(seconds=1) <= stored.last_login_at <= utcnow()
    # Signed in, the login page sends you on to the board.
    response = client.get("/auth/login")
    assert (response.status_code, response.location) == (302, "/board/")


@pytest.mark.parametrize(
    ("email", "password"),
    [("staff1@example.go.id", "not-the-password"), ("nobody@example.go.id", PASSWORD)],
    ids=["wrong-password", "unknown-email"],
)
def test_bad_credentials_get_the_same_answer(client, auth, english, make_user, email, password):
    user = make_user("staff", email="staff1@example.go.id")

    response = auth.login(email, password)

    assert response.status_code == 422
    assert f'<p class="error" id="password-error">{WRONG_LOGIN}</p>' in response.text
    assert f'value="{email}"' in response.text  # the email is kept, the password is not
    assert password not in response.text
    assert not signed_in(client)
    assert reload_user(user.id).last_login_at is None


@pytest.mark.parametrize(
    ("data", "field"),
    [({"email": "", "password": PASSWORD}, "email"),
     ({"email": "staff1@example.go.id", "password": ""}, "password")],
    ids=["no-email", "no-password"],
)
def test_login_requires_both_fields(client, english, make_user, data, field):
    make_user("staff", email="staff1@example.go.id")
    response = client.post("/auth/login", data=data)
    assert response.status_code == 422
    assert f'<p class="error" id="{field}-error">This field is required.</p>' in response.text
    assert not signed_in(client)


def test_inactive_user_is_refused(client, auth, english, make_user):
    user = make_user("staff", active=False)

    response = auth.login(user)

    assert response.status_code == 422
    assert WRONG_LOGIN in response.text  # no hint that the account exists
    assert not signed_in(client)
    assert reload_user(user.id).last_login_at is None


def test_email_is_case_insensitive_and_trimmed(client, auth, make_user):
    user = make_user("staff", email="staff1@example.go.id")
    response = auth.login("  Staff1@Example.go.id ")
    assert response.status_code == 303
    assert signed_in(client)
    assert reload_user(user.id).last_login_at is not None


def test_remember_me(app, client, auth, make_user):
    user = make_user("staff")

    auth.login(user)  # without it: a session cookie only
    assert client.get_cookie("remember_token") is None
    auth.logout()

    auth.login(user, remember="y")
    cookie = client.get_cookie("remember_token")
    assert cookie is not None and cookie.value and cookie.expires is not None
    # A new browser session holding only the remember cookie is still signed in.
    other = app.test_client()
    other.set_cookie("remember_token", cookie.value)
    assert signed_in(other)


# --------------------------------------------------------------------------- next


def test_protected_page_sends_anonymous_to_login_and_back(client, auth, make_user):
    response = client.get("/initiatives/archived")
    assert response.status_code == 302
    assert login_next(response.location) == "/initiatives/archived"

    # The login page carries it in the form, and signing in returns there.
    page = client.get(response.location).text
    assert 'name="next" type="hidden" value="/initiatives/archived"' in page
    response = auth.login(make_user("staff"), next="/initiatives/archived")
    assert (response.status_code, response.location) == (303, "/initiatives/archived")
    assert client.get(response.location).status_code == 200


def test_next_keeps_the_query_string(client):
    target = login_next(client.get("/board/?unit=OPD1&q=air").location)
    assert urlsplit(target).path == "/board/"
    assert parse_qs(urlsplit(target).query) == {"unit": ["OPD1"], "q": ["air"]}


@pytest.mark.parametrize("target", UNSAFE_TARGETS)
def test_unsafe_next_is_ignored(client, auth, make_user, target):
    response = auth.login(make_user("staff"), next=target)
    assert response.status_code == 303
    assert response.location == "/board/"


def test_htmx_request_when_anonymous_gets_hx_redirect(client, hx):
    response = client.get("/board/?q=air", headers=hx)
    assert response.status_code == 200  # never a 302, which htmx would follow and swap in
    assert "Location" not in response.headers
    assert login_next(response.headers["HX-Redirect"]) == "/board/?q=air"
    assert response.text == ""

    # A POST comes back to the page it was sent from: browsers send an absolute Referer.
    response = client.post("/board/cards/1/move",
                           headers={**hx, "Referer": "http://localhost/initiatives/archived?q=air"})
    assert response.status_code == 200
    assert "Location" not in response.headers
    assert login_next(response.headers["HX-Redirect"]) == "/initiatives/archived?q=air"


@pytest.mark.parametrize("referer", [None, "https://evil.example/board/", "//evil.example/x"])
def test_anonymous_post_from_elsewhere_gets_no_next(client, hx, referer):
    headers = {**hx, "Referer": referer} if referer else hx
    response = client.post("/board/cards/1/move", headers=headers)
    assert response.status_code == 200
    assert login_next(response.headers["HX-Redirect"]) == "/"  # the board, not elsewhere


# --------------------------------------------------------------------------- signing out


def test_logout(client, auth, hx, make_user):
    user = make_user("staff")
    auth.login(user, remember="y")
    assert client.get("/auth/logout").status_code == 405
    assert signed_in(client)  # the GET signed no one out

    response = auth.logout()

    assert (response.status_code, response.location) == (303, "/auth/login")
    assert client.get_cookie("remember_token") is None
    response = client.get("/board/")
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/auth/login"

    # Under htmx, the way out is an HX-Redirect.
    auth.login(user)
    response = client.post("/auth/logout", headers=hx)
    assert (response.status_code, response.headers["HX-Redirect"]) == (200, "/auth/login")
    assert not signed_in(client)


def test_there_is_no_sign_up(client):
    for path in ("/auth/register", "/auth/signup", "/register", "/signup"):
        assert client.get(path).status_code == 404, path
        response = client.post(path, data={"email": "me@example.go.id", "name": "Me",
                                           "password": "a-long-password"})
        assert response.status_code == 404, path
    assert db.session.scalar(select(User).where(User.email == "me@example.go.id")) is None
    assert "/register" not in client.get("/auth/login").text


# --------------------------------------------------------------------------- account


def test_account_page(client, auth, make_user):
    response = client.get("/auth/account")
    assert response.status_code == 302
    assert login_next(response.location) == "/auth/account"

    user = make_user("staff", name="Siti Aminah")
    auth.login(user)
    response = client.get("/auth/account")
    assert response.status_code == 200
    assert "Siti Aminah" in response.text and user.email in response.text
    assert 'name="pw-current_password"' in response.text
    assert 'name="lang-locale"' in response.text


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"current_password": "not-my-password", "new_password": NEW_PASSWORD,
          "confirm": NEW_PASSWORD}, "current_password", "The current password is wrong."),
        ({"current_password": PASSWORD, "new_password": "short", "confirm": "short"},
         "new_password", "Use at least 10 characters."),
        ({"current_password": PASSWORD, "new_password": NEW_PASSWORD,
          "confirm": NEW_PASSWORD + "x"}, "confirm", "The two passwords differ."),
        ({"current_password": "", "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
         "current_password", "This field is required."),
    ],
    ids=["wrong-current", "too-short", "mismatch", "no-current"],
)
def test_change_password_refused(client, auth, make_user, form, field, message):
    user = make_user("staff", locale="en")
    auth.login(user)

    response = client.post("/auth/account/password",
                           data={f"pw-{key}": value for key, value in form.items()})

    assert response.status_code == 422
    # The message sits next to its field, and the field points at it.
    assert f'<p class="error" id="pw-{field}-error">{message}</p>' in response.text
    assert f'pw-{field}-error" aria-invalid="true"' in response.text
    assert reload_user(user.id).check_password(PASSWORD)


def test_change_password(client, auth, make_user):
    user = make_user("staff", locale="en")
    auth.login(user)

    response = client.post("/auth/account/password", data={
        "pw-current_password": PASSWORD, "pw-new_password": NEW_PASSWORD,
        "pw-confirm": NEW_PASSWORD,
    })

    assert (response.status_code, response.location) == (303, "/auth/account")
    assert "Your password has been changed." in client.get("/auth/account").text
    assert reload_user(user.id).password_hash.startswith("scrypt:")
    auth.logout()
    assert auth.login(user, PASSWORD).status_code == 422
    assert auth.login(user, NEW_PASSWORD).status_code == 303


def test_change_language(client, auth, make_user):
    user = make_user("staff")
    auth.login(user)
    assert '<html lang="id"' in client.get("/board/").text

    assert client.post("/auth/account/language",
                       data={"lang-locale": "fr"}).status_code == 422
    assert reload_user(user.id).locale == "id"

    response = client.post("/auth/account/language", data={"lang-locale": "en"})

    assert (response.status_code, response.location) == (303, "/auth/account")
    assert reload_user(user.id).locale == "en"
    page = client.get(response.location).text
    assert '<html lang="en"' in page
    assert "Language saved." in page  # the confirmation is already in the new language
    board = client.get("/board/").text
    assert '<html lang="en"' in board and "Quick-win board" in board


# --------------------------------------------------------------------------- language (anonymous)


def test_anonymous_language_switch(client):
    assert '<html lang="id"' in client.get("/auth/login").text

    response = client.post("/language",
                           data={"locale": "en", "next": "/auth/login?next=%2Fboard%2F"})

    assert response.status_code == 303
    assert response.location == "/auth/login?next=%2Fboard%2F"
    page = client.get(response.location).text
    assert '<html lang="en"' in page and "Sign in" in page

    # An unknown language changes nothing; a missing next goes to the login page.
    response = client.post("/language", data={"locale": "fr"})
    assert (response.status_code, response.location) == (303, "/auth/login")
    assert '<html lang="en"' in client.get("/auth/login").text

    client.post("/language", data={"locale": "id", "next": "/auth/login"})
    assert '<html lang="id"' in client.get("/auth/login").text


@pytest.mark.parametrize("target", UNSAFE_TARGETS)
def test_anonymous_language_switch_ignores_unsafe_next(client, target):
    response = client.post("/language", data={"locale": "en", "next": target})
    assert response.status_code == 303
    assert response.location == "/auth/login"
    assert '<html lang="en"' in client.get("/auth/login").text
