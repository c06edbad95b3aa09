"""Issue #6 "Security": login throttling, password rules, password reset by email, cookie flags,
ProxyFix, and sessions ending when the password changes."""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask_babel import ngettext
from itsdangerous.timed import TimestampSigner

from quickwin_tracker import create_app
from quickwin_tracker.auth import throttle
from quickwin_tracker.auth.passwords import check_password, password_problem
from quickwin_tracker.auth.reset import reset_token
from quickwin_tracker.domain.clock import to_local, utcnow
from quickwin_tracker.domain.errors import Invalid
from quickwin_tracker.extensions import db
from quickwin_tracker.mail.outbox import deliver_outbox
from quickwin_tracker.models import LoginAttempt, OutboxMessage, User
from tests.conftest import CHEAP_HASH, PASSWORD, signed_in

NEW_PASSWORD = "brand-new-secret-42"
THROTTLED = "Too many failed sign-in attempts"
SAME_ANSWER = "If an account exists for this address"


@pytest.fixture
def app_config():
    return {"LOGIN_MAX_FAILURES": 3, "LOGIN_WINDOW_MINUTES": 15}


@pytest.fixture
def make_user(make_user, cheap_hashing):
    """conftest's factory, for English readers (the messages checked here are English)."""

    def make(*args, **kw) -> User:
        kw.setdefault("locale", "en")
        return make_user(*args, **kw)

    return make


def login(client, email, password, addr="10.0.0.1", **extra):
    return client.post("/auth/login", data={"email": email, "password": password, **extra},
                       environ_base={"REMOTE_ADDR": addr})


# --------------------------------------------------------------------------- throttling


def test_the_pair_is_throttled_after_max_failures(client, english, make_user):
    user = make_user("staff")
    for _ in range(3):
        response = login(client, user.email, "wrong-password-x")
        assert response.status_code == 422
    response = login(client, user.email.upper(), PASSWORD)  # right password, normalised email
    assert response.status_code == 429
    assert THROTTLED in response.text and "15 minutes" in response.text
    assert not signed_in(client)
    # Another account from the same address is not blocked yet.
    other = make_user("staff")
    assert login(client, other.email, PASSWORD).status_code == 303


def test_a_strangers_failures_do_not_lock_a_colleague_out(app, client, english, make_user):
    colleague = make_user("staff")
    stranger = app.test_client()
    for _ in range(5):
        login(stranger, colleague.email, "guessing-away-1", addr="203.0.113.66")
    assert login(stranger, colleague.email, PASSWORD, addr="203.0.113.66").status_code == 429
    # The colleague, at their own desk, signs in as usual.
    assert login(client, colleague.email, PASSWORD, addr="10.0.0.1").status_code == 303


def test_the_per_account_ceiling_stops_guessing_from_many_addresses(app, client, english,
                                                                     make_user):
    app.config["LOGIN_ACCOUNT_MAX_FAILURES"] = 6
    user = make_user("staff")
    for n in range(5):  # one guess from each of five addresses: no pair is near its limit
        login(client, user.email, "guessing-away-1", addr=f"198.51.100.{n}")
    assert login(app.test_client(), user.email, PASSWORD, addr="10.0.0.2").status_code == 303
    client.post("/auth/logout")
    login(client, user.email, "guessing-away-1", addr="198.51.100.99")  # the sixth
    response = login(client, user.email, PASSWORD, addr="10.0.0.3")
    assert response.status_code == 429 and THROTTLED in response.text
    # Other accounts from those addresses are not affected.
    assert login(client, make_user("staff").email, PASSWORD, addr="198.51.100.1").status_code == 303


def test_throttle_is_per_address_too(client, english, make_user):
    users = [make_user("staff") for _ in range(4)]
    for user in users[:4]:  # 4 accounts × 3 failures = 12 = 4 × LOGIN_MAX_FAILURES
        for _ in range(3):
            login(client, user.email, "wrong-password-x", addr="10.9.9.9")
    fresh = make_user("staff")
    assert login(client, fresh.email, PASSWORD, addr="10.9.9.9").status_code == 429
    assert login(client, fresh.email, PASSWORD, addr="10.9.9.10").status_code == 303


