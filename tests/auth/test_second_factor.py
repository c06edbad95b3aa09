"""Issue 16 item 3: a second factor (TOTP) with recovery codes, required for admins by default.

Every code here is computed by the test from the shared secret with pyotp, as an authenticator
app would. This module runs with the default requirement (``QUICKWIN_TOTP_REQUIRED_ROLES=admin``);
the rest of the suite makes it optional (``tests/conftest.base_config``).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from html import unescape

import pyotp
import pytest
import sqlalchemy as sa

from quickwin_tracker import create_app
from quickwin_tracker.auth import second_step, totp
from quickwin_tracker.auth.reset import reset_token
from quickwin_tracker.config import ConfigError
from quickwin_tracker.domain.clock import utcnow
from quickwin_tracker.domain.errors import Invalid
from quickwin_tracker.extensions import db
from quickwin_tracker.models import (
    AUTH_LDAP,
    AUTH_LOCAL,
    AUTH_OIDC,
    LoginAttempt,
    OutboxMessage,
    RecoveryCode,
    SecondFactor,
    User,
)
from tests.conftest import PASSWORD, base_config, signed_in
from tests.html_forms import forms_in

pytestmark = pytest.mark.usefixtures("english")  # the half-signed-in pages read English

WRONG = "This code is not right, or has already been used."
THROTTLED = "Too many failed sign-in attempts"


@pytest.fixture
def app_config():
    return {"TOTP_REQUIRED_ROLES": "admin", "LOGIN_MAX_FAILURES": 3}


@pytest.fixture
def make_user(make_user, cheap_hashing):
    """conftest's factory, for English readers (the messages checked here are English)."""

    def make(role: str = "staff", unit=None, **kw) -> User:
        kw.setdefault("locale", "en")
        return make_user(role, unit, **kw)

    return make


def code_at(secret: str, moment: datetime | float) -> str:
    when = moment.timestamp() if isinstance(moment, datetime) else moment
    return pyotp.TOTP(secret).at(when)


def current_code(secret: str) -> str:
    return pyotp.TOTP(secret).now()


def wrong_code(secret: str) -> str:
    """Six digits that are none of the codes a server near now accepts."""
    now = time.time()
    near = {code_at(secret, now + 30 * k) for k in range(-3, 4)}
    candidate = int(current_code(secret))
    while f"{candidate:06d}" in near:
        candidate = (candidate + 7919) % 1_000_000
    return f"{candidate:06d}"


def enrol(user: User, ago: timedelta = timedelta(minutes=3)) -> tuple[str, list[str]]:
    """Give ``user`` a second factor confirmed ``ago`` (so that the current code is unused);
    returns its secret and recovery codes."""
    secret = pyotp.random_base32()
    then = utcnow() - ago
    codes = totp.enable(user, secret, code_at(secret, then), then)
    db.session.commit()
    return secret, codes


def login(client, user: User, **extra):
    return client.post("/auth/login", data={"email": user.email, "password": PASSWORD, **extra})


def second_step_with(client, code: str):
    return client.post("/auth/login/code", data={"code": code})


def sign_in_with_code(client, user: User, secret: str) -> None:
    response = login(client, user)
    assert response.status_code == 303 and response.location.endswith("/auth/login/code")
    response = second_step_with(client, current_code(secret))
    assert response.status_code == 303, response.get_data(as_text=True)


def secret_on(page: str) -> str:
    match = re.search(r'<code class="secret" id="totp-secret">([A-Z2-7 ]+)</code>', page)
    assert match, "the secret is shown as text"
    return match.group(1).replace(" ", "")


def codes_on(page: str) -> list[str]:
    return re.findall(r"<li><code>([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})</code></li>", page)


# --------------------------------------------------------------------------- codes


@pytest.mark.parametrize("offset, accepted", [(-2, False), (-1, True), (0, True), (1, True),
                                              (2, False)])
