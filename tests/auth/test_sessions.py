"""Issue 10: sessions that really end.

Logout, a password change or reset, deactivation (admin page or CLI) and an admin's "sign out
everywhere" end every session and remember-me cookie of the user: a copied cookie replayed in
another browser afterwards lands on the login page. Sessions time out when idle (the live
board's poll does not count as activity), and a sign-in, remember-me included, ends after
QUICKWIN_REMEMBER_DAYS.
"""

from __future__ import annotations

import time
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from itsdangerous.timed import TimestampSigner

from quickwin_tracker.auth import sessions
from quickwin_tracker.auth.reset import reset_token
from quickwin_tracker.domain.clock import utcnow
from quickwin_tracker.extensions import db
from quickwin_tracker.models import User
from tests.conftest import PASSWORD

NEW_PASSWORD = "brand-new-secret-42"


pytestmark = pytest.mark.usefixtures("cheap_hashing")  # passwords changed and reset here


@pytest.fixture
def make_user(make_user):
    """conftest's factory, for English readers (the messages checked here are English)."""

    def make(*args, **kw) -> User:
        kw.setdefault("locale", "en")
        return make_user(*args, **kw)

    return make


def sign_in(client, user: User, password: str = PASSWORD, remember: bool = True):
    data = {"email": user.email, "password": password}
    if remember:
        data["remember"] = "y"
    response = client.post("/auth/login", data=data)
    assert response.status_code == 303, response.text
    return response


def lands_on_login(client) -> bool:
    """GET the board: True when sent to the login page, False when the board is shown."""
    response = client.get("/board/")
    if response.status_code == 200:
        return False
    assert response.status_code == 302
    return urlsplit(response.location).path == "/auth/login"


class Copies:
    """The cookies of a signed-in browser, copied as an attacker (or a backup) would."""

    def __init__(self, app, client):
        self.app = app
        self.session = client.get_cookie("session").value
        self.remember = client.get_cookie("remember_token").value

    def replay(self, which: str):
        other = self.app.test_client()
        if which in ("session", "both"):
            other.set_cookie("session", self.session)
        if which in ("remember", "both"):
            other.set_cookie("remember_token", self.remember)
        return other

    def all_work(self) -> bool:
        return not any(lands_on_login(self.replay(w)) for w in ("session", "remember", "both"))

    def none_work(self) -> bool:
        return all(lands_on_login(self.replay(w)) for w in ("session", "remember", "both"))


# --------------------------------------------------------------------------- ending sessions


def logout(app, client, user):
    assert client.post("/auth/logout").status_code == 303
    assert lands_on_login(client)


def change_password(app, client, user):
    response = client.post("/auth/account/password", data={
        "pw-current_password": PASSWORD, "pw-new_password": NEW_PASSWORD,
        "pw-confirm": NEW_PASSWORD})
    assert response.status_code == 303
    assert not lands_on_login(client)  # this browser stays signed in


def reset_password(app, client, user):
    path = f"/auth/reset/{reset_token(user)}"
    response = app.test_client().post(path, data={"new_password": NEW_PASSWORD,
                                                  "confirm": NEW_PASSWORD})
    assert response.status_code == 303
    assert lands_on_login(client)


def _as_admin(app, make_user):
    admin = app.test_client()
    sign_in(admin, make_user("admin"), remember=False)
    return admin


def deactivate_on_the_admin_page(app, client, user, make_user):
    response = _as_admin(app, make_user).post(f"/admin/users/{user.id}", data={
        "email": user.email, "name": user.name, "role": user.role, "unit": str(user.unit_id),
        "locale": user.locale, "password": ""})  # "active" unchecked
    assert response.status_code == 303
    assert lands_on_login(client)


def deactivate_with_the_cli(app, client, user, make_user):
    result = app.test_cli_runner().invoke(args=["edit-user", user.email, "--deactivate"])
    assert result.exit_code == 0, result.output
    assert lands_on_login(client)