def test_the_refusal_says_when_to_try_again_in_local_time(app, client, make_user):
    user = make_user("staff", locale="id")
    for _ in range(3):
        login(client, user.email, "wrong-password-x")
    row = db.session.get(LoginAttempt, throttle.pair_key(user.email, "10.0.0.1"))
    row.window_start = utcnow() - timedelta(minutes=5, seconds=30)  # 9½ minutes left
    db.session.commit()
    ends = to_local(row.window_start + timedelta(minutes=15))

    response = login(client, user.email, PASSWORD)  # Indonesian, the default

    assert response.status_code == 429
    expected = ngettext("Too many failed sign-in attempts. Please try again in %(num)d minute, "
                        "at %(time)s.",
                        "Too many failed sign-in attempts. Please try again in %(num)d minutes, "
                        "at %(time)s.", 10, time=f"{ends:%H:%M} WITA")
    assert expected in response.text
    assert "10 menit" in response.text and f"pukul {ends:%H:%M} WITA" in response.text


def test_window_expires_and_success_clears_the_pair(app, client, english, make_user):
    user = make_user("staff")
    for _ in range(2):
        login(client, user.email, "wrong-password-x")
    assert login(client, user.email, PASSWORD).status_code == 303
    assert db.session.get(LoginAttempt, throttle.pair_key(user.email, "10.0.0.1")) is None
    # What strangers may have done keeps counting toward the account's ceiling.
    assert db.session.get(LoginAttempt, throttle.account_key(user.email)).count == 2
    client.post("/auth/logout")
    for _ in range(3):
        login(client, user.email, "wrong-password-x")
    assert login(client, user.email, PASSWORD).status_code == 429
    # The window started 16 minutes ago: a new one begins.
    row = db.session.get(LoginAttempt, throttle.pair_key(user.email, "10.0.0.1"))
    row.window_start = utcnow() - timedelta(minutes=16)
    db.session.commit()
    assert login(client, user.email, PASSWORD).status_code == 303


def test_failures_count_atomically(app, backend, tmp_path):
    """Concurrent failures from several connections (workers) are all counted."""
    if backend == "sqlite":
        pytest.skip("SQLite serialises writers; the race needs PostgreSQL")
    rule = throttle.Rule("account:race@example.go.id", 5, timedelta(minutes=15))

    def fail(_):
        with app.app_context():
            throttle.record([rule])
            db.session.commit()
            db.session.remove()

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(fail, range(40)))
    db.session.expire_all()
    assert db.session.get(LoginAttempt, rule.key).count == 40


def test_record_counts_on_both_backends(app):
    now = utcnow()
    rule = throttle.Rule("k", 5, timedelta(minutes=15))
    throttle.record([rule], now=now)
    throttle.record([rule], now=now + timedelta(minutes=1))
    db.session.commit()
    assert db.session.get(LoginAttempt, "k").count == 2
    throttle.record([rule], now=now + timedelta(minutes=20))  # new window
    db.session.commit()
    db.session.expire_all()
    row = db.session.get(LoginAttempt, "k")
    assert row.count == 1 and row.window_start == now + timedelta(minutes=20)


# --------------------------------------------------------------------------- hash work


@pytest.fixture
def hash_checks(monkeypatch):
    """Counts the password-hash checks (werkzeug's ``check_password_hash``, the slow part)."""
    from quickwin_tracker.models import people

    calls = []
    real = people.check_password_hash

    def counting(pwhash, password):
        calls.append(pwhash)
        return real(pwhash, password)

    monkeypatch.setattr(people, "check_password_hash", counting)
    return calls


@pytest.mark.parametrize("case", ["wrong-password", "unknown", "inactive", "no-password"])
def test_every_failed_sign_in_costs_one_hash_check(client, english, make_user, hash_checks,
                                                    case):
    known = make_user("staff")
    login(client, known.email, "not-the-password")  # the reference: a known account
    assert len(hash_checks) == 1
    hash_checks.clear()

    if case == "wrong-password":
        email, password = known.email, "also-not-the-password"
    elif case == "unknown":
        email, password = "nobody@example.go.id", PASSWORD
    elif case == "inactive":
        email, password = make_user("staff", active=False).email, PASSWORD
    else:
        user = make_user("staff")
        user.password_hash = ""
        db.session.commit()
        email, password = user.email, PASSWORD
    response = login(client, email, password, addr="10.0.0.2")

    assert response.status_code == 422
    assert "Wrong email or password, or the account is inactive." in response.text
    assert len(hash_checks) == 1


