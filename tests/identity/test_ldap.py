"""LDAP sign-in against a real OpenLDAP server (Debian's slapd, a throwaway directory with a
self-signed certificate, ``servers.py``): bind as the user, search then bind, StartTLS and
LDAPS, wrong passwords (throttled), the group mapping, which source takes precedence, and the
admin's test-connection button."""

from __future__ import annotations

import pyotp
import pytest
import sqlalchemy as sa

from quickwin_tracker.auth import totp
from quickwin_tracker.extensions import db
from quickwin_tracker.models import User
from tests.conftest import PASSWORD
from tests.identity import servers
from tests.identity.conftest import rules_json

RINA_DN = f"uid=rina,ou=people,{servers.SUFFIX}"
BUDI_DN = f"uid=budi,ou=people,{servers.SUFFIX}"


@pytest.fixture
def app_config(ldap_directory):
    """Search then bind (the service account), StartTLS against the test's own CA."""
    return {
        "LDAP_URL": ldap_directory.url,
        "LDAP_STARTTLS": True,
        "LDAP_CA_FILE": str(ldap_directory.ca_file),
        "LDAP_BIND_DN": servers.SERVICE_DN,
        "LDAP_BIND_PASSWORD": servers.SERVICE_PASSWORD,
        "LDAP_SEARCH_BASE": f"ou=people,{servers.SUFFIX}",
        "LDAP_GROUP_SEARCH_BASE": f"ou=groups,{servers.SUFFIX}",
        "LDAP_CREATE_USERS": True,
        "IDENTITY_RULES": rules_json(),
        "LOGIN_MAX_FAILURES": 3,
    }


def person(uid: str):
    return next(p for p in servers.PEOPLE if p[0] == uid)


def sign_in(client, email: str, password: str):
    return client.post("/auth/login", data={"email": email, "password": password})


def user(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == email))


def test_search_then_bind_with_starttls_signs_in_with_the_group_mapping(app, client, units):
    _, name, email, password, _ = person("budi")
    answer = sign_in(client, email, password)
    assert answer.status_code == 303, answer.get_data(as_text=True)
    budi = user(email)
    assert (budi.role, budi.unit.code, budi.name) == ("staff", "DLH", name)
    assert (budi.auth_source, budi.external_id) == ("ldap", BUDI_DN)
    assert budi.identity_rule == 'rule 2: groups contains "bpk-dlh-staf"'
    assert client.get("/auth/account").status_code == 200


def test_bind_as_the_user_over_ldaps(app, client, units, ldap_directory):
    app.config.update(LDAP_URL=ldap_directory.ldaps_url, LDAP_STARTTLS=False,
                      LDAP_USER_DN_TEMPLATE=f"uid={{username}},ou=people,{servers.SUFFIX}",
                      LDAP_SEARCH_BASE="", LDAP_BIND_DN="", LDAP_BIND_PASSWORD="")
    _, _, email, password, _ = person("rina")
    assert sign_in(client, email, password).status_code == 303
    rina = user(email)
    assert (rina.role, rina.unit.code, rina.external_id) == ("manager", "DISKOMINFO", RINA_DN)


def test_someone_in_no_mapped_group_gets_the_default(app, client, units):
    _, _, email, password, _ = person("sari")
    assert sign_in(client, email, password).status_code == 303
    assert (user(email).role, user(email).identity_rule) == ("reviewer", "default")


def test_a_wrong_password_is_refused_and_throttled(app, client, units):
    _, _, email, password, _ = person("rina")
    for _ in range(3):
        answer = sign_in(client, email, "not-her-password")
        assert answer.status_code == 422
        assert "Email atau kata sandi salah" in answer.get_data(as_text=True)
    # The limit is reached: even the right password waits (and is not checked).
    answer = sign_in(client, email, password)
    assert answer.status_code == 429
    assert user(email) is None


def test_the_directory_takes_precedence_over_a_local_password(app, client, units, make_user):
    """A person the directory knows signs in with the directory's password only; the old local
    password no longer works. Someone the directory does not know keeps their local password."""
    _, _, email, password, _ = person("rina")
    make_user(role="staff", email=email)  # a local account with the local PASSWORD
    assert sign_in(client, email, PASSWORD).status_code == 422
    assert sign_in(client, email, password).status_code == 303
    assert user(email).auth_source == "ldap"
    client.post("/auth/logout")

    outsider = make_user(role="reviewer", email="konsultan@example.org")
    assert sign_in(client, outsider.email, PASSWORD).status_code == 303
    assert user(outsider.email).auth_source == "local"


