"""The outbox: queueing (once per dedupe key, in the recipient's language) and SMTP delivery to a
real server (aiosmtpd on 127.0.0.1), with retries, backoff, giving up, and resending."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask
from itsdangerous import BadSignature
from jinja2 import ChoiceLoader, DictLoader

from quickwin_tracker.domain.retries import backoff
from quickwin_tracker.extensions import db
from quickwin_tracker.mail import outbox
from quickwin_tracker.mail.outbox import (
    NO_SMTP_HOST,
    deliver_outbox,
    deliver_outbox_job,
    queue_email,
    resend,
)
from quickwin_tracker.mail.tokens import read_unsubscribe_token, unsubscribe_token
from quickwin_tracker.models import OutboxMessage

NOW = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)  # Monday 09:00 in Balikpapan (WITA)

PROBE_TXT = """{% extends "email/_layout.txt" %}{% block body %}{{ _("Board") }}: \
{{ format_date(day, "full") }} · {{ recipient.name }} · {{ note }}{% endblock %}"""
PROBE_HTML = """{% extends "email/_layout.html" %}{% block body %}<p>{{ _("Board") }}: \
{{ format_date(day, "full") }} · {{ recipient.name }} · {{ note }}</p>\
<p><a href="{{ app_url('board.index') }}">board</a></p>{% endblock %}"""


@pytest.fixture
def probe_templates(app: Flask) -> None:
    """An email template using an already-translated string and a localised date."""
    app.jinja_loader = ChoiceLoader(
        [DictLoader({"email/probe.txt": PROBE_TXT, "email/probe.html": PROBE_HTML}),
         app.jinja_loader]
    )
    app.jinja_env.cache = {}


def queue(user, key: str = "probe:1", **kw):
    kw.setdefault("kind", "probe")
    kw.setdefault("subject", "Hello")
    kw.setdefault("template", "probe")
    kw.setdefault("context", {"day": date(2026, 11, 30), "note": "Tom & Jerry <b>"})
    kw.setdefault("now", NOW)
    return queue_email(dedupe_key=key, to=user, **kw)


def messages() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


# --------------------------------------------------------------------------- queueing


def test_the_same_key_twice_queues_one_message(app, make_user, probe_templates):
    user = make_user("manager")
    first = queue(user, "digest:1:2026-W49")
    assert first is not None and first.id is not None  # flushed
    assert queue(user, "digest:1:2026-W49") is None
    db.session.commit()
    assert queue(user, "digest:1:2026-W49") is None  # also once committed
    rows = messages()
    assert len(rows) == 1
    row = rows[0]
    assert (row.kind, row.to_address, row.to_user_id, row.status, row.attempts) == (
        "probe", user.email, user.id, "queued", 0)
    assert row.created_at == NOW and row.next_attempt_at == NOW and row.sent_at is None


def test_queueing_never_commits(app, make_user, probe_templates):
    """The row belongs to the caller's transaction (on SQLite too, despite the SAVEPOINT)."""
    user = make_user()
    assert queue(user, "a") is not None
    db.session.rollback()
    assert messages() == []


def test_a_concurrent_duplicate_is_refused_and_the_callers_transaction_survives(
    app, make_user, probe_templates, monkeypatch
):
    user = make_user()
    with app.app_context():  # another process queues the key first
        queue(db.session.get(type(user), user.id), "race")
        db.session.commit()
    mine = queue(user, "mine")
    # Our SELECT "missed" the other row: only the unique index notices.
    monkeypatch.setattr(outbox, "already_queued", lambda key: False)
    assert queue(user, "race") is None
    assert mine in db.session  # the SAVEPOINT rolled back only the duplicate
    db.session.commit()
    assert sorted(m.dedupe_key for m in messages()) == ["mine", "race"]


def test_inactive_users_and_users_without_address_get_nothing(app, make_user, probe_templates):
    assert queue(make_user(active=False), "x") is None
    assert queue(make_user(email=""), "y") is None
    assert messages() == []