def test_the_dummy_hash_uses_the_method_real_passwords_get(app):
    from quickwin_tracker import models

    models._dummy_password_hash.cache_clear()
    try:
        user = User(email="x@example.go.id", name="X")
        user.set_password(NEW_PASSWORD)
        method = user.password_hash.split("$", 1)[0]
        assert models._dummy_password_hash().split("$", 1)[0] == method
        assert models.spend_password_check(NEW_PASSWORD) is False
    finally:
        models._dummy_password_hash.cache_clear()


# --------------------------------------------------------------------------- password rules


@pytest.mark.parametrize("password, ok", [
    ("short", False),
    ("12345678901234", False),          # digits only
    ("password123", False),              # common
    ("Balikpapan123", False),            # common, any case
    ("siti.rahma@example.go.id", False), # the email
    ("siti.rahma", False),               # the email's local part
    ("Siti Rahmawati", False),           # the name
    ("sitirahmawati", False),            # the name without spaces
    ("kopi-tubruk-pagi-7", True),
])
def test_password_rules(app, password, ok):
    problem = password_problem(password, email="siti.rahma@example.go.id", name="Siti Rahmawati")
    assert (problem is None) == ok
    if not ok:
        with pytest.raises(Invalid) as info:
            check_password(password, email="siti.rahma@example.go.id", name="Siti Rahmawati")
        assert info.value.field == "password"


def test_account_page_applies_the_rules(client, make_user):
    user = make_user("staff")
    login(client, user.email, PASSWORD)
    response = client.post("/auth/account/password", data={
        "pw-current_password": PASSWORD, "pw-new_password": "password123",
        "pw-confirm": "password123"})
    assert response.status_code == 422 and "too common" in response.text


def test_admin_forms_apply_the_rules(client, make_user):
    admin = make_user("admin")
    login(client, admin.email, PASSWORD)
    response = client.post("/admin/users/new", data={
        "email": "new@example.go.id", "name": "New Person", "role": "reviewer", "unit": "0",
        "locale": "en", "password": "9999999999", "active": "y"})
    assert response.status_code == 422 and "more than digits" in response.text
    other = make_user("reviewer")
    response = client.post(f"/admin/users/{other.id}", data={
        "email": other.email, "name": other.name, "role": "reviewer", "unit": "0",
        "locale": "en", "password": other.email, "active": "y"})
    assert response.status_code == 422 and "email address or your name" in response.text


def test_cli_applies_the_rules(app, make_user):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-user", "cli@example.go.id", "--name", "Cli Person",
                                 "--role", "admin", "--password", "qwertyuiop"])
    assert result.exit_code == 1 and "too common" in result.output
    user = make_user("reviewer")
    result = runner.invoke(args=["edit-user", user.email, "--password", "1234567890123"])
    assert result.exit_code == 1 and "digits" in result.output


# --------------------------------------------------------------------------- password reset


def reset_link(text: str) -> str:
    match = re.search(r"http://[^\s]+/auth/reset/[A-Za-z0-9_.\-]+", text)
    assert match, text
    return urlsplit(match.group(0)).path


def test_login_page_links_to_the_reset_form(client, english):
    assert "/auth/forgot" in client.get("/auth/login").text
    assert client.get("/auth/forgot").status_code == 200