def test_one_step_of_drift_is_accepted_two_are_not(app, make_user, offset, accepted):
    user = make_user("staff")
    secret, _codes = enrol(user, ago=timedelta(hours=1))
    now = datetime.fromtimestamp(int(time.time()) // 30 * 30 + 10, UTC)  # 10 s into a step
    assert totp.accept_code(user, code_at(secret, now + timedelta(seconds=30 * offset)),
                            now) is accepted


def test_a_code_is_accepted_once_and_never_an_earlier_one(app, make_user):
    user = make_user("staff")
    secret, _codes = enrol(user, ago=timedelta(hours=1))
    now = utcnow()
    code = code_at(secret, now)
    assert totp.accept_code(user, code, now)
    assert not totp.accept_code(user, code, now), "a reused code is refused"
    assert not totp.accept_code(user, code, now + timedelta(seconds=25))
    # The code of the step before, unused but older than the last one accepted: refused too.
    assert not totp.accept_code(user, code_at(secret, now - timedelta(seconds=30)), now)
    later = now + timedelta(seconds=30)
    assert totp.accept_code(user, code_at(secret, later), later)
    db.session.commit()
    assert db.session.get(SecondFactor, user.id).last_step == int(later.timestamp()) // 30


def test_one_code_sent_by_many_workers_at_once_is_accepted_once(app, backend, make_user):
    """The same code from eight connections at the same moment (a replay racing the owner)."""
    if backend == "sqlite":
        pytest.skip("SQLite serialises writers; the race needs PostgreSQL")
    user = make_user("staff")
    secret, _codes = enrol(user)
    code, user_id = current_code(secret), user.id
    barrier = threading.Barrier(8)

    def use(_):
        with app.app_context():
            person = db.session.get(User, user_id)
            totp.factor_of(person)
            barrier.wait(timeout=20)
            accepted = totp.accept_code(person, code)
            db.session.commit()
            db.session.remove()
            return accepted

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(use, range(8)))
    assert results.count(True) == 1


@pytest.mark.parametrize("typed", ["12345", "1234567", "abcdef", "", "１２３４５６"])
def test_malformed_codes_are_refused(app, make_user, typed):
    user = make_user("staff")
    enrol(user)
    assert not totp.accept_code(user, typed)


def test_a_code_with_a_space_is_read(app, make_user):
    user = make_user("staff")
    secret, _codes = enrol(user)
    code = current_code(secret)
    assert totp.accept_code(user, f"{code[:3]} {code[3:]}")


# --------------------------------------------------------------------------- signing in


def test_sign_in_asks_for_the_code_after_the_password(app, client, make_user):
    user = make_user("staff")
    secret, _codes = enrol(user)
    response = login(client, user, next="/feed/")
    assert response.status_code == 303
    assert response.location.endswith("/auth/login/code")
    assert not signed_in(client)
    assert db.session.get(User, user.id).last_login_at is None  # not signed in yet
    page = client.get("/auth/login/code")
    assert page.status_code == 200 and 'autocomplete="one-time-code"' in page.get_data(as_text=True)

    response = second_step_with(client, current_code(secret))
    assert response.status_code == 303 and response.location == "/feed/"
    assert signed_in(client)
    assert db.session.get(User, user.id).last_login_at is not None


def test_a_reused_code_is_refused_at_sign_in(app, client, make_user):
    user = make_user("staff")
    secret, _codes = enrol(user)
    code = current_code(secret)
    login(client, user)
    assert second_step_with(client, code).status_code == 303
    client.post("/auth/logout")

    login(client, user)
    response = second_step_with(client, code)  # the same code, seen over a shoulder
    assert response.status_code == 422
    assert WRONG in response.get_data(as_text=True)
    assert not signed_in(client)


def test_a_wrong_code_is_refused_next_to_the_field(app, client, make_user):
    user = make_user("staff")
    secret, _codes = enrol(user)
    login(client, user)
    response = second_step_with(client, wrong_code(secret))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'<p class="error" id="code-error">{WRONG}</p>' in page
    assert not signed_in(client)
    empty = second_step_with(client, "")
    assert empty.status_code == 422 and 'id="code-error"' in empty.get_data(as_text=True)