@pytest.mark.parametrize(
    ("locale", "word", "weekday"), [("id", "Papan", "Senin"), ("en", "Board", "Monday")]
)
def test_rendered_in_the_recipients_language(app, make_user, probe_templates, locale, word,
                                             weekday):
    user = make_user(locale=locale, name="Siti")
    message = queue(user, subject="Line one\nline two")
    assert message.subject == "Line one line two"  # no header injection
    assert f"{word}: {weekday}" in message.text_body
    assert "Tom & Jerry <b>" in message.text_body  # plain text is not HTML-escaped
    assert f'<html lang="{locale}">' in message.html_body
    assert f"{word}: {weekday}" in message.html_body
    assert "Tom &amp; Jerry &lt;b&gt;" in message.html_body
    assert 'href="http://127.0.0.1:5000/board/"' in message.html_body  # absolute links
    assert "max-width:640px" in message.html_body
    assert "unsubscribe" not in message.html_body.lower()
    assert message.headers == {}


def test_unsubscribe_link_and_headers(app, make_user, probe_templates):
    app.config["BASE_URL"] = "https://quickwin.example.go.id"
    user = make_user()
    message = queue(user, unsubscribe="digest")
    url = message.headers["List-Unsubscribe"].strip("<>")
    assert url.startswith("https://quickwin.example.go.id/preferences/unsubscribe/")
    assert message.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert url in message.text_body and url in message.html_body
    token = urlsplit(url).path.rsplit("/", 1)[1]
    assert read_unsubscribe_token(token) == (user.id, "digest")


def test_unsubscribe_tokens_refuse_tampering(app, make_user):
    user = make_user()
    token = unsubscribe_token(user, "reminders")
    assert read_unsubscribe_token(token) == (user.id, "reminders")
    with pytest.raises(BadSignature):
        read_unsubscribe_token(token[:-2] + ("AA" if token[-2:] != "AA" else "BB"))
    with pytest.raises(BadSignature):
        read_unsubscribe_token("not-a-token")
    app.config["SECRET_KEY"] = "another-key"
    with pytest.raises(BadSignature):
        read_unsubscribe_token(token)
    with pytest.raises(ValueError):
        unsubscribe_token(user, "everything")


# --------------------------------------------------------------------------- delivery


def test_delivered_to_a_real_smtp_server(app, make_user, probe_templates, smtp_server):
    smtp_server.configure(app)
    app.config.update(MAIL_FROM="Quick-Win Tracker <quickwin@balikpapan.go.id>",
                      MAIL_REPLY_TO="smartcity@balikpapan.go.id")
    user = make_user(locale="en", name="Siti")
    queue(user, "digest:7:2026-W49", subject="Your week", unsubscribe="digest")
    db.session.commit()

    report = deliver_outbox(now=NOW)
    assert (report.sent, report.failed, report.retried, report.skipped_reason) == (1, 0, 0, "")
    assert len(smtp_server.messages) == 1
    assert smtp_server.envelopes == [("quickwin@balikpapan.go.id", [user.email])]
    mail = smtp_server.messages[0]
    assert mail["To"] == user.email
    assert mail["From"] == "Quick-Win Tracker <quickwin@balikpapan.go.id>"
    assert mail["Reply-To"] == "smartcity@balikpapan.go.id"
    assert mail["Subject"] == "Your week"
    assert mail["Message-ID"].endswith("@balikpapan.go.id>")
    assert mail["Date"]
    assert mail["List-Unsubscribe"].startswith("<http://127.0.0.1:5000/preferences/unsubscribe/")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "Board: Monday, November 30, 2026 · Siti · Tom & Jerry <b>" in text
    assert "Tom &amp; Jerry &lt;b&gt;" in html and "Unsubscribe" in html

    (row,) = messages()
    assert (row.status, row.sent_at, row.attempts, row.last_error) == ("sent", NOW, 1, "")
    assert deliver_outbox(now=NOW + timedelta(hours=1)).sent == 0
    assert len(smtp_server.messages) == 1


