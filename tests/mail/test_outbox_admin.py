"""The admin outbox page: who may see it, filters, the detail view, resending a failed email."""

from __future__ import annotations

import html
import pathlib
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from quickwin_tracker.extensions import db
from quickwin_tracker.mail.views import KIND_LABELS
from quickwin_tracker.models import OutboxMessage

NOW = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)  # in the past: a resend is due "now"


@pytest.fixture
def sign_in_as(auth, make_user):
    """``sign_in_as(role)``: the client, signed in as a new English-reading user of ``role``."""
    def sign_in(role: str):
        return auth.sign_in(make_user(role, locale="en"))

    return sign_in


@pytest.fixture
def make_message(app):
    def make(key: str, *, status: str = "queued", kind: str = "digest", minutes: int = 0,
             **kw) -> OutboxMessage:
        created = NOW + timedelta(minutes=minutes)
        kw.setdefault("html_body", '<p>Halo <script>alert("x")</script></p>')
        kw.setdefault("headers", {})
        message = OutboxMessage(
            kind=kind, dedupe_key=key, to_address=f"{key.replace(':', '.')}@example.go.id",
            subject=f"Subject {key}", text_body=f"Text of {key}", status=status,
            attempts=8 if status == "failed" else 0,
            last_error="Connection refused" if status == "failed" else "",
            next_attempt_at=created, created_at=created,
            sent_at=created if status == "sent" else None, **kw)
        db.session.add(message)
        db.session.commit()
        return message

    return make


def test_anonymous_visitors_are_sent_to_sign_in(client, make_message):
    message = make_message("a")
    assert client.get("/admin/outbox").status_code == 302
    assert client.get(f"/admin/outbox/{message.id}").status_code == 302
    assert client.post(f"/admin/outbox/{message.id}/resend").status_code == 302


@pytest.mark.parametrize("role", ["staff", "manager", "reviewer"])
def test_only_administrators_see_the_outbox(sign_in_as, make_message, role):
    message = make_message("a", status="failed")
    client = sign_in_as(role)
    assert client.get("/admin/outbox").status_code == 403
    assert client.get(f"/admin/outbox/{message.id}").status_code == 403
    assert client.post(f"/admin/outbox/{message.id}/resend").status_code == 403
    db.session.expire_all()
    assert db.session.get(OutboxMessage, message.id).status == "failed"
    assert "/admin/outbox" not in client.get("/board/").text


def test_the_list_is_newest_first_and_filters_by_status_and_kind(sign_in_as, make_message):
    make_message("old", minutes=0, status="sent")
    make_message("mid", minutes=1, status="failed", kind="reminder")
    make_message("new", minutes=2)
    client = sign_in_as("admin")
    page = client.get("/admin/outbox")
    assert page.status_code == 200
    text = page.text
    assert text.index("Subject new") < text.index("Subject mid") < text.index("Subject old")
    assert "3 emails" in text and "Connection refused" in text
    assert 'href="/admin/outbox"' in client.get("/admin/users").text  # in the admin menu

    failed = client.get("/admin/outbox?status=failed").text
    assert "Subject mid" in failed and "Subject new" not in failed and "Subject old" not in failed
    digests = client.get("/admin/outbox?kind=digest").text
    assert "Subject new" in digests and "Subject old" in digests and "Subject mid" not in digests
    both = client.get("/admin/outbox?kind=digest&status=sent").text
    assert "Subject old" in both and "Subject new" not in both
    assert "No email matches these filters." in client.get("/admin/outbox?kind=nothing").text
    assert client.get("/admin/outbox?status=bogus").status_code == 400


def test_the_list_is_paginated(sign_in_as, make_message):
    for n in range(55):
        make_message(f"m{n:02d}", minutes=n)
    client = sign_in_as("admin")
    first = client.get("/admin/outbox?status=queued").text
    assert "Subject m54" in first and "Subject m04" not in first
    assert "Page 1 of 2" in first and "page=2" in first and "status=queued" in first
    second = client.get("/admin/outbox?status=queued&page=2").text
    assert "Subject m04" in second and "Subject m54" not in second


def test_the_detail_shows_both_bodies_and_never_runs_the_html(sign_in_as, make_message):
    message = make_message("d", status="sent",
                           headers={"List-Unsubscribe": "<https://x/preferences/unsubscribe/t>"})
    page = sign_in_as("admin").get(f"/admin/outbox/{message.id}").text
    assert "Text of d" in page and "List-Unsubscribe" in page
    assert "<script>alert" not in page  # escaped into the sandboxed iframe's srcdoc
    assert 'sandbox srcdoc="' in page
    srcdoc = page.split('srcdoc="', 1)[1].split('"', 1)[0]
    assert html.unescape(srcdoc) == message.html_body
    assert "Send again" not in page  # sent: nothing to resend


def test_resending_a_failed_email(sign_in_as, make_message):
    failed = make_message("f", status="failed")
    sent = make_message("s", status="sent")
    client = sign_in_as("admin")
    assert "Send again" in client.get(f"/admin/outbox/{failed.id}").text
    response = client.post(f"/admin/outbox/{failed.id}/resend")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/admin/outbox/{failed.id}")
    db.session.expire_all()
    again = db.session.scalar(select(OutboxMessage).where(OutboxMessage.id == failed.id))
    assert (again.status, again.attempts) == ("queued", 0)
    assert again.next_attempt_at > NOW
    assert "is queued again" in client.get(response.headers["Location"]).text
    assert client.post(f"/admin/outbox/{sent.id}/resend").status_code == 409
    assert client.post("/admin/outbox/999999/resend").status_code == 404
    assert client.get("/admin/outbox/999999").status_code == 404


@pytest.mark.parametrize(("locale", "digest", "reminder"), [
    ("en", "weekly digest", "milestone reminder"),
    ("id", "ringkasan mingguan", "pengingat tonggak capaian"),
])
def test_kinds_are_shown_in_words(auth, make_user, make_message, locale, digest, reminder):
    """The list, its kind filter and the detail name each kind in the reader's language; the
    filter still sends the stored kind."""
    make_message("a")
    message = make_message("b", kind="reminder")
    make_message("c", kind="something_new")
    client = auth.sign_in(make_user("admin", locale=locale))
    text = client.get("/admin/outbox").text
    assert f"<td>{digest}</td>" in text and f"<td>{reminder}</td>" in text
    assert f'<option value="reminder">{reminder}</option>' in text
    assert "<td>something_new</td>" in text  # an unknown kind shows as stored
    assert f"<dd>{reminder}</dd>" in client.get(f"/admin/outbox/{message.id}").text


def test_every_kind_queued_by_the_app_has_words():
    """A new kind of email needs its label in ``KIND_LABELS``."""
    package = pathlib.Path(__file__).parents[2] / "quickwin_tracker"
    source = "\n".join(p.read_text() for p in package.rglob("*.py"))
    kinds = set(re.findall(r'(?<!\w)kind="([a-z_]+)"', source)) | set(
        re.findall(r'_email\(\s*"([a-z_]+)"', source))
    kinds -= {"manager", "reviewer"}  # (a digest's audience, not an email kind)
    assert kinds <= set(KIND_LABELS), kinds - set(KIND_LABELS)