def test_wrong_codes_are_throttled_like_the_password(app, client, make_user):
    user = make_user("staff")
    secret, _codes = enrol(user)
    login(client, user)
    for _attempt in range(3):  # LOGIN_MAX_FAILURES
        assert second_step_with(client, wrong_code(secret)).status_code == 422
    counts = dict(db.session.execute(sa.select(LoginAttempt.key, LoginAttempt.count)).all())
    assert counts[f"account:{user.email}"] == 3, "each wrong code is recorded as a failure"
    assert counts[f"pair:127.0.0.1|{user.email}"] == 3

    # Now even the right code is not checked, and the password step is refused too.
    response = second_step_with(client, current_code(secret))
    assert response.status_code == 429
    assert THROTTLED in response.get_data(as_text=True)
    assert not signed_in(client)
    assert login(client, user).status_code == 429


def test_a_right_password_does_not_reset_the_count_of_wrong_codes(app, client, make_user):
    user = make_user("staff")
    secret, _codes = enrol(user)
    for _attempt in range(3):
        assert login(client, user).status_code == 303
        assert second_step_with(client, wrong_code(secret)).status_code == 422
    assert login(client, user).status_code == 429


def test_the_right_code_clears_the_pair_count(app, client, make_user):
    user = make_user("staff")
    secret, _codes = enrol(user)
    login(client, user)
    second_step_with(client, wrong_code(secret))
    assert second_step_with(client, current_code(secret)).status_code == 303
    keys = set(db.session.scalars(sa.select(LoginAttempt.key)))
    assert f"pair:127.0.0.1|{user.email}" not in keys
    assert f"account:{user.email}" in keys  # strangers' failures keep counting


@pytest.mark.parametrize("path", ["/board/", "/auth/account", "/admin/users", "/activity",
                                  "/auth/account/two-factor", "/summary",
                                  "/initiatives/archived"])
def test_the_half_signed_in_session_opens_nothing(app, client, make_user, path):
    admin = make_user("admin")
    enrol(admin)
    assert login(client, admin).status_code == 303
    response = client.get(path)
    assert response.status_code == 302
    assert "/auth/login" in response.location and "/auth/login/code" not in response.location


def test_the_half_signed_in_session_opens_no_api_nor_htmx(app, client, make_user, hx):
    admin = make_user("admin")
    enrol(admin)
    login(client, admin)
    assert client.get("/api/v1/users/me").status_code == 401
    response = client.get("/board/", headers=hx)
    assert "/auth/login" in response.headers.get("HX-Redirect", "")
    assert client.post("/auth/account/two-factor/disable").status_code == 302


def test_the_second_step_without_a_password_goes_to_the_login(app, client, english):
    response = client.get("/auth/login/code")
    assert response.status_code == 303 and response.location.endswith("/auth/login")
    assert client.post("/auth/login/code", data={"code": "123456"}).status_code == 303


def test_the_half_signed_in_state_expires(app, client, make_user, monkeypatch):
    user = make_user("staff")
    secret, _codes = enrol(user)
    login(client, user)
    later = utcnow() + timedelta(minutes=app.config["TOTP_PENDING_MINUTES"], seconds=5)
    monkeypatch.setattr(second_step, "utcnow", lambda: later)
    response = second_step_with(client, current_code(secret))
    assert response.status_code == 303 and response.location.endswith("/auth/login")
    assert not signed_in(client)


def test_a_new_password_ends_the_half_signed_in_state(app, client, make_user):
    user = make_user("staff")
    secret, _codes = enrol(user)
    login(client, user)
    user.session_token = "changed-elsewhere"  # what a password change or "sign out everywhere" does
    db.session.commit()
    assert second_step_with(client, current_code(secret)).status_code == 303
    assert not signed_in(client)


def test_signing_out_ends_a_sign_in_waiting_for_its_code(app, client, make_user):
    user = make_user("staff")
    secret, _codes = enrol(user)
    login(client, user)
    client.post("/auth/logout")
    response = second_step_with(client, current_code(secret))
    assert response.status_code == 303 and response.location.endswith("/auth/login")
    assert not signed_in(client)


def test_remember_me_is_given_only_after_the_second_step(app, client, make_user):
    user = make_user("staff")
    secret, _codes = enrol(user)
    login(client, user, remember="y")
    assert client.get_cookie("remember_token") is None
    second_step_with(client, current_code(secret))
    assert client.get_cookie("remember_token") is not None


