"""Delivering Telegram messages from the outbox to the local Bot API server: once, across the
server going down and coming back, with a lost answer (not sent again), Telegram's 429
``retry_after``, 5xx with backoff, and a blocked bot (403) that unlinks the person. The bot token
is never logged nor stored in an error."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
import sqlalchemy as sa

from quickwin_tracker.channels.telegram import (
    ANSWER_LOST,
    BLOCKED,
    deliver_telegram,
    poll_updates,
    queue_telegram,
)
from quickwin_tracker.extensions import db
from quickwin_tracker.mail.outbox import backoff, deliver_outbox_job, resend
from quickwin_tracker.models import OutboxMessage
from tests.channels.conftest import LOST, NOW, TOKEN


def queue(user, key="telegram:probe:1", text="Halo <b>dunia</b>") -> OutboxMessage:
    message = queue_telegram(kind="mention", dedupe_key=key, chat_id=user.telegram_chat_id,
                             to=user, summary="Probe", text=text, now=NOW)
    db.session.commit()
    return message


def reread(message: OutboxMessage) -> OutboxMessage:
    db.session.expire_all()
    return db.session.get(OutboxMessage, message.id)


def linked(make_user, chat_id=4242, **kw):
    return make_user(telegram_chat_id=chat_id, telegram_linked_at=NOW, **kw)


def test_a_message_is_sent_once(app, make_user, bot):
    user = linked(make_user)
    message = queue(user)
    assert queue_telegram(kind="mention", dedupe_key="telegram:probe:1", chat_id=4242, to=user,
                          summary="Probe", text="again", now=NOW) is None  # same key: refused
    report = deliver_telegram(now=NOW)
    assert (report.sent, report.failed, report.retried) == (1, 0, 0)
    assert deliver_telegram(now=NOW + timedelta(hours=1)).sent == 0
    (sent,) = bot.sent()
    assert sent == {"chat_id": 4242, "text": "Halo <b>dunia</b>", "parse_mode": "HTML",
                    "link_preview_options": {"is_disabled": True}}
    message = reread(message)
    assert (message.status, message.attempts, message.channel) == ("sent", 1, "telegram")
    assert message.to_address == "4242"


def test_server_down_then_up_delivers_exactly_once(app, make_user, bot):
    user = linked(make_user)
    message = queue(user)
    second = queue(user, key="telegram:probe:2")
    bot.stop()
    report = deliver_telegram(now=NOW)
    assert (report.sent, report.retried) == (0, 1)  # the first failed; the run stopped there
    message, second = reread(message), reread(second)
    assert (message.status, message.attempts) == ("queued", 1)
    assert message.next_attempt_at == NOW + backoff(1)
    assert second.attempts == 0  # not charged for Telegram being away
    assert "ConnectError" in message.last_error

    bot.start()  # back on the same port
    assert deliver_telegram(now=NOW + timedelta(seconds=30)).sent == 1  # the second, due
    assert deliver_telegram(now=NOW + backoff(1)).sent == 1  # the first, after its backoff
    assert deliver_telegram(now=NOW + timedelta(hours=2)).sent == 0
    assert [p["chat_id"] for p in bot.sent()] == [4242, 4242]
    assert reread(message).status == reread(second).status == "sent"


def test_a_lost_answer_is_not_sent_again(app, make_user, bot):
    user = linked(make_user)
    message = queue(user)
    bot.answers.append(LOST)  # Telegram got it, the answer never came back
    report = deliver_telegram(now=NOW)
    assert report.failed == 1
    message = reread(message)
    assert message.status == "failed" and message.last_error.startswith(ANSWER_LOST)
    assert deliver_telegram(now=NOW + timedelta(days=1)).sent == 0
    assert len(bot.sent()) == 1  # the only send is the one whose answer was lost
    # An admin who learns it did not arrive resends it: one more, on purpose.
    resend(message, now=NOW + timedelta(days=1))
    db.session.commit()
    assert deliver_telegram(now=NOW + timedelta(days=1)).sent == 1
    assert len(bot.sent()) == 2


def test_429_retry_after_is_respected_for_every_due_message(app, make_user, bot):
    user = linked(make_user)
    first, second = queue(user), queue(user, key="telegram:probe:2")
    bot.answers.append({"ok": False, "error_code": 429,
                        "description": "Too Many Requests: retry after 3",
                        "parameters": {"retry_after": 3}})
    report = deliver_telegram(now=NOW)
    assert (report.sent, report.retried) == (0, 1)
    first, second = reread(first), reread(second)
    assert first.next_attempt_at == second.next_attempt_at == NOW + timedelta(seconds=3)
    assert first.status == "queued" and first.attempts == 0
    assert deliver_telegram(now=NOW + timedelta(seconds=2)).sent == 0
    assert len(bot.sent()) == 1
    assert deliver_telegram(now=NOW + timedelta(seconds=3)).sent == 2
    assert len(bot.sent()) == 3


def test_a_5xx_is_retried_with_backoff(app, make_user, bot):
    user = linked(make_user)
    message = queue(user)
    bot.answers.append(502)
    assert deliver_telegram(now=NOW).retried == 1
    message = reread(message)
    assert (message.status, message.attempts) == ("queued", 1)
    assert message.last_error.startswith("502")
    assert deliver_telegram(now=NOW + backoff(1)).sent == 1


def test_a_blocked_bot_unlinks_the_person_and_their_messages_go_by_email(app, make_user, bot,
                                                                          auth):
    from quickwin_tracker.channels.registry import channels_for

    user = linked(make_user, notification_channels={"mentions": "telegram"})
    message, other = queue(user), queue(user, key="telegram:probe:2")
    bot.answers.append({"ok": False, "error_code": 403,
                        "description": "Forbidden: bot was blocked by the user"})
    report = deliver_telegram(now=NOW)
    assert report.failed == 2  # this one, and the other one queued for the same chat
    message = reread(message)
    assert message.status == "failed"
    assert message.last_error == BLOCKED + "403 Forbidden: bot was blocked by the user"
    db.session.expire_all()
    assert user.telegram_chat_id is None and user.telegram_blocked_at == NOW
    assert [c.name for c in channels_for(user, "mention")] == ["email"]
    # The other message to the chat is not tried, and nothing is retried.
    assert reread(other).status == "failed" and reread(other).last_error.startswith(BLOCKED)
    assert deliver_telegram(now=NOW + timedelta(days=1)).sent == 0
    assert len(bot.sent()) == 1
    page = auth.sign_in(user).get("/preferences/")
    assert "diblokir" in page.text  # "Telegram diputus … karena bot diblokir di Telegram"


def test_the_outbox_job_delivers_both_channels(app, make_user, bot):
    user = linked(make_user)
    queue(user)
    result = deliver_outbox_job(NOW)
    assert result["skipped_reason"] == "no SMTP host configured"  # email: no SMTP here
    assert result["telegram"]["sent"] == 1


def test_the_bot_token_is_never_logged_nor_stored(app, make_user, bot, caplog):
    caplog.set_level(logging.DEBUG)
    user = linked(make_user)
    queue(user)
    queue(user, key="telegram:probe:2")
    bot.answers += [502, LOST]
    deliver_telegram(now=NOW)
    deliver_telegram(now=NOW + timedelta(hours=1))
    bot.stop()
    poll_updates(NOW)
    deliver_telegram(now=NOW + timedelta(hours=2))
    errors = db.session.scalars(sa.select(OutboxMessage.last_error)).all()
    assert any(errors) and not any(TOKEN in e for e in errors)
    assert caplog.records and TOKEN not in caplog.text
    assert TOKEN.split(":")[1] not in caplog.text


def test_admin_outbox_shows_the_channel(app, make_user, bot, auth):
    user = linked(make_user)
    message = queue(user)
    admin = make_user(role="admin")
    client = auth.sign_in(admin)
    page = client.get("/admin/outbox")
    assert page.status_code == 200
    assert "<td>Telegram</td>" in page.text and "4242" in page.text
    detail = client.get(f"/admin/outbox/{message.id}")
    assert detail.status_code == 200 and "Telegram" in detail.text


def test_a_refused_token_keeps_every_message_queued(app, make_user, bot):
    user = linked(make_user)
    first, second = queue(user), queue(user, key="telegram:probe:2")
    app.config["TELEGRAM_BOT_TOKEN"] = "999:revoked"  # the fake server answers 401 to it
    report = deliver_telegram(now=NOW)
    assert (report.sent, report.failed, report.retried) == (0, 0, 1)
    first, second = reread(first), reread(second)
    assert first.status == second.status == "queued"
    assert first.last_error == "401 Unauthorized" and second.attempts == 0
    assert "999:revoked" not in first.last_error


def test_a_message_another_deliverer_is_sending_is_skipped(app, backend, make_user, bot):
    if backend != "postgresql":
        pytest.skip("FOR UPDATE SKIP LOCKED is PostgreSQL's; SQLite serialises writers")
    user = linked(make_user)
    busy, free = queue(user, key="telegram:busy"), queue(user, key="telegram:free")
    with db.engine.connect() as other:  # another scheduler is sending "busy" right now
        other.execute(sa.select(OutboxMessage.id).where(OutboxMessage.id == busy.id)
                      .with_for_update())
        assert deliver_telegram(now=NOW).sent == 1
        other.rollback()
    assert (reread(busy).status, reread(free).status) == ("queued", "sent")
    assert deliver_telegram(now=NOW).sent == 1
    assert len(bot.sent()) == 2
