"""Linking a Telegram chat: the deep link's one-time token, ``/start <token>`` through polling
(``getUpdates`` on the local Bot API server), the bot's confirmation in the person's language,
refusals of a reused or expired token, ``/stop``, and unlinking from the settings page."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _

from quickwin_tracker.channels import telegram
from quickwin_tracker.channels.telegram import deliver_telegram, handle_update, poll_updates
from quickwin_tracker.extensions import db
from quickwin_tracker.models import TelegramLinkToken, TelegramUpdate, User
from tests.channels.conftest import BOT, NOW, start_update

LINK = re.compile(rf"https://t\.me/{BOT}\?start=([A-Za-z0-9_-]+)")


def ask_for_link(auth, user: User) -> str:
    client = auth.sign_in(user)
    page = client.get("/preferences/")
    assert page.status_code == 200 and "/preferences/telegram/link" in page.text
    response = client.post("/preferences/telegram/link")
    assert response.status_code == 200
    match = LINK.search(response.text)
    assert match, response.text
    return match[1]


def poll_and_deliver(now=NOW) -> dict:
    outcome = poll_updates(now)
    db.session.commit()
    deliver_telegram(now=now)
    return outcome


def test_the_deep_link_links_the_chat_and_the_bot_confirms_in_indonesian(auth, make_user, bot):
    user = make_user(name="Budi Santoso", locale="id")
    token = ask_for_link(auth, user)
    stored = db.session.scalars(sa.select(TelegramLinkToken)).one()
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in stored.token_hash and stored.used_at is None

    bot.updates.append(start_update(501, 555001, f"/start {token}", language="en"))
    assert poll_and_deliver(stored.created_at + timedelta(minutes=1))["linked"] == 1

    db.session.expire_all()
    assert user.telegram_chat_id == 555001 and user.telegram_linked_at is not None
    (sent,) = bot.sent(555001)
    with force_locale("id"):
        hello = _("Hello %(name)s! This chat now receives your Quick-Win Tracker messages. "
                  "Choose which ones in your settings:", name="Budi Santoso")
    assert hello.startswith("Halo")  # the user's language, not the Telegram app's (en)
    assert sent["text"] == f"{hello}\n→ https://qw.test/preferences/"
    assert sent["parse_mode"] == "HTML"


def test_an_english_reader_is_confirmed_in_english(auth, make_user, bot):
    user = make_user(name="Ann", locale="en")
    token = ask_for_link(auth, user)
    bot.updates.append(start_update(601, 700, f"/start {token}", language="id"))
    poll_and_deliver(utc_soon())
    assert bot.sent(700)[0]["text"].startswith("Hello Ann! This chat now receives")


def utc_soon():
    from quickwin_tracker.domain.clock import utcnow

    return utcnow() + timedelta(seconds=5)


def test_a_reused_token_is_refused_and_the_first_link_stands(auth, make_user, bot):
    user = make_user(locale="id")
    token = ask_for_link(auth, user)
    bot.updates += [start_update(10, 111, f"/start {token}"),
                    start_update(11, 222, f"/start {token}")]  # someone else, same token
    outcome = poll_and_deliver(utc_soon())
    assert outcome["linked"] == 1 and outcome["refused"] == 1
    db.session.expire_all()
    assert user.telegram_chat_id == 111
    (refusal,) = bot.sent(222)
    with force_locale("id"):
        expected = _("This link has expired or was already used. Open your settings in "
                     "Quick-Win Tracker and press “Link Telegram” again:")
    assert expected.startswith("Tautan ini")
    assert refusal["text"] == f"{expected}\n→ https://qw.test/preferences/"


def test_an_expired_token_is_refused(app, make_user, bot):
    user = make_user()
    link = telegram.new_link(user, now=NOW)
    db.session.commit()
    token = link.url.rsplit("=", 1)[1]
    late = NOW + timedelta(minutes=app.config["TELEGRAM_LINK_MINUTES"], seconds=1)
    bot.updates.append(start_update(20, 333, f"/start {token}", language="en"))
    assert poll_and_deliver(late)["refused"] == 1
    db.session.expire_all()
    assert user.telegram_chat_id is None
    # The stranger is answered in the language of their Telegram app.
    assert bot.sent(333)[0]["text"].startswith("This link has expired or was already used.")


def test_polling_moves_the_offset_and_handles_each_update_once(app, make_user, bot):
    user = make_user()
    token = telegram.new_link(user, now=NOW).url.rsplit("=", 1)[1]
    db.session.commit()
    bot.updates.append(start_update(40, 444, f"/start {token}"))
    poll_and_deliver(NOW)
    poll_and_deliver(NOW)  # Telegram would send nothing new; the offset says so
    offsets = [c.payload.get("offset") for c in bot.calls if c.method == "getUpdates"]
    assert offsets == [None, 41]
    # The same update again (a webhook retry): handled once, answered once.
    assert handle_update(start_update(40, 444, f"/start {token}"), NOW) == "duplicate"
    db.session.commit()
    deliver_telegram(now=NOW)
    assert len(bot.sent(444)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TelegramUpdate)) == 1


def test_stop_from_the_chat_unlinks(app, make_user, bot):
    user = make_user(locale="en")
    token = telegram.new_link(user, now=NOW).url.rsplit("=", 1)[1]
    db.session.commit()
    bot.updates += [start_update(50, 909, f"/start {token}"), start_update(51, 909, "/stop")]
    outcome = poll_and_deliver(NOW)
    assert outcome["linked"] == 1 and outcome["unlinked"] == 1
    db.session.expire_all()
    assert user.telegram_chat_id is None
    assert bot.sent(909)[-1]["text"].startswith("Telegram is unlinked")


def test_unlink_from_the_settings_page(auth, make_user, bot):
    user = make_user(telegram_chat_id=31337, telegram_linked_at=NOW)
    client = auth.sign_in(user)
    page = client.get("/preferences/")
    assert "/preferences/telegram/unlink" in page.text
    response = client.post("/preferences/telegram/unlink")
    assert response.status_code == 303
    db.session.expire_all()
    assert user.telegram_chat_id is None
    assert "/preferences/telegram/link" in client.get("/preferences/").text


def test_a_chat_linked_by_someone_else_moves_to_the_newest_link(app, make_user, bot):
    first, second = make_user(telegram_chat_id=1212, telegram_linked_at=NOW), make_user()
    token = telegram.new_link(second, now=NOW).url.rsplit("=", 1)[1]
    db.session.commit()
    assert handle_update(start_update(60, 1212, f"/start {token}"), NOW) == "linked"
    db.session.commit()
    db.session.expire_all()
    assert (first.telegram_chat_id, second.telegram_chat_id) == (None, 1212)


def test_group_chats_and_garbage_are_ignored(app, bot):
    group = start_update(70, -100, "/start abc")
    group["message"]["chat"]["type"] = "group"
    assert handle_update(group, NOW) == "ignored"
    assert handle_update({"update_id": "x"}, NOW) == "ignored"
    db.session.commit()
    deliver_telegram(now=NOW)
    assert bot.sent() == []


def test_a_new_link_retires_the_one_before(app, make_user, bot):
    user = make_user()
    old = telegram.new_link(user, now=NOW).url.rsplit("=", 1)[1]
    new = telegram.new_link(user, now=NOW + timedelta(minutes=1)).url.rsplit("=", 1)[1]
    db.session.commit()
    later = NOW + timedelta(minutes=2)
    assert handle_update(start_update(80, 808, f"/start {old}"), later) == "refused"
    assert handle_update(start_update(81, 808, f"/start {new}"), later) == "linked"


def test_malformed_updates_are_ignored_not_errors(app, bot):
    assert handle_update({"update_id": 90, "message": "hello"}, NOW) == "ignored"
    assert handle_update({"update_id": 91, "message": {"chat": "nope", "text": "/start x"}},
                         NOW) == "ignored"
    assert handle_update({"update_id": 92, "edited_message": {"text": "/start x"}},
                         NOW) == "ignored"
    odd = {"update_id": 93, "message": {"chat": {"id": 5, "type": "private"}, "text": 7,
                                        "from": "someone"}}
    assert handle_update(odd, NOW) == "help"  # answered, in Indonesian (no language known)
    db.session.commit()
    deliver_telegram(now=NOW)
    (reply,) = bot.sent(5)
    assert reply["text"].startswith("Untuk menerima pesan Quick-Win Tracker di sini")