@pytest.mark.parametrize("deliver", ["sweep", "cli"])
def test_full_reset_flow_through_a_real_smtp_server(app, client, english, make_user, smtp_server,
                                                    deliver):
    smtp_server.configure(app)
    user = make_user("staff")
    response = client.post("/auth/forgot", data={"email": "  " + user.email.upper()})
    assert (response.status_code, response.location) == (303, "/auth/login")
    assert SAME_ANSWER in client.get("/auth/login").text

    # Queued in the outbox, like every email; nothing is sent inside the request.
    assert smtp_server.messages == []
    queued = db.session.scalars(sa.select(OutboxMessage)).all()
    assert [(m.kind, m.status, m.to_user_id) for m in queued] == [
        ("password_reset", "queued", user.id)]
    # The scheduler's outbox sweep (or `quickwin outbox deliver`) sends it.
    if deliver == "sweep":
        assert deliver_outbox().sent == 1
    else:
        result = app.test_cli_runner().invoke(args=["outbox", "deliver"])
        assert result.exit_code == 0 and "Sent 1" in result.output, result.output
    assert len(smtp_server.messages) == 1
    mail = smtp_server.messages[0]
    assert mail["To"].addresses[0].addr_spec == user.email
    text = mail.get_body(("plain",)).get_content()
    path = reset_link(text)
    assert path in mail.get_body(("html",)).get_content()

    page = client.get(path)
    assert page.status_code == 200 and user.email in page.text
    refused = client.post(path, data={"new_password": user.email, "confirm": user.email})
    assert refused.status_code == 422
    response = client.post(path, data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert (response.status_code, response.location) == (303, "/auth/login")
    assert login(client, user.email, PASSWORD).status_code == 422
    assert login(client, user.email, NEW_PASSWORD).status_code == 303
    client.post("/auth/logout")

    # Single use: the password changed, so the link is dead.
    reused = client.get(path)
    assert (reused.status_code, reused.location) == (303, "/auth/forgot")
    assert client.post(path, data={"new_password": "another-secret-99",
                                   "confirm": "another-secret-99"}).status_code == 303
    assert login(client, user.email, NEW_PASSWORD).status_code == 303


def test_repeated_requests_each_queue_an_email(client, make_user):
    user = make_user("staff")
    client.post("/auth/forgot", data={"email": user.email})
    client.post("/auth/forgot", data={"email": user.email})
    messages = db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.kind == "password_reset")).all()
    assert len(messages) == 2 and all(m.to_user_id == user.id for m in messages)


def forgot(client, email: str, addr: str):
    """Ask for a reset link; returns all the visitor sees: the answer and the flashed message."""
    response = client.post("/auth/forgot", data={"email": email}, environ_base={"REMOTE_ADDR": addr})
    with client.session_transaction() as session:
        flashed = session.pop("_flashes", [])
    return response.status_code, response.location, response.get_data(), tuple(map(tuple, flashed))


def reset_emails(user: User | None = None) -> int:
    query = sa.select(sa.func.count()).select_from(OutboxMessage).where(
        OutboxMessage.kind == "password_reset")
    if user is not None:
        query = query.where(OutboxMessage.to_user_id == user.id)
    db.session.expire_all()
    return db.session.scalar(query)


def test_reset_emails_are_limited_per_account(app, client, english, make_user):
    assert app.config["PASSWORD_RESET_MAX_PER_ACCOUNT"] == 3
    user = make_user("staff")
    answers = {forgot(client, user.email, addr=f"10.1.0.{n}") for n in range(5)}
    assert reset_emails(user) == 3  # two were refused: from other addresses too
    assert len(answers) == 1  # the same answer, queued or not
    # Other accounts are not affected; an hour later this one may ask again.
    other = make_user("staff")
    assert forgot(client, other.email, addr="10.1.0.1") in answers
    assert reset_emails(other) == 1
    row = db.session.get(LoginAttempt, "reset-account:" + user.email)
    row.window_start = utcnow() - timedelta(minutes=61)
    db.session.commit()
    assert forgot(client, user.email, addr="10.1.0.1") in answers
    assert reset_emails(user) == 4


def test_reset_emails_are_limited_per_address(app, client, english, make_user):
    app.config["PASSWORD_RESET_MAX_PER_ADDRESS"] = 4
    users = [make_user("staff") for _ in range(6)]
    answers = {forgot(client, u.email, addr="10.2.0.1") for u in users}
    assert reset_emails() == 4
    assert len(answers) == 1
    # From another address, the fifth and sixth users get theirs.
    assert forgot(client, users[5].email, addr="10.2.0.2") in answers
    assert reset_emails(users[5]) == 1


def test_the_answer_is_the_same_queued_throttled_unknown_or_inactive(app, client, english,
                                                                     make_user):
    app.config["PASSWORD_RESET_MAX_PER_ACCOUNT"] = 1
    user = make_user("staff")
    inactive = make_user("staff", active=False)
    queued = forgot(client, user.email, addr="10.3.0.1")
    throttled = forgot(client, user.email, addr="10.3.0.2")
    unknown = forgot(client, "nobody@example.go.id", addr="10.3.0.3")
    not_active = forgot(client, inactive.email, addr="10.3.0.4")
    assert queued == throttled == unknown == not_active
    assert SAME_ANSWER in str(queued[3])
    assert reset_emails() == 1