def sign_out_everywhere(app, client, user, make_user):
    admin = _as_admin(app, make_user)
    page = admin.get(f"/admin/users/{user.id}")
    assert f'action="/admin/users/{user.id}/sign-out"' in page.text
    response = admin.post(f"/admin/users/{user.id}/sign-out")
    assert (response.status_code, response.location) == (303, f"/admin/users/{user.id}")
    assert "signed out everywhere" in admin.get(response.location).text
    assert lands_on_login(client)
    assert not lands_on_login(admin)  # the admin's own session is untouched


EVENTS = {
    "logout": logout,
    "password change": change_password,
    "password reset": reset_password,
    "deactivation (admin page)": deactivate_on_the_admin_page,
    "deactivation (CLI)": deactivate_with_the_cli,
    "sign out everywhere": sign_out_everywhere,
}


@pytest.mark.parametrize("event", EVENTS)
def test_a_copied_cookie_replayed_afterwards_lands_on_the_login_page(app, client, make_user,
                                                                     event):
    user = make_user("staff")
    sign_in(client, user)
    copies = Copies(app, client)
    second_device = app.test_client()
    sign_in(second_device, user)
    assert copies.all_work() and not lands_on_login(second_device)

    handler = EVENTS[event]
    if "admin" in event or "CLI" in event or "everywhere" in event:
        handler(app, client, user, make_user)
    else:
        handler(app, client, user)

    assert copies.none_work()
    assert lands_on_login(second_device)


def test_the_password_change_renews_this_browsers_cookies(app, client, make_user):
    user = make_user("staff")
    sign_in(client, user)
    change_password(app, client, user)
    renewed = Copies(app, client)
    assert renewed.all_work()


def test_an_admin_changing_their_own_password_stays_signed_in(app, client, make_user):
    admin = make_user("admin")
    sign_in(client, admin)
    response = client.post(f"/admin/users/{admin.id}", data={
        "email": admin.email, "name": admin.name, "role": "admin", "unit": "0",
        "locale": "en", "password": NEW_PASSWORD, "active": "y"})
    assert response.status_code == 303
    assert not lands_on_login(client)


def test_signing_in_again_after_logout_works(app, client, make_user):
    user = make_user("staff")
    sign_in(client, user)
    logout(app, client, user)
    sign_in(client, user)
    assert not lands_on_login(client)


# --------------------------------------------------------------------------- what loads


@pytest.mark.parametrize("make_id", [
    lambda user: f"{user.id}:{user.password_fingerprint}",  # made before migration 0009
    lambda user: f"{user.id}:{user.session_token}",  # no sign-in time
    lambda user: f"{user.id}::{int(time.time())}",  # no token
    lambda user: f"{user.id}:wrong-token:{int(time.time())}",
    lambda user: f"{user.id}:{user.session_token}:soon",
    lambda user: f"{user.id}:{user.session_token}:{int(time.time()) + 3600}",  # the future
    lambda user: f"99999999999999:{user.session_token}:{int(time.time())}",  # beyond an integer
    lambda user: f"-1:{user.session_token}:{int(time.time())}",
    lambda user: "",
])
def test_only_a_valid_sign_in_id_loads_a_user(app, client, make_user, make_id):
    user = make_user("staff")
    with client.session_transaction() as session:
        session["_user_id"] = make_id(user)
    assert lands_on_login(client)


def test_a_valid_sign_in_id_loads_the_user(app, client, make_user):
    user = make_user("staff")
    with client.session_transaction() as session:
        session["_user_id"] = user.get_sign_in_id()
    assert not lands_on_login(client)


def test_a_user_without_a_token_loads_as_nobody(app, client, make_user):
    """Users written by SQL with the column's default (an empty token) cannot be signed in to."""
    user = make_user("staff")
    sign_in(client, user)
    user.session_token = ""
    db.session.commit()
    assert lands_on_login(client)