def test_a_recovery_code_works_once(app, client, make_user):
    user = make_user("staff")
    _secret, codes = enrol(user)
    login(client, user)
    response = second_step_with(client, codes[3].upper())  # as typed, any case
    assert response.status_code == 303
    board = client.get("/board/")
    assert board.status_code == 200 and "9 are left" in board.get_data(as_text=True)
    client.post("/auth/logout")

    login(client, user)
    assert second_step_with(client, codes[3]).status_code == 422
    assert not signed_in(client)
    assert second_step_with(client, codes[4]).status_code == 303
    assert totp.recovery_codes_left(user) == 8


def test_only_hashes_of_recovery_codes_are_stored(app, make_user):
    user = make_user("staff")
    _secret, codes = enrol(user)
    assert len(codes) == len(set(codes)) == 10
    stored = db.session.scalars(sa.select(RecoveryCode.code_hash)
                                .where(RecoveryCode.user_id == user.id)).all()
    assert len(stored) == 10
    assert not any(code.replace("-", "") in h or code in h for code in codes for h in stored)


# --------------------------------------------------------------------------- enrolment


def test_enrolment_form_round_trip(app, client, auth, make_user):
    """Rendered, submitted unchanged: refused next to the field, nothing stored; then with the
    code the app computes from the shown secret: on, and the recovery codes shown once."""
    user = make_user("staff")
    auth.sign_in(user)
    page = client.get("/auth/account/two-factor")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<svg" in html and "<script" not in html.split("<main", 1)[-1].split("</main>")[0]
    secret = secret_on(html)
    form = next(f for f in forms_in(html, "/auth/account/two-factor")
                if f.action.endswith("/auth/account/two-factor/enable"))
    fields, _files = form.entries()

    unchanged = client.post(form.action, data=dict(fields))
    assert unchanged.status_code == 422
    assert 'id="enrol-code-error"' in unchanged.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SecondFactor)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode)) == 0
    # The same secret again: an app set up with it keeps working.
    assert secret_on(unchanged.get_data(as_text=True)) == secret

    wrong = client.post(form.action, data={**dict(fields), "enrol-code": wrong_code(secret)})
    assert wrong.status_code == 422 and 'id="enrol-code-error"' in wrong.get_data(as_text=True)
    assert db.session.get(SecondFactor, user.id) is None

    done = client.post(form.action, data={**dict(fields), "enrol-code": current_code(secret)})
    assert done.status_code == 200
    assert done.headers["Cache-Control"] == "no-store"
    codes = codes_on(done.get_data(as_text=True))
    assert len(codes) == 10
    assert db.session.get(SecondFactor, user.id).secret == secret
    assert 'id="recovery-codes"' not in client.get("/auth/account/two-factor").get_data(as_text=True)
    client.post("/auth/logout")
    login(client, user)
    assert second_step_with(client, codes[0]).status_code == 303


def test_the_qr_code_holds_the_otpauth_address(app, make_user):
    user = make_user("staff")
    secret = totp.new_secret()
    uri = totp.provisioning_uri(user, secret)
    assert uri.startswith("otpauth://totp/") and f"secret={secret}" in uri
    assert "issuer=Quick-Win%20Tracker" in uri
    svg = str(totp.qr_svg(uri, "QR"))
    assert svg.startswith("<svg") and 'role="img"' in svg and "<title>QR</title>" in svg


def test_secrets_and_codes_are_never_logged(app, client, auth, make_user, caplog):
    caplog.set_level(logging.DEBUG)
    user = make_user("staff")
    auth.sign_in(user)
    secret = secret_on(client.get("/auth/account/two-factor").get_data(as_text=True))
    done = client.post("/auth/account/two-factor/enable",
                       data={"enrol-code": current_code(secret)})
    codes = codes_on(done.get_data(as_text=True))
    client.post("/auth/logout")
    login(client, user)
    second_step_with(client, wrong_code(secret))
    second_step_with(client, codes[0])
    assert codes and "second factor turned on" in caplog.text
    for value in [secret, *codes, *(c.replace("-", "") for c in codes)]:
        assert value not in caplog.text