@pytest.mark.parametrize("email", ["nobody@example.go.id", "inactive"])
def test_unknown_or_inactive_email_gets_the_same_answer(client, english, make_user, email):
    if email == "inactive":
        email = make_user("staff", active=False).email
    response = client.post("/auth/forgot", data={"email": email})
    assert (response.status_code, response.location) == (303, "/auth/login")
    assert SAME_ANSWER in client.get("/auth/login").text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_expired_token(app, client, english, make_user, monkeypatch):
    user = make_user("staff")
    token = reset_token(user)
    assert client.get(f"/auth/reset/{token}").status_code == 200
    later = int(time.time()) + 2 * 3600 + 5
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: later)
    response = client.get(f"/auth/reset/{token}")
    assert (response.status_code, response.location) == (303, "/auth/forgot")
    assert "expired" in client.get("/auth/forgot").text


def test_tampered_token(app, client, make_user):
    user = make_user("staff")
    token = reset_token(user)
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    assert client.get(f"/auth/reset/{tampered}").status_code == 303
    from itsdangerous import URLSafeTimedSerializer

    forged = URLSafeTimedSerializer("another-key", salt="password-reset").dumps(
        [user.id, user.password_fingerprint])
    assert client.get(f"/auth/reset/{forged}").status_code == 303
    other_salt = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="unsubscribe").dumps(
        [user.id, user.password_fingerprint])
    assert client.get(f"/auth/reset/{other_salt}").status_code == 303


# --------------------------------------------------------------------------- sessions


def test_changing_the_password_ends_other_sessions(app, client, make_user):
    user = make_user("staff")
    login(client, user.email, PASSWORD, remember="y")
    other = app.test_client()
    login(other, user.email, PASSWORD, remember="y")
    remember = other.get_cookie("remember_token").value
    cookie_only = app.test_client()
    cookie_only.set_cookie("remember_token", remember)
    assert signed_in(other) and signed_in(cookie_only)

    response = client.post("/auth/account/password", data={
        "pw-current_password": PASSWORD, "pw-new_password": NEW_PASSWORD,
        "pw-confirm": NEW_PASSWORD})
    assert response.status_code == 303
    assert signed_in(client)  # this session carries on
    assert not signed_in(other)
    assert not signed_in(cookie_only)
    # This browser's remember cookie was renewed with the new fingerprint.
    fresh = app.test_client()
    fresh.set_cookie("remember_token", client.get_cookie("remember_token").value)
    assert signed_in(fresh)


def test_a_reset_ends_every_session(app, client, make_user):
    user = make_user("staff")
    login(client, user.email, PASSWORD)
    token = reset_token(user)
    anon = app.test_client()
    anon.post(f"/auth/reset/{token}", data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert not signed_in(client)


# --------------------------------------------------------------------------- cookies, proxies


def cookie_header(response, name: str) -> str:
    return next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(name + "="))