def test_only_due_messages_oldest_first_and_limit(app, make_user, probe_templates, smtp_server):
    smtp_server.configure(app)
    user = make_user()
    queue(user, "later", now=NOW + timedelta(minutes=5))
    queue(user, "second", now=NOW - timedelta(minutes=1))
    queue(user, "first", now=NOW - timedelta(minutes=2))
    db.session.commit()
    assert deliver_outbox(now=NOW, limit=1).sent == 1
    assert deliver_outbox(now=NOW).sent == 1
    assert [m["To"] for m in smtp_server.messages] == [user.email] * 2
    assert {m.dedupe_key: m.status for m in messages()} == {
        "later": "queued", "second": "sent", "first": "sent"}
    sent_order = sorted((m for m in messages() if m.sent_at), key=lambda m: m.id)
    assert [m.dedupe_key for m in sent_order] == ["second", "first"]  # ids: queue order


def test_smtp_down_then_up_retries_with_backoff_and_delivers_once(
    app, make_user, probe_templates, smtp_server
):
    smtp_server.configure(app)
    users = [make_user(), make_user()]
    for n, user in enumerate(users):
        queue(user, f"reminder:{n}")
    db.session.commit()
    smtp_server.stop()

    report = deliver_outbox(now=NOW)
    assert (report.sent, report.retried, report.failed) == (0, 2, 0)  # one attempt each
    for row in messages():
        assert (row.status, row.attempts) == ("queued", 1)
        assert row.next_attempt_at == NOW + timedelta(minutes=1)
        assert row.last_error  # e.g. "[Errno 111] Connection refused"

    assert deliver_outbox(now=NOW + timedelta(seconds=30)).retried == 0  # not due yet
    second = NOW + timedelta(minutes=1)
    assert deliver_outbox(now=second).retried == 2
    assert {(r.attempts, r.next_attempt_at) for r in messages()} == {
        (2, second + timedelta(minutes=5))}

    smtp_server.start()
    report = deliver_outbox(now=second + timedelta(minutes=5))
    assert (report.sent, report.retried) == (2, 0)
    assert deliver_outbox(now=second + timedelta(hours=1)).sent == 0
    assert sorted(m["To"] for m in smtp_server.messages) == sorted(u.email for u in users)
    assert {(r.status, r.attempts) for r in messages()} == {("sent", 3)}
    assert all(r.last_error for r in messages())  # why it took three attempts


def test_failed_after_max_attempts_keeps_the_error_and_can_be_resent(
    app, make_user, probe_templates, smtp_server
):
    smtp_server.configure(app)
    app.config["MAIL_MAX_ATTEMPTS"] = 3
    queue(make_user(), "k")
    db.session.commit()
    smtp_server.stop()
    now = NOW
    for attempt in (1, 2):
        assert deliver_outbox(now=now).retried == 1
        (row,) = messages()
        assert (row.status, row.attempts) == ("queued", attempt)
        now = row.next_attempt_at
    report = deliver_outbox(now=now)
    assert (report.failed, report.retried) == (1, 0)
    (row,) = messages()
    assert (row.status, row.attempts) == ("failed", 3)
    assert "refused" in row.last_error.lower() or "errno" in row.last_error.lower()
    assert deliver_outbox(now=now + timedelta(days=2)).failed == 0  # left alone

    smtp_server.start()
    resend(row, now=now + timedelta(days=2))
    db.session.commit()
    (row,) = messages()
    assert (row.status, row.attempts, row.next_attempt_at) == ("queued", 0, now + timedelta(days=2))
    assert deliver_outbox(now=now + timedelta(days=2)).sent == 1
    assert len(smtp_server.messages) == 1
    with pytest.raises(ValueError):
        resend(messages()[0])  # only failed ones


def test_a_refused_recipient_fails_alone(app, make_user, probe_templates, smtp_server):
    smtp_server.configure(app)
    good, bad = make_user(), make_user()
    queue(good, "good")
    queue(bad, "bad")
    db.session.commit()
    bad.email = "no-at-sign"  # the server refuses RCPT TO for it
    db.session.execute(sa.update(OutboxMessage).where(OutboxMessage.dedupe_key == "bad")
                       .values(to_address="bad address@"))
    db.session.commit()
    report = deliver_outbox(now=NOW)
    assert (report.sent, report.retried) == (1, 1)
    assert [m["To"] for m in smtp_server.messages] == [good.email]