def test_an_inactive_user_loads_as_nobody_even_with_a_valid_token(app, client, make_user):
    user = make_user("staff")
    sign_in(client, user)
    user.active = False  # bypassing the service, which would also renew the token
    db.session.commit()
    assert lands_on_login(client)


# --------------------------------------------------------------------------- lifetimes


@pytest.fixture
def session_clock(monkeypatch):
    """``session_clock(seconds)``: Flask reads (and signs) session cookies as if that many
    seconds had passed."""
    def advance(seconds: float) -> None:
        later = int(time.time() + seconds)
        monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: later)

    return advance


def test_an_idle_session_ends(app, client, make_user, session_clock):
    assert app.config["PERMANENT_SESSION_LIFETIME"] == timedelta(minutes=60)
    user = make_user("staff")
    sign_in(client, user, remember=False)
    session_cookie = client.get_cookie("session")
    assert session_cookie.expires is not None  # a permanent session, with its idle lifetime

    session_clock(59 * 60)  # 59 minutes without a request: still signed in, and renewed
    assert not lands_on_login(client)
    session_clock(59 * 60 + 59 * 60)  # another 59 minutes after that one request
    assert not lands_on_login(client)
    session_clock(59 * 60 + 59 * 60 + 61 * 60)  # then 61 minutes idle
    assert lands_on_login(client)


def test_the_idle_timeout_is_configurable(app, database_url, session_clock, make_user):
    from quickwin_tracker import create_app
    from tests.conftest import IsolatedClient, base_config

    short = create_app(base_config(SQLALCHEMY_DATABASE_URI=database_url,
                                   SESSION_IDLE_MINUTES=5))
    short.test_client_class = IsolatedClient
    assert short.config["PERMANENT_SESSION_LIFETIME"] == timedelta(minutes=5)
    user = make_user("staff")
    with short.app_context():
        client = short.test_client()
        sign_in(client, user, remember=False)
        session_clock(4 * 60)
        assert not lands_on_login(client)
        session_clock(4 * 60 + 6 * 60)
        assert lands_on_login(client)
        db.session.remove()
        db.engine.dispose()


def test_the_board_poll_does_not_keep_a_session_alive(app, client, make_user, session_clock):
    user = make_user("staff")
    sign_in(client, user, remember=False)
    poll = client.get("/board/version", headers={"HX-Request": "true"})
    assert poll.status_code == 200
    assert not any(h.startswith("session=") for h in poll.headers.getlist("Set-Cookie"))
    page = client.get("/board/")
    assert any(h.startswith("session=") for h in page.headers.getlist("Set-Cookie"))

    session_clock(40 * 60)
    assert client.get("/board/version", headers={"HX-Request": "true"}).status_code == 200
    session_clock(40 * 60 + 30 * 60)  # 70 minutes since the last real request
    expired = client.get("/board/version", headers={"HX-Request": "true"})
    assert urlsplit(expired.headers["HX-Redirect"]).path == "/auth/login"


def test_remember_me_signs_in_again_after_an_idle_timeout(app, client, make_user,
                                                          session_clock):
    user = make_user("staff")
    sign_in(client, user, remember=True)
    session_clock(2 * 3600)
    assert not lands_on_login(client)


@pytest.fixture
def later(monkeypatch):
    """``later(delta)``: the sign-in check sees the clock moved on by ``delta``."""
    def advance(delta: timedelta) -> None:
        moment = utcnow() + delta
        monkeypatch.setattr(sessions, "utcnow", lambda: moment)

    return advance


def test_remember_me_has_an_absolute_lifetime(app, client, make_user, later):
    assert app.config["REMEMBER_COOKIE_DURATION"] == timedelta(days=14)
    user = make_user("staff")
    sign_in(client, user, remember=True)
    copies = Copies(app, client)

    later(timedelta(days=13, hours=23))
    assert not lands_on_login(copies.replay("remember"))
    later(timedelta(days=14, minutes=1))
    assert lands_on_login(copies.replay("remember"))
    # However the cookies were kept busy: the sign-in itself is too old.
    assert lands_on_login(client)


