"""Issue 16's "done when" for Telegram, end to end through the pages: link the chat by the deep
link, choose Telegram for mentions on the settings form as it renders, be mentioned in a comment
posted on the web, and receive that mention in the chat once, however often the jobs run."""

from __future__ import annotations

from datetime import timedelta

from quickwin_tracker.channels.telegram import deliver_telegram, poll_updates
from quickwin_tracker.domain.clock import utcnow
from quickwin_tracker.extensions import db
from quickwin_tracker.models import User
from quickwin_tracker.reminders import jobs as reminder_jobs
from tests.channels.conftest import start_update
from tests.channels.test_linking import ask_for_link
from tests.html_forms import forms_in

CHAT = 777001


def test_link_telegram_and_receive_a_mention_there_once(app, auth, make_user, make_initiative,
                                                      bot):
    budi = make_user(name="Budi Santoso", email="budi@quickwin.test", locale="id")
    rina = make_user(name="Rina", email="rina@quickwin.test", unit=budi.unit)
    initiative = make_initiative(budi.unit, title="Antrean online puskesmas", owner=budi)

    # 1. The deep link, opened in Telegram: the bot's update links the chat.
    token = ask_for_link(auth, budi)
    bot.updates.append(start_update(9001, CHAT, f"/start {token}"))
    assert poll_updates(utcnow())["linked"] == 1
    db.session.commit()
    deliver_telegram()
    assert len(bot.sent(CHAT)) == 1  # the bot's confirmation

    # 2. Mentions to Telegram, on the settings form as the page renders it (still Budi).
    client = auth.client
    page = client.get("/preferences/").get_data(as_text=True)
    form = next(f for f in forms_in(page, "/preferences/") if f.action == "/preferences/channels")
    data = dict(form.submission().fields)
    assert data["channel_mentions"] == "email"  # email, as before, until chosen
    data["channel_mentions"] = "telegram"
    assert client.post("/preferences/channels", data=data).status_code in (200, 303)

    # 3. Rina mentions Budi in a comment on the initiative's page.
    auth.logout()
    client = auth.sign_in(rina)
    response = client.post(f"/initiatives/{initiative.id}/comments",
                           data={"body": "@budi tolong cek jadwal uji coba <minggu ini>"})
    assert response.status_code in (200, 303)

    # 4. The jobs run, and run again: one short message in Budi's language, with the link back.
    assert db.session.get(User, budi.id).notification_channels == {"mentions": "telegram"}
    for minutes in (1, 2, 3):
        later = utcnow() + timedelta(minutes=minutes)
        reminder_jobs.send_mention_emails(later)
        db.session.commit()
        deliver_telegram(now=later)
    messages = bot.sent(CHAT)[1:]
    assert len(messages) == 1, messages
    text = messages[0]["text"]
    assert "Rina" in text and "Antrean online puskesmas" in text
    assert "&lt;minggu ini&gt;" in text  # escaped for Telegram's HTML
    assert f"/initiatives/{initiative.id}" in text
    assert "menyebut Anda" in text  # Indonesian, Budi's language