def test_starttls_refused_by_the_server_is_a_delivery_failure(app, make_user, probe_templates,
                                                              smtp_server):
    """The test server offers no STARTTLS: we refuse to send in clear rather than downgrade."""
    smtp_server.configure(app)
    app.config["SMTP_SECURITY"] = "starttls"
    queue(make_user(), "k")
    db.session.commit()
    assert deliver_outbox(now=NOW).retried == 1
    (row,) = messages()
    assert "STARTTLS" in row.last_error and smtp_server.messages == []


def test_a_message_locked_by_another_deliverer_is_skipped(app, backend, make_user,
                                                          probe_templates, smtp_server):
    if backend != "postgresql":
        pytest.skip("FOR UPDATE SKIP LOCKED is PostgreSQL's; SQLite serialises writers")
    smtp_server.configure(app)
    queue(make_user(), "busy")
    queue(make_user(), "free")
    db.session.commit()
    with db.engine.connect() as other:  # another process is sending "busy" right now
        other.execute(sa.select(OutboxMessage.id).where(OutboxMessage.dedupe_key == "busy")
                      .with_for_update())
        assert deliver_outbox(now=NOW).sent == 1
        other.rollback()
    assert {m.dedupe_key: m.status for m in messages()} == {"busy": "queued", "free": "sent"}
    assert deliver_outbox(now=NOW).sent == 1
    assert len(smtp_server.messages) == 2


def test_no_smtp_host_leaves_mail_queued(app, make_user, probe_templates):
    app.config["SMTP_HOST"] = ""
    queue(make_user(), "k")
    db.session.commit()
    report = deliver_outbox(now=NOW)
    assert report.skipped_reason == NO_SMTP_HOST == "no SMTP host configured"
    assert (report.sent, report.failed, report.retried) == (0, 0, 0)
    (row,) = messages()
    assert (row.status, row.attempts) == ("queued", 0)
    assert deliver_outbox_job(NOW)["skipped_reason"] == NO_SMTP_HOST


def test_backoff_schedule():
    assert [backoff(n) for n in range(1, 8)] == [
        timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=1),
        timedelta(hours=4), timedelta(hours=12), timedelta(hours=12)]


# --------------------------------------------------------------------------- command line


def test_mail_test_command_sends_through_the_outbox(app, runner, make_user, smtp_server):
    smtp_server.configure(app)
    result = runner.invoke(args=["mail", "test", "--to", "Ops@Example.org"])
    assert result.exit_code == 0, result.output
    assert "Sent a test email to ops@example.org" in result.output
    (mail,) = smtp_server.messages
    assert mail["To"] == "ops@example.org"
    assert "email uji coba" in mail.get_body(("plain",)).get_content()  # recipient: no account, Indonesian
    (row,) = messages()
    assert (row.kind, row.status) == ("test", "sent")


def test_mail_test_command_fails_clearly_without_smtp_host(app, runner):
    app.config["SMTP_HOST"] = ""
    result = runner.invoke(args=["mail", "test", "--to", "ops@example.org"])
    assert result.exit_code != 0
    assert "no SMTP host configured" in result.output
    assert messages() == []


def test_mail_test_command_reports_an_unreachable_server(app, runner, smtp_server):
    smtp_server.configure(app)
    smtp_server.stop()
    result = runner.invoke(args=["mail", "test", "--to", "ops@example.org"])
    assert result.exit_code != 0
    assert "was not sent" in result.output
    (row,) = messages()
    assert (row.status, row.attempts) == ("queued", 1)


def test_outbox_deliver_command(app, runner, make_user, probe_templates, smtp_server):
    app.config["SMTP_HOST"] = ""
    queue(make_user(), "k", now=datetime(2020, 1, 1, tzinfo=UTC))  # due whatever the clock
    db.session.commit()
    result = runner.invoke(args=["outbox", "deliver"])
    assert result.exit_code == 0 and "Nothing sent: no SMTP host configured" in result.output
    smtp_server.configure(app)
    result = runner.invoke(args=["outbox", "deliver"])
    assert result.exit_code == 0, result.output
    assert "Sent 1, failed for good 0, to retry 0." in result.output
    assert len(smtp_server.messages) == 1
