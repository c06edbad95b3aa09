"""OpenID Connect sign-in against a real provider on 127.0.0.1 (oidc-provider-mock behind a
PKCE-enforcing layer, ``servers.py``), through the app's test client: the provider's own login
form is posted with httpx, its redirect followed back into the app."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import sqlalchemy as sa

from quickwin_tracker.extensions import db
from quickwin_tracker.identity.mapping import parse_rules
from quickwin_tracker.models import User
from tests.identity.conftest import rules_json

RINA = "rina@balikpapan.go.id"


@pytest.fixture
def app_config(oidc_provider):
    return {
        "OIDC_DISCOVERY_URL": oidc_provider.discovery_url,
        "OIDC_CLIENT_ID": "quickwin-tracker",
        "OIDC_CLIENT_SECRET": "client-secret-for-tests",
        "OIDC_CREATE_USERS": True,
        "IDENTITY_RULES": rules_json(),
    }


@pytest.fixture
def rina(oidc_provider):
    oidc_provider.set_user("rina", email=RINA, email_verified=True, name="Rina Kepala",
                           groups=["bpk-diskominfo-kepala"])
    return "rina"


def start(client) -> str:
    """Press "Sign in with the city account": the provider's authorization URL."""
    answer = client.post("/auth/oidc/login", data={"next": "/activity/"})
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return answer.headers["Location"]


def authorize(url: str, sub: str) -> str:
    """Sign in at the provider as ``sub``: the callback URL it sends the browser back to."""
    assert httpx.get(url).status_code == 200  # the provider's login form
    answer = httpx.post(url, data={"sub": sub})
    assert answer.status_code == 302, answer.text
    return answer.headers["location"]


def finish(client, callback_url: str):
    parts = urlsplit(callback_url)
    assert parts.path == "/auth/oidc/callback"
    return client.get(f"{parts.path}?{parts.query}")


def signed_in(client) -> bool:
    return client.get("/auth/account").status_code == 200


def user(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == email))


def test_code_flow_with_pkce_state_and_nonce_signs_in_with_the_mapped_role(
        app, client, units, oidc_provider, rina):
    login_page = client.get("/auth/login").get_data(as_text=True)
    assert "Masuk dengan akun kota" in login_page

    answer = finish(client, authorize(start(client), rina))

    assert answer.status_code == 303 and answer.headers["Location"] == "/activity/"
    sent = oidc_provider.authorize_requests[-1]
    assert sent["code_challenge_method"] == "S256" and len(sent["code_challenge"]) == 43
    assert sent["state"] and sent["nonce"] and sent["response_type"] == "code"
    assert oidc_provider.token_requests[-1]["code_verifier"]  # checked by the provider's layer
    person = user(RINA)
    assert (person.role, person.unit.code) == ("manager", "DISKOMINFO")
    assert person.auth_source == "oidc"
    assert person.external_id == f"{oidc_provider.url} rina"
    assert person.identity_rule == 'rule 1: groups contains "bpk-diskominfo-kepala"'
    assert person.identity_applied_at is not None and person.last_login_at is not None
    assert signed_in(client)
    # The user's admin page says where the role and unit came from.
    db.session.expire_all()


def test_the_admin_page_shows_where_the_role_came_from(app, client, units, oidc_provider, rina,
                                                        make_user):
    finish(client, authorize(start(client), rina))
    person = user(RINA)
    admin = make_user(role="admin")
    admin_client = app.test_client()
    admin_client.post("/auth/login", data={"email": admin.email, "password": "correct-horse-battery"})
    page = admin_client.get(f"/admin/users/{person.id}").get_data(as_text=True)
    assert "rule 1: groups contains" in page and "OpenID Connect" in page
    assert f"{oidc_provider.url} rina" in page


def test_a_tampered_state_is_refused(app, client, units, oidc_provider, rina):
    callback = authorize(start(client), rina)
    parts = urlsplit(callback)
    query = parse_qs(parts.query)
    tampered = f"{parts.path}?code={query['code'][0]}&state={query['state'][0]}x"

    answer = client.get(tampered, follow_redirects=True)

    assert "tidak dimulai di peramban ini" in answer.get_data(as_text=True)
    assert not signed_in(client) and user(RINA) is None
    assert not [t for t in oidc_provider.token_requests if t.get("code") == query["code"][0]]


def test_a_sign_in_started_in_another_browser_is_refused(app, client, units, oidc_provider, rina):
    callback = authorize(start(client), rina)
    other = app.test_client()
    answer = finish(other, callback)
    assert answer.status_code == 303 and answer.headers["Location"] == "/auth/login"
    assert not signed_in(other) and user(RINA) is None


def test_a_replayed_code_is_refused(app, client, units, oidc_provider, rina):
    callback = authorize(start(client), rina)
    assert finish(client, callback).status_code == 303
    client.post("/auth/logout")
    tokens_before = len(oidc_provider.token_requests)

    # The same callback again: its state was used up.
    replay = client.get(urlsplit(callback).path + "?" + urlsplit(callback).query,
                        follow_redirects=True)
    assert "tidak dimulai di peramban ini" in replay.get_data(as_text=True)
    # The old code with a fresh state of this browser: the provider refuses the exchange.
    fresh = parse_qs(urlsplit(start(client)).query)["state"][0]
    code = parse_qs(urlsplit(callback).query)["code"][0]
    answer = client.get(f"/auth/oidc/callback?code={code}&state={fresh}", follow_redirects=True)
    assert "Akun kota tidak mengonfirmasi" in answer.get_data(as_text=True)
    assert len(oidc_provider.token_requests) == tokens_before + 1
    assert not signed_in(client)


