"""The webhook route (secret in the path and Telegram's secret header), and the settings page's
per-kind choices: a round trip as the page renders them, a bad value refused next to its field,
and email only when the deployment has no bot."""

from __future__ import annotations

import re

import pytest

from quickwin_tracker.channels import telegram
from quickwin_tracker.extensions import db
from tests.channels.conftest import NOW, SECRET, start_update
from tests.html_forms import forms_in

HEADER = "X-Telegram-Bot-Api-Secret-Token"


@pytest.fixture
def linking_update(make_user):
    user = make_user(locale="en")
    token = telegram.new_link(user, now=NOW).url.rsplit("=", 1)[1]
    db.session.commit()
    return user, start_update(900, 9090, f"/start {token}")


def test_the_webhook_links_with_both_secrets(client, linking_update, bot):
    user, update = linking_update
    response = client.post(f"/telegram/webhook/{SECRET}", json=update, headers={HEADER: SECRET})
    assert response.status_code == 200 and response.json["outcome"] == "linked"
    db.session.expire_all()
    assert user.telegram_chat_id == 9090
    # Telegram retries a webhook it thinks failed: the second copy changes nothing.
    again = client.post(f"/telegram/webhook/{SECRET}", json=update, headers={HEADER: SECRET})
    assert again.json["outcome"] == "duplicate"
    telegram.deliver_telegram()
    assert len(bot.sent(9090)) == 1


@pytest.mark.parametrize(("path_secret", "header", "status"), [
    ("wrong-secret-0123456789abcdef", SECRET, 404),
    (SECRET, "", 403),
    (SECRET, "wrong-secret-0123456789abcdef", 403),
])
def test_the_webhook_refuses_a_wrong_secret(client, linking_update, path_secret, header, status):
    user, update = linking_update
    headers = {HEADER: header} if header else {}
    response = client.post(f"/telegram/webhook/{path_secret}", json=update, headers=headers)
    assert response.status_code == status
    db.session.expire_all()
    assert user.telegram_chat_id is None


def test_the_webhook_refuses_what_is_not_an_update(client):
    response = client.post(f"/telegram/webhook/{SECRET}", data="not json",
                           headers={HEADER: SECRET, "Content-Type": "application/json"})
    assert response.status_code == 400


def test_without_a_bot_the_webhook_and_the_link_are_not_there(app, client, auth, make_user):
    app.config["TELEGRAM_BOT_TOKEN"] = ""
    response = client.post(f"/telegram/webhook/{SECRET}", json={"update_id": 1},
                           headers={HEADER: SECRET})
    assert response.status_code == 404
    signed_in = auth.sign_in(make_user())
    page = signed_in.get("/preferences/")
    assert "/preferences/telegram/link" not in page.text
    assert signed_in.post("/preferences/telegram/link").status_code == 404
    selects = re.findall(r'<select[^>]*name="channel_(\w+)"[^>]*>(.*?)</select>', page.text, re.S)
    assert {name for name, _ in selects} == {"digest", "milestones", "updates", "mentions",
                                             "reviews"}
    assert all(options.count("<option") == 1 and 'value="email"' in options
               for _name, options in selects)


class ChannelsPageForm:
    """The "where messages go" form as the settings page renders it."""

    def __init__(self, page_text: str):
        (form,) = [f for f in forms_in(page_text, "/preferences/")
                   if f.action.endswith("/preferences/channels")]
        self.submission = form.submission()
        self.action = self.submission.url

    def values(self) -> dict[str, str]:
        return dict(self.submission.fields)


def _channels_form(page_text: str) -> ChannelsPageForm:
    return ChannelsPageForm(page_text)


def test_the_choices_round_trip(auth, make_user, bot):
    user = make_user(notification_channels={"mentions": "both"})
    client = auth.sign_in(user)
    form = _channels_form(client.get("/preferences/").text)
    assert form.values()["channel_mentions"] == "both"
    assert form.values()["channel_digest"] == "email"
    # Sent unchanged: nothing changes.
    response = client.post(form.action, data=form.values())
    assert response.status_code == 303
    db.session.expire_all()
    assert user.notification_channels == {"mentions": "both"}  # email, the default, unsaid
    data = dict(form.values(), channel_digest="telegram", channel_reviews="both")
    assert client.post(form.action, data=data).status_code == 303
    db.session.expire_all()
    assert user.notification_channels["digest"] == "telegram"
    assert user.notification_channels["reviews"] == "both"
    again = _channels_form(client.get("/preferences/").text)
    assert again.values()["channel_digest"] == "telegram"


def test_a_bad_choice_is_shown_next_to_its_field(auth, make_user, bot):
    user = make_user()
    client = auth.sign_in(user)
    form = _channels_form(client.get("/preferences/").text)
    response = client.post(form.action, data=dict(form.values(), channel_updates="pigeon"))
    assert response.status_code == 422
    assert re.search(r'id="channel_updates-error">Pilih email, Telegram, atau keduanya\.<',
                     response.text)
    db.session.expire_all()
    assert user.notification_channels == {}