def test_the_remember_lifetime_is_configurable(app, client, make_user, later):
    app.config["REMEMBER_COOKIE_DURATION"] = timedelta(days=2)
    user = make_user("staff")
    sign_in(client, user, remember=True)
    copies = Copies(app, client)
    later(timedelta(days=1, hours=23))
    assert not lands_on_login(copies.replay("remember"))
    later(timedelta(days=2, minutes=1))
    assert lands_on_login(copies.replay("remember"))


@pytest.mark.parametrize("env, message", [
    ({"QUICKWIN_SESSION_IDLE_MINUTES": "0"}, "QUICKWIN_SESSION_IDLE_MINUTES"),
    ({"QUICKWIN_SESSION_IDLE_MINUTES": "ten"}, "QUICKWIN_SESSION_IDLE_MINUTES"),
    ({"QUICKWIN_REMEMBER_DAYS": "0"}, "QUICKWIN_REMEMBER_DAYS"),
    ({"QUICKWIN_LOGIN_MAX_FAILURES": "5", "QUICKWIN_LOGIN_ACCOUNT_MAX_FAILURES": "3"},
     "QUICKWIN_LOGIN_ACCOUNT_MAX_FAILURES"),
    ({"QUICKWIN_PASSWORD_RESET_MAX_PER_ACCOUNT": "0"}, "QUICKWIN_PASSWORD_RESET_MAX_PER_ACCOUNT"),
    ({"QUICKWIN_PASSWORD_RESET_MAX_PER_ADDRESS": "-1"}, "QUICKWIN_PASSWORD_RESET_MAX_PER_ADDRESS"),
])
def test_bad_settings_stop_the_app(monkeypatch, env, message):
    from quickwin_tracker import create_app
    from quickwin_tracker.config import ConfigError

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=message):
        create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_settings_from_the_environment(monkeypatch):
    from quickwin_tracker import create_app

    for name, value in {"QUICKWIN_SESSION_IDLE_MINUTES": "30", "QUICKWIN_REMEMBER_DAYS": "7",
                        "QUICKWIN_LOGIN_MAX_FAILURES": "4"}.items():
        monkeypatch.setenv(name, value)
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["PERMANENT_SESSION_LIFETIME"] == timedelta(minutes=30)
    assert app.config["REMEMBER_COOKIE_DURATION"] == timedelta(days=7)
    assert app.config["LOGIN_ACCOUNT_MAX_FAILURES"] == 40
    assert app.config["LOGIN_ADDRESS_MAX_FAILURES"] == 16


# --------------------------------------------------------------------------- migration 0009


def test_migration_0009_gives_every_user_a_token_and_keeps_their_data(app, make_user,
                                                                      make_initiative):
    import sqlalchemy as sa
    from flask_migrate import downgrade, upgrade

    from quickwin_tracker.models import Comment, initiative_member

    users = [make_user("staff") for _ in range(3)]
    initiative = make_initiative(unit=users[0].unit)
    initiative.members.append(users[1])
    db.session.add(Comment(initiative=initiative, author=users[2], body="Bagus"))
    db.session.commit()
    ids = [u.id for u in users]
    db.session.remove()

    downgrade(revision="0008")
    columns = {c["name"] for c in sa.inspect(db.engine).get_columns("user")}
    assert "session_token" not in columns
    upgrade()

    tokens = db.session.scalars(sa.select(User.session_token).where(User.id.in_(ids))).all()
    assert len(set(tokens)) == 3 and all(len(t) >= 40 for t in tokens)
    # The user table was altered in place, not rebuilt: rows referring to users are all there.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(initiative_member)) == 1
    assert db.session.scalar(sa.select(Comment.author_id)) == ids[2]
