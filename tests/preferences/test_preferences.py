"""Email preferences and one-click unsubscribe (signed token, no sign-in, List-Unsubscribe)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from quickwin_tracker.digests import jobs as digest_jobs
from quickwin_tracker.extensions import db
from quickwin_tracker.mail.outbox import deliver_outbox
from quickwin_tracker.mail.tokens import unsubscribe_token
from quickwin_tracker.models import User
from tests.conftest import t

NOW = datetime(2026, 11, 22, 23, 0, tzinfo=UTC)  # Monday 23 November 2026, 07:00 WITA


def csrf_token_in(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


@pytest.fixture
def manager(make_user):
    return make_user("manager", name="Kepala Dinas", email="kepala@example.go.id", locale="en")


# --------------------------------------------------------------------------- the page


def test_preferences_page_saves_all_three(app, manager, auth, client):
    auth.login(manager)
    page = client.get("/preferences/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'name="digest_enabled"' in html and 'name="reminders_enabled"' in html
    assert 'name="reminder_lead_days"' in html and 'value="3"' in html

    response = client.post("/preferences/", data={"reminders_enabled": "y",
                                                  "reminder_lead_days": "7"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/preferences/")
    db.session.refresh(manager)
    assert (manager.digest_enabled, manager.reminders_enabled, manager.reminder_lead_days) == \
        (False, True, 7)
    assert "Your email settings have been saved." in client.get("/preferences/").get_data(
        as_text=True)


@pytest.mark.parametrize("lead", ["0", "15", "abc", ""])
def test_lead_time_must_be_1_to_14_days(app, manager, auth, client, lead):
    auth.login(manager)
    response = client.post("/preferences/", data={"digest_enabled": "y",
                                                  "reminder_lead_days": lead})
    assert response.status_code == 422
    assert 'id="reminder_lead_days-error"' in response.get_data(as_text=True)
    db.session.refresh(manager)
    assert manager.reminder_lead_days == 3 and manager.reminders_enabled


def test_preferences_need_a_sign_in_and_are_linked_from_the_account(app, manager, auth, client):
    assert client.get("/preferences/").status_code == 302
    auth.login(manager)
    account = client.get("/auth/account").get_data(as_text=True)
    assert 'href="/preferences/"' in account and 'href="/digests/preview"' in account


def test_staff_are_told_the_digest_is_not_for_them(app, make_user, auth, client):
    auth.login(make_user("staff", locale="en"))
    html = client.get("/preferences/").get_data(as_text=True)
    assert "with your role you receive none" in html


# --------------------------------------------------------------------------- unsubscribe


@pytest.mark.parametrize("topic, column", [("digest", "digest_enabled"),
                                           ("reminders", "reminders_enabled")])
def test_unsubscribe_asks_first_then_turns_it_off(app, manager, client, topic, column):
    url = f"/preferences/unsubscribe/{unsubscribe_token(manager, topic)}"
    page = client.get(url)  # no sign-in needed; a link scanner's GET changes nothing
    assert page.status_code == 200
    assert t("Yes, unsubscribe") in page.get_data(as_text=True)
    assert f'action="{url}"' in page.get_data(as_text=True)
    db.session.refresh(manager)
    assert getattr(manager, column) is True

    done = client.post(url)
    assert done.status_code == 200
    expected = (t("Done: %(email)s will no longer receive the weekly digest.", email=manager.email)
                if topic == "digest"
                else t("Done: %(email)s will no longer receive reminders.", email=manager.email))
    assert expected in done.get_data(as_text=True)
    db.session.refresh(manager)
    assert getattr(manager, column) is False
    other = "reminders_enabled" if column == "digest_enabled" else "digest_enabled"
    assert getattr(manager, other) is True

    again = client.get(url)
    again_expected = (t("%(email)s no longer receives the weekly digest.", email=manager.email)
                      if topic == "digest"
                      else t("%(email)s no longer receives reminders.", email=manager.email))
    assert again_expected in again.get_data(as_text=True)
    assert client.post(url).status_code == 200  # idempotent


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_tampered_token_is_refused(app, manager, client, method):
    token = unsubscribe_token(manager, "digest")
    forged_payload = unsubscribe_token(User(id=manager.id + 1), "digest").split(".")[0]
    for bad in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
                forged_payload + "." + token.split(".")[1],
                "garbage"):
        response = getattr(client, method)(f"/preferences/unsubscribe/{bad}")
        assert response.status_code == 400
        assert t("This unsubscribe link is not valid: it may have been cut off or changed. Open it "
                 "again from the email, or sign in and change your email settings.").split(":")[0] \
            in response.get_data(as_text=True)
    db.session.refresh(manager)
    assert manager.digest_enabled is True


def test_an_unknown_user_is_404(app, client):
    token = unsubscribe_token(User(id=424242), "reminders")
    assert client.get(f"/preferences/unsubscribe/{token}").status_code == 404
    assert client.post(f"/preferences/unsubscribe/{token}").status_code == 404


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_one_click_post_needs_no_csrf_token_but_the_page_does(app, manager, client, auth):
    token = unsubscribe_token(manager, "digest")
    response = client.post(f"/preferences/unsubscribe/{token}",
                           data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    db.session.refresh(manager)
    assert manager.digest_enabled is False
    # The signed-in preferences form keeps its CSRF protection.
    page = client.get("/auth/login").get_data(as_text=True)
    assert auth.login(manager, csrf_token=csrf_token_in(page)).status_code == 303
    form = {"digest_enabled": "y", "reminder_lead_days": "3"}
    assert client.post("/preferences/", data=form).status_code == 400
    db.session.refresh(manager)
    assert manager.digest_enabled is False
    page = client.get("/preferences/").get_data(as_text=True)
    assert client.post("/preferences/", data=form | {"csrf_token": csrf_token_in(page)}
                       ).status_code == 303
    db.session.refresh(manager)
    assert manager.digest_enabled is True


def test_the_link_in_a_delivered_digest_unsubscribes(app, manager, client, smtp_server):
    app.config["BASE_URL"] = "https://quickwin.example.go.id"
    digest_jobs.send_weekly_digests(NOW)
    smtp_server.configure(app)
    db.session.commit()
    deliver_outbox(now=NOW)
    [email] = smtp_server.messages
    header = email["List-Unsubscribe"]
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = header.strip("<>")
    assert url.startswith("https://quickwin.example.go.id/preferences/unsubscribe/")
    text = email.get_body(("plain",)).get_content()
    html = email.get_body(("html",)).get_content()
    assert url in text and url in html
    assert "https://quickwin.example.go.id/preferences/" in text  # the settings page too

    path = url.removeprefix("https://quickwin.example.go.id")
    assert client.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    db.session.refresh(manager)
    assert manager.digest_enabled is False
    assert digest_jobs.send_weekly_digests(NOW.replace(day=29))["recipients"] == 0


def test_a_huge_lead_time_is_refused_not_a_500(app, manager, auth, client):
    auth.login(manager)
    response = client.post("/preferences/", data={"reminder_lead_days": "9" * 30,
                                                  "digest_enabled": "y"})
    assert response.status_code == 422