def test_new_recovery_codes_replace_the_old_ones(app, client, make_user):
    user = make_user("staff")
    secret, old = enrol(user)
    sign_in_with_code(client, user, secret)
    refused = client.post("/auth/account/two-factor/recovery-codes",
                          data={"codes-code": current_code(secret)})  # used to sign in
    assert refused.status_code == 422 and WRONG in refused.get_data(as_text=True)
    code = code_at(secret, time.time() + 30)
    response = client.post("/auth/account/two-factor/recovery-codes", data={"codes-code": code})
    assert response.status_code == 200
    new = codes_on(response.get_data(as_text=True))
    assert len(new) == 10 and not set(new) & set(old)
    assert not totp.accept_recovery_code(user, old[0])
    assert totp.accept_recovery_code(user, new[0])


def test_turning_off_needs_the_password_and_a_code(app, client, make_user):
    user = make_user("staff")
    secret, codes = enrol(user)
    sign_in_with_code(client, user, secret)
    wrong_password = client.post("/auth/account/two-factor/disable",
                                 data={"off-password": "not-my-password", "off-code": codes[0]})
    assert wrong_password.status_code == 422
    assert 'id="off-password-error"' in wrong_password.get_data(as_text=True)
    wrong = client.post("/auth/account/two-factor/disable",
                        data={"off-password": PASSWORD, "off-code": wrong_code(secret)})
    assert wrong.status_code == 422 and 'id="off-code-error"' in wrong.get_data(as_text=True)
    assert totp.is_enrolled(user)

    done = client.post("/auth/account/two-factor/disable",
                       data={"off-password": PASSWORD, "off-code": codes[1]})
    assert done.status_code == 303
    assert not totp.is_enrolled(user)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode)) == 0
    client.post("/auth/logout")
    assert login(client, user).status_code == 303 and signed_in(client)


# --------------------------------------------------------------------------- required for admins


def test_an_admin_without_a_second_factor_enrols_right_after_the_password(app, client, make_user):
    admin = make_user("admin")
    response = login(client, admin, next="/admin/users", remember="y")
    assert response.status_code == 303 and response.location.endswith("/auth/login/enrol")
    assert client.get("/admin/users").status_code == 302  # nothing else until done
    assert not signed_in(client)
    assert client.get_cookie("remember_token") is None

    page = client.get("/auth/login/enrol")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    secret = secret_on(page.get_data(as_text=True))
    unchanged = client.post("/auth/login/enrol", data={"code": ""})
    assert unchanged.status_code == 422 and 'id="code-error"' in unchanged.get_data(as_text=True)
    assert not totp.is_enrolled(admin)

    done = client.post("/auth/login/enrol", data={"code": current_code(secret)})
    assert done.status_code == 200
    page = done.get_data(as_text=True)
    assert len(codes_on(page)) == 10 and 'href="/admin/users"' in page
    assert signed_in(client) and client.get_cookie("remember_token") is not None
    assert client.get("/admin/users").status_code == 200

    client.post("/auth/logout")
    assert login(client, admin).location.endswith("/auth/login/code")


def test_an_admin_cannot_turn_it_off_while_it_is_required(app, client, make_user):
    admin = make_user("admin")
    secret, codes = enrol(admin)
    sign_in_with_code(client, admin, secret)
    page = client.get("/auth/account/two-factor").get_data(as_text=True)
    assert "it cannot be turned off" in page and "/auth/account/two-factor/disable" not in page
    response = client.post("/auth/account/two-factor/disable",
                           data={"off-password": PASSWORD, "off-code": codes[0]})
    assert response.status_code == 422
    assert totp.is_enrolled(admin)
    with pytest.raises(Invalid):
        totp.turn_off(admin)