def test_an_unverified_email_is_refused(app, client, units, oidc_provider):
    oidc_provider.set_user("tamu", email="tamu@example.org", email_verified=False, name="Tamu",
                           groups=["bpk-dlh-staf"])
    answer = finish(client, authorize(start(client), "tamu"))
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "belum memverifikasi alamat email tamu@example.org" in page
    assert user("tamu@example.org") is None and not signed_in(client)


def test_an_unknown_person_is_refused_when_accounts_are_not_created(app, client, units,
                                                                     oidc_provider, rina):
    app.config["OIDC_CREATE_USERS"] = False
    finish(client, authorize(start(client), rina))
    page = client.get("/auth/login").get_data(as_text=True)
    assert "Belum ada akun untuk rina@balikpapan.go.id" in page
    assert user(RINA) is None


def test_a_local_account_is_matched_by_verified_email_and_linked(app, client, units,
                                                                  oidc_provider, rina, make_user):
    app.config["OIDC_CREATE_USERS"] = False
    local = make_user(role="staff", email=RINA)
    finish(client, authorize(start(client), rina))
    db.session.refresh(local)
    assert local.auth_source == "oidc" and local.role == "manager"
    assert local.unit.code == "DISKOMINFO"
    assert signed_in(client)


def test_a_mapping_change_is_applied_at_the_next_sign_in(app, client, units, oidc_provider, rina):
    finish(client, authorize(start(client), rina))
    assert user(RINA).role == "manager"
    client.post("/auth/logout")

    # The provider moves her to another group: the second rule.
    oidc_provider.set_user("rina", email=RINA, email_verified=True, name="Rina Kepala",
                           groups=["bpk-dlh-staf"])
    finish(client, authorize(start(client), rina))
    person = user(RINA)
    assert (person.role, person.unit.code) == ("staff", "DLH")
    assert person.identity_rule == 'rule 2: groups contains "bpk-dlh-staf"'
    client.post("/auth/logout")

    # The city changes the rules: no rule for her group any more, the default applies.
    app.config["IDENTITY_RULE_SET"] = parse_rules(rules_json(
        {"rules": [{"group": "bpk-diskominfo-kepala", "role": "manager", "unit": "DISKOMINFO"}],
         "default": {"role": "reviewer", "unit": None}}))
    finish(client, authorize(start(client), rina))
    person = user(RINA)
    assert (person.role, person.unit, person.identity_rule) == ("reviewer", None, "default")


def test_logout_ends_the_provider_session_too(app, client, units, oidc_provider, rina):
    finish(client, authorize(start(client), rina))
    token_before = user(RINA).session_token

    answer = client.post("/auth/logout")

    assert answer.status_code == 303
    location = answer.headers["Location"]
    assert location.startswith(f"{oidc_provider.url}/oauth2/end_session?")
    ended = httpx.get(location)  # the browser follows it to the provider
    assert ended.status_code == 200
    sent = oidc_provider.end_session_requests[-1]
    assert sent["post_logout_redirect_uri"] == "http://localhost/auth/login"
    assert sent["id_token_hint"].count(".") == 2  # the ID token the provider issued
    assert not signed_in(client)
    assert user(RINA).session_token != token_before  # every session of hers ended here


def test_sign_out_everywhere_ends_an_oidc_session(app, client, units, oidc_provider, rina):
    from quickwin_tracker.auth.services import end_all_sessions

    finish(client, authorize(start(client), rina))
    assert signed_in(client)
    end_all_sessions(user(RINA))
    db.session.commit()
    assert not signed_in(client)


def test_without_configuration_the_routes_do_not_exist(app, client):
    app.config["OIDC_ENABLED"] = False
    assert client.post("/auth/oidc/login").status_code == 404
    assert client.get("/auth/oidc/callback?code=x&state=y").status_code == 404
    assert "Masuk dengan akun kota" not in client.get("/auth/login").get_data(as_text=True)


def test_the_pages_let_forms_reach_the_provider(app, client, oidc_provider):
    """Browsers apply the CSP's form-action to a form's redirects: the sign-in button and the
    logout both end at the provider (found by the browser test, tests/browser/test_city_account)."""
    policy = client.get("/auth/login").headers["Content-Security-Policy"]
    assert f"form-action 'self' {oidc_provider.url};" in policy


@pytest.mark.parametrize("field", ["nonce", "code_verifier"])
def test_the_nonce_and_the_pkce_verifier_are_really_checked(app, client, units, oidc_provider,
                                                            rina, field):
    """Authlib keeps the nonce and the verifier in the session, under the state's key: a
    different one (a token minted for another sign-in, a code stolen without its verifier) is
    refused, by the ID token's check and by the provider's token endpoint respectively."""
    url = start(client)
    state = parse_qs(urlsplit(url).query)["state"][0]
    with client.session_transaction() as session:
        key = f"_state_city_{state}"
        stored = session[key]
        stored["data"][field] = "forged-" + stored["data"][field]
        session[key] = stored
    answer = finish(client, authorize(url, rina))
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Akun kota tidak mengonfirmasi proses masuk ini" in page
    assert not signed_in(client) and user(RINA) is None


def test_a_rule_cannot_demote_the_last_administrator(app, client, units, oidc_provider, rina,
                                                     make_user):
    make_user(role="admin", email=RINA)  # the only administrator; her group says manager
    finish(client, authorize(start(client), rina))
    page = client.get("/auth/login").get_data(as_text=True)
    assert "Aturan masuk tidak dapat diterapkan pada akun ini" in page
    assert user(RINA).role == "admin" and not signed_in(client)