@pytest.mark.parametrize("secure", [False, True])
def test_cookie_flags(database_url, secure, tmp_path):
    from tests.conftest import base_config

    app = create_app(base_config(SQLALCHEMY_DATABASE_URI=database_url,
                                 SESSION_COOKIE_SECURE=secure, REMEMBER_COOKIE_SECURE=secure))
    with app.app_context():
        user = User(email="c@example.go.id", name="Cookie", role="reviewer",
                    password_hash=CHEAP_HASH)
        db.session.add(user)
        db.session.commit()
        client = app.test_client()
        response = client.post("/auth/login", base_url="https://localhost", data={
            "email": user.email, "password": PASSWORD, "remember": "y"})
        assert response.status_code == 303
        for name in ("session", "remember_token"):
            header = cookie_header(response, name)
            assert "HttpOnly" in header and "SameSite=Lax" in header
            assert ("Secure" in header) == secure
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize("env, expected", [
    ({}, False),
    ({"QUICKWIN_BASE_URL": "https://quickwin.balikpapan.go.id"}, True),
    ({"QUICKWIN_BASE_URL": "https://quickwin.balikpapan.go.id", "QUICKWIN_SECURE_COOKIES": "0"},
     False),
    ({"QUICKWIN_BASE_URL": "http://127.0.0.1:5000", "QUICKWIN_SECURE_COOKIES": "1"}, True),
])
def test_secure_cookies_follow_the_base_url(monkeypatch, env, expected):
    for name in ("QUICKWIN_BASE_URL", "QUICKWIN_SECURE_COOKIES"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SESSION_COOKIE_SECURE"] is expected
    assert app.config["REMEMBER_COOKIE_SECURE"] is expected


def test_proxy_fix_trusts_forwarded_headers(monkeypatch):
    seen = {}
    for count in (0, 1):
        app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                          "PROXY_FIX": count})

        @app.get("/_probe")
        def probe():
            from flask import request

            return {"secure": request.is_secure, "addr": request.remote_addr}

        seen[count] = app.test_client().get("/_probe", headers={
            "X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"},
            environ_base={"REMOTE_ADDR": "127.0.0.1"}).get_json()
    assert seen[0] == {"secure": False, "addr": "127.0.0.1"}
    assert seen[1] == {"secure": True, "addr": "203.0.113.7"}


# --------------------------------------------------------------------------- headers


def test_no_store_on_everything_a_signed_in_user_sees(app, client, hx, make_user,
                                                      make_initiative):
    user = make_user("admin")
    initiative = make_initiative()
    login(client, user.email, PASSWORD)
    board = client.get("/board/")
    pages = {
        "board": board,
        "board fragment": client.get("/board/", headers=hx),
        "initiative": client.get(f"/initiatives/{initiative.id}"),
        "milestones fragment": client.get(f"/initiatives/{initiative.id}/milestones", headers=hx),
        "account": client.get("/auth/account"),
        "admin": client.get("/admin/users"),
        "export": client.get("/transfer/initiatives.csv"),
        "redirect": client.get("/auth/login"),
        "not found": client.get("/initiatives/999999"),
    }
    for name, response in pages.items():
        assert response.status_code == {"redirect": 302, "not found": 404}.get(name, 200), name
        assert response.headers["Cache-Control"] == "no-store", name
    # Static files keep their long cache lifetimes, signed in or not.
    static = client.get(re.search(r'href="(/static/css/app\.css\?v=\w+)"', board.text).group(1))
    assert static.status_code == 200
    assert "no-store" not in static.headers["Cache-Control"]
    assert "max-age=31536000" in static.headers["Cache-Control"]


def test_the_board_poll_is_no_store_and_still_answers_304(client, make_user):
    user = make_user("staff")
    login(client, user.email, PASSWORD)
    first = client.get("/board/version", headers={"HX-Request": "true"})
    assert first.status_code == 200 and first.headers["Cache-Control"] == "no-store"
    tag = first.headers["ETag"]
    again = client.get("/board/version", headers={"HX-Request": "true", "If-None-Match": tag})
    assert again.status_code == 304
    assert again.headers["Cache-Control"] == "no-store" and again.headers["ETag"] == tag


def test_a_signed_in_session_replayed_after_logout_gets_no_store_too(app, client, make_user):
    user = make_user("staff")
    login(client, user.email, PASSWORD)
    copied = client.get_cookie("session").value
    client.post("/auth/logout")
    replay = app.test_client()
    replay.set_cookie("session", copied)
    response = replay.get("/board/")
    assert response.status_code == 302
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("base_url, hsts", [
    ("https://quickwin.balikpapan.go.id", True),
    ("http://127.0.0.1:5000", False),
])
def test_hsts_only_with_an_https_base_url(app, client, make_user, base_url, hsts):
    app.config["BASE_URL"] = base_url
    anonymous = client.get("/auth/login")
    static = client.get("/static/css/app.css")
    login(client, make_user("staff").email, PASSWORD)
    signed_in_page = client.get("/board/")
    for response in (anonymous, static, signed_in_page):
        assert ("Strict-Transport-Security" in response.headers) == hsts
        if hsts:
            assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_hsts_follows_the_configured_base_url(monkeypatch):
    monkeypatch.setenv("QUICKWIN_BASE_URL", "https://quickwin.balikpapan.go.id")
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    response = app.test_client().get("/static/css/app.css")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