def test_a_signed_in_admin_without_one_can_only_enrol(app, client, make_user):
    """Signed in before the requirement (or by a remember-me cookie from then)."""
    admin = make_user("admin")
    with client.session_transaction() as session:
        session["_user_id"] = admin.get_sign_in_id()
    response = client.get("/admin/users")
    assert response.status_code == 303 and response.location.endswith("/auth/account/two-factor")
    assert client.get("/auth/account/two-factor").status_code == 200
    secret = secret_on(client.get("/auth/account/two-factor").get_data(as_text=True))
    client.post("/auth/account/two-factor/enable", data={"enrol-code": current_code(secret)})
    assert client.get("/admin/users").status_code == 200


def test_htmx_requests_of_such_an_admin_are_sent_to_enrol_too(app, client, make_user, hx):
    admin = make_user("admin")
    with client.session_transaction() as session:
        session["_user_id"] = admin.get_sign_in_id()
    response = client.get("/board/", headers=hx)
    assert response.headers.get("HX-Redirect", "").endswith("/auth/account/two-factor")


def test_staff_are_not_required_to_enrol(app, client, make_user):
    staff = make_user("staff")
    assert login(client, staff).location.endswith("/board/")
    assert signed_in(client)


def test_no_required_roles_makes_it_optional_for_admins(app, client, make_user):
    app.config["TOTP_REQUIRED_ROLES"] = frozenset()
    admin = make_user("admin")
    assert login(client, admin).location.endswith("/board/")
    assert client.get("/admin/users").status_code == 200


@pytest.mark.parametrize("value, expected", [("admin", {"admin"}), ("", set()),
                                             (" Admin , reviewer ", {"admin", "reviewer"})])
def test_required_roles_setting(value, expected, tmp_path):
    app = create_app(base_config(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/x.sqlite3",
                                 TOTP_REQUIRED_ROLES=value))
    assert app.config["TOTP_REQUIRED_ROLES"] == expected


def test_an_unknown_required_role_is_refused_at_start_up(tmp_path):
    with pytest.raises(ConfigError, match="QUICKWIN_TOTP_REQUIRED_ROLES"):
        create_app(base_config(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/x.sqlite3",
                               TOTP_REQUIRED_ROLES="admin,mayor"))


# --------------------------------------------------------------------------- admin reset


def test_an_admin_resets_a_users_second_factor(app, client, make_user):
    admin, staff = make_user("admin"), make_user("staff")
    admin_secret, _codes = enrol(admin)
    staff_secret, _codes = enrol(staff)
    token_before = staff.session_token
    sign_in_with_code(client, admin, admin_secret)
    page = client.get(f"/admin/users/{staff.id}").get_data(as_text=True)
    assert "Reset two-step verification" in page

    response = client.post(f"/admin/users/{staff.id}/second-factor/reset")
    assert response.status_code == 303
    assert not totp.is_enrolled(staff)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode)
                             .where(RecoveryCode.user_id == staff.id)) == 0
    assert db.session.get(User, staff.id).session_token != token_before  # signed out everywhere
    message = db.session.scalar(sa.select(OutboxMessage).where(
        OutboxMessage.kind == "second_factor_reset"))
    assert message.to_address == staff.email
    assert admin.name in message.text_body and staff_secret not in message.text_body
    # They sign in with the password alone again (optional for staff).
    other = app.test_client()
    assert login(other, staff).location.endswith("/board/")


def test_the_people_list_shows_who_has_it(app, client, make_user):
    admin, staff, other_admin = make_user("admin"), make_user("staff"), make_user("admin")
    secret, _codes = enrol(admin)
    sign_in_with_code(client, admin, secret)
    page = client.get("/admin/users").get_data(as_text=True)
    rows = {name: row for name in (admin.name, staff.name, other_admin.name)
            for row in page.split("<tr") if f">{name}</a>" in row}
    assert "<td>on</td>" in rows[admin.name]
    assert "<td>off</td>" in rows[staff.name]
    assert "<td>off (required)</td>" in rows[other_admin.name]