def test_an_unknown_unit_in_the_rules_is_a_clear_refusal(app, client):
    _, _, email, password, _ = person("budi")  # the units fixture is not used: DLH is missing
    answer = sign_in(client, email, password)
    assert answer.status_code == 422
    assert "Aturan masuk menyebut OPD DLH, yang tidak ada di sini" in answer.get_data(as_text=True)
    assert user(email) is None


def test_an_unreachable_directory(app, client, units, make_user):
    _, _, email, password, _ = person("budi")
    assert sign_in(client, email, password).status_code == 303  # now an LDAP account
    client.post("/auth/logout")
    app.config["LDAP_URL"] = f"ldap://127.0.0.1:{servers.free_port()}"
    answer = sign_in(client, email, password)
    assert "Direktori kota tidak dapat dihubungi saat ini" in answer.get_data(as_text=True)
    local = make_user(role="reviewer", email="konsultan@example.org")
    assert sign_in(client, local.email, PASSWORD).status_code == 303  # local accounts go on


# --------------------------------------------------------------------------- the admin's test


@pytest.fixture
def admin_client(app, make_user):
    admin = make_user(role="admin", locale="en")
    client = app.test_client()
    assert sign_in(client, admin.email, PASSWORD).status_code == 303
    return client


def check_page(admin_client, sample: str = "") -> str:
    answer = admin_client.post("/admin/identity/ldap-test", data={"email": sample})
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


def test_the_test_connection_button_walks_every_step(app, admin_client, units):
    page = check_page(admin_client, "rina@balikpapan.go.id")
    for step in ("Connect: OK", "TLS: OK", "Service bind: OK", "Search: OK", "Groups: OK"):
        assert step in page
    assert f"Found {RINA_DN}" in page
    assert "bpk-diskominfo-kepala" in page and "rule 1: groups contains" in page


def test_the_test_connection_button_says_what_failed(app, admin_client, ldap_directory):
    app.config["LDAP_BIND_PASSWORD"] = "wrong"
    assert "Service bind: failed" in check_page(admin_client)
    assert "invalidCredentials" in check_page(admin_client)

    app.config["LDAP_BIND_PASSWORD"] = servers.SERVICE_PASSWORD
    page = check_page(admin_client, "nobody@balikpapan.go.id")
    assert "Search: failed" in page and "0 entries found for nobody@balikpapan.go.id" in page

    app.config["LDAP_CA_FILE"] = ""  # the system's CAs do not know the test's certificate
    page = check_page(admin_client)
    assert "TLS: failed" in page and "Service bind" not in page

    port = servers.free_port()
    app.config["LDAP_URL"] = f"ldap://127.0.0.1:{port}"
    page = check_page(admin_client)
    assert "Connect: failed" in page and f"Cannot reach 127.0.0.1:{port}" in page


def test_the_sign_in_page_is_for_admins(app, client, make_user):
    staff = make_user(role="staff")
    sign_in(client, staff.email, PASSWORD)
    assert client.get("/admin/identity").status_code == 403
    assert client.post("/admin/identity/ldap-test", data={}).status_code == 403


def test_without_account_creation_only_existing_accounts_sign_in(app, client, units, make_user):
    app.config["LDAP_CREATE_USERS"] = False
    _, _, email, password, _ = person("rina")
    answer = sign_in(client, email, password)
    assert answer.status_code == 422
    assert "Belum ada akun untuk rina@balikpapan.go.id" in answer.get_data(as_text=True)
    assert user(email) is None

    make_user(role="staff", email=email)  # an administrator creates her account
    assert sign_in(client, email, password).status_code == 303
    assert (user(email).role, user(email).auth_source) == ("manager", "ldap")


def test_a_directory_account_with_a_second_factor_is_asked_for_its_code(app, client, units):
    """The password form asks for the code after the directory accepted the password, as after a
    local one (issue 16: the two merged); until then nobody is signed in."""
    _, _, email, password, _ = person("budi")
    assert sign_in(client, email, password).status_code == 303  # first sign-in: the account
    client.post("/auth/logout")
    budi = user(email)
    secret = totp.new_secret()
    totp.enable(budi, secret, pyotp.TOTP(secret).now())
    db.session.commit()
    first_sign_in = budi.last_login_at
    answer = sign_in(client, email, password)
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/auth/login/code")
    assert client.get("/auth/account").status_code in (302, 303)  # not signed in yet
    db.session.expire_all()
    assert user(email).last_login_at == first_sign_in  # the second step records the sign-in
    # Required only of accounts that keep their password here: not of this directory manager.
    app.config["TOTP_REQUIRED_ROLES"] = frozenset({"staff", "manager", "admin"})
    assert not totp.required_for(user(email))
