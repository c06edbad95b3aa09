"""Password sign-in turned off (``QUICKWIN_PASSWORD_SIGN_IN=false``): the login page leads with
the city account, and the password form signs in the break-glass administrators only."""

from __future__ import annotations

import pytest

from quickwin_tracker import create_app
from quickwin_tracker.config import ConfigError
from tests.conftest import PASSWORD, base_config

ADMIN = "darurat@balikpapan.go.id"


@pytest.fixture
def app_config():
    return {"PASSWORD_SIGN_IN": False, "BREAK_GLASS_ADMINS": f" {ADMIN.upper()} , other@x.org",
            "OIDC_DISCOVERY_URL": "http://127.0.0.1:1/.well-known/openid-configuration",
            "OIDC_CLIENT_ID": "quickwin-tracker"}


def sign_in(client, email):
    return client.post("/auth/login", data={"email": email, "password": PASSWORD})


def test_the_login_page_leads_with_the_city_account(app, client):
    page = client.get("/auth/login").get_data(as_text=True)
    assert page.index("Masuk dengan akun kota") < page.index("Masuk darurat untuk administrator")
    assert "<details" in page


def test_only_break_glass_admins_sign_in_with_a_password(app, client, make_user):
    staff = make_user(role="staff")
    answer = sign_in(client, staff.email)
    assert answer.status_code == 422
    assert "Masuk dengan kata sandi dimatikan" in answer.get_data(as_text=True)

    other_admin = make_user(role="admin")  # an administrator, but not named for emergencies
    assert sign_in(client, other_admin.email).status_code == 422

    make_user(role="admin", email=ADMIN)
    assert sign_in(client, ADMIN).status_code == 303
    assert client.get("/auth/account").status_code == 200


def test_a_break_glass_email_that_is_no_longer_an_admin_is_refused(app, client, make_user):
    make_user(role="staff", email=ADMIN)
    answer = sign_in(client, ADMIN)
    assert answer.status_code == 422
    assert "Masuk dengan kata sandi dimatikan" in answer.get_data(as_text=True)


def test_a_refusal_without_password_check_counts_nothing(app, client, make_user):
    """Refusing a non-break-glass email does not check the password: no throttle entry."""
    from quickwin_tracker.extensions import db
    from quickwin_tracker.models import LoginAttempt

    staff = make_user(role="staff")
    for _ in range(3):
        sign_in(client, staff.email)
    assert db.session.query(LoginAttempt).count() == 0


@pytest.mark.parametrize(("setting", "value", "message"), [
    ("IDENTITY_RULES", "{not json", "QUICKWIN_IDENTITY_RULES: not valid JSON"),
    ("IDENTITY_RULES", '[{"group": "x", "role": "boss", "unit": "DLH"}]', "role must be one of"),
    ("IDENTITY_RULES", '[{"group": "x", "role": "staff"}]', "staff and managers belong to a unit"),
    ("IDENTITY_RULES", '[{"role": "staff", "unit": "DLH"}]', "give either group or claim"),
    ("OIDC_DISCOVERY_URL", "keycloak.local", "QUICKWIN_OIDC_DISCOVERY_URL must be"),
    ("LDAP_URL", "http://dc01", "QUICKWIN_LDAP_URL must be ldap://"),
])
def test_wrong_settings_stop_the_start_with_a_clear_message(tmp_path, setting, value, message):
    config = base_config(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'x.db'}",
                         OIDC_CLIENT_ID="quickwin-tracker", LDAP_SEARCH_BASE="dc=x",
                         **{setting: value})
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        create_app(config)