def test_an_admin_cannot_reset_their_own_here(app, client, make_user):
    admin = make_user("admin")
    secret, _codes = enrol(admin)
    sign_in_with_code(client, admin, secret)
    assert "Reset two-step verification" not in client.get(
        f"/admin/users/{admin.id}").get_data(as_text=True)
    client.post(f"/admin/users/{admin.id}/second-factor/reset")
    assert totp.is_enrolled(admin)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_resetting_someone_without_one_changes_nothing(app, client, make_user):
    admin, staff = make_user("admin"), make_user("staff")
    secret, _codes = enrol(admin)
    sign_in_with_code(client, admin, secret)
    token = staff.session_token
    response = client.post(f"/admin/users/{staff.id}/second-factor/reset", follow_redirects=True)
    assert response.status_code == 200
    assert f"{staff.name} has no second factor to reset." in response.get_data(as_text=True)
    assert db.session.get(User, staff.id).session_token == token
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_a_reset_admin_enrols_again_at_the_next_sign_in(app, client, make_user):
    first, second = make_user("admin"), make_user("admin")
    first_secret, _codes = enrol(first)
    enrol(second)
    sign_in_with_code(client, first, first_secret)
    client.post(f"/admin/users/{second.id}/second-factor/reset")
    other = app.test_client()
    assert login(other, second).location.endswith("/auth/login/enrol")


# --------------------------------------------------------------------------- password reset


def test_a_password_reset_does_not_bypass_the_second_factor(app, client, make_user):
    user = make_user("staff")
    secret, _codes = enrol(user)
    new_password = "a-brand-new-password-16"
    response = client.post(f"/auth/reset/{reset_token(user)}",
                           data={"new_password": new_password, "confirm": new_password})
    assert response.status_code == 303
    assert not signed_in(client)
    assert totp.is_enrolled(user)

    response = client.post("/auth/login", data={"email": user.email, "password": new_password})
    assert response.status_code == 303 and response.location.endswith("/auth/login/code")
    assert not signed_in(client)
    assert second_step_with(client, current_code(secret)).status_code == 303
    assert signed_in(client)


def test_the_reset_email_names_the_admin(app, make_user):
    admin, staff = make_user("admin"), make_user("staff")
    enrol(staff)
    totp.reset_by_admin(admin, staff)
    db.session.commit()
    message = db.session.scalar(sa.select(OutboxMessage))
    assert unescape(message.html_body).count(admin.name) == 1
    assert message.subject == "Your Quick-Win Tracker two-step verification was reset"


# --------------------------------------------------------------------------- the demo


def test_the_demo_admin_gets_in_by_setting_it_up(app, client, runner):
    """``make run``: ``seed-demo`` says the admin sets it up, and the demo admin does, then works."""
    from quickwin_tracker.demo import DEMO_PASSWORD

    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "Two-step verification is required for: admin" in result.output
    response = client.post("/auth/login", data={"email": "admin@quickwin.balikpapan.go.id",
                                                "password": DEMO_PASSWORD})
    assert response.status_code == 303 and response.location.endswith("/auth/login/enrol")
    secret = secret_on(client.get("/auth/login/enrol").get_data(as_text=True))
    assert client.post("/auth/login/enrol", data={"code": current_code(secret)}).status_code == 200
    assert client.get("/admin/users").status_code == 200


def test_the_last_admin_is_reset_from_the_command_line(app, runner, make_user):
    """A lost phone, no recovery code, and no other administrator to reset it."""
    admin = make_user("admin")
    enrol(admin)
    token = admin.session_token
    result = runner.invoke(args=["reset-second-factor", admin.email.upper()])
    assert result.exit_code == 0, result.output
    assert not totp.is_enrolled(admin)
    assert db.session.get(User, admin.id).session_token != token
    message = db.session.scalar(sa.select(OutboxMessage))
    assert "has been reset on the server" in message.text_body
    again = runner.invoke(args=["reset-second-factor", admin.email])
    assert again.exit_code != 0 and "has no second factor to reset" in again.output
    assert runner.invoke(args=["reset-second-factor", "nobody@example.go.id"]).exit_code != 0


def test_required_only_of_accounts_that_keep_their_password_here(app, make_user):
    app.config["TOTP_REQUIRED_ROLES"] = frozenset({"admin"})
    admin = make_user(role="admin")
    assert admin.auth_source == AUTH_LOCAL and totp.required_for(admin)
    for source in (AUTH_OIDC, AUTH_LDAP):
        admin.auth_source = source
        assert not totp.required_for(admin), source
