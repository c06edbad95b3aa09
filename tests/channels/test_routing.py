"""Per-kind routing (email only, Telegram only, both) through the real features that decide to
tell someone: mentions, milestone reminders, progress update reminders, the weekly digest and
review decisions. Each Telegram message is short, in the recipient's language, and ends with
one link back to the app; it reaches the local Bot API server once."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from quickwin_tracker.channels.telegram import deliver_telegram
from quickwin_tracker.digests import jobs as digest_jobs
from quickwin_tracker.domain.clock import local_today
from quickwin_tracker.extensions import db
from quickwin_tracker.models import Comment, Milestone, Notification, OutboxMessage
from quickwin_tracker.reminders import jobs as reminder_jobs
from quickwin_tracker.review.cycle import record_decision, start_review
from quickwin_tracker.review.periods import preset
from quickwin_tracker.updates.reminders import send_update_reminders
from tests.channels.conftest import NOW

CHAT = 8080


def rows(kind: str) -> dict[str, list[OutboxMessage]]:
    db.session.expire_all()
    found: dict[str, list[OutboxMessage]] = {"email": [], "telegram": []}
    for message in db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == kind)
                                      .order_by(OutboxMessage.id)):
        found[message.channel].append(message)
    return found


def person(make_user, choice: dict | None = None, linked: bool = True, **kw):
    extra = {"telegram_chat_id": CHAT, "telegram_linked_at": NOW} if linked else {}
    return make_user(notification_channels=choice or {}, **extra, **kw)


def mention(make_initiative, author, user, now=NOW, title="Antrean online",
            body="@budi tolong cek MoU <penting>"):
    initiative = make_initiative(user.unit, title=title, owner=author)
    comment = Comment(initiative=initiative, author=author, body=body,
                      created_at=now - timedelta(minutes=1))
    db.session.add(comment)
    db.session.flush()
    db.session.add(Notification(user=user, kind="mention", initiative=initiative, comment=comment,
                                actor=author, created_at=now - timedelta(minutes=1)))
    db.session.commit()
    reminder_jobs.send_mention_emails(now)
    db.session.commit()
    return initiative, comment


@pytest.mark.parametrize(("choice", "email", "telegram"), [
    (None, 1, 0),  # nothing chosen: email, as before
    ("email", 1, 0),
    ("telegram", 0, 1),
    ("both", 1, 1),
])
def test_mentions_go_where_the_person_chose(make_user, make_initiative, bot, choice, email,
                                           telegram):
    author = make_user(name="Budi")
    user = person(make_user, {"mentions": choice} if choice else None)
    mention(make_initiative, author, user)
    found = rows("mention")
    assert (len(found["email"]), len(found["telegram"])) == (email, telegram)
    if telegram:
        assert found["telegram"][0].dedupe_key == "telegram:" + f"mention:{_notification_id()}"
    deliver_telegram(now=NOW)
    assert len(bot.sent(CHAT)) == telegram


def _notification_id() -> int:
    return db.session.scalar(sa.select(Notification.id))


def test_telegram_chosen_but_not_linked_falls_back_to_email(make_user, make_initiative, bot):
    user = person(make_user, {"mentions": "telegram"}, linked=False)
    mention(make_initiative, make_user(name="Budi"), user)
    found = rows("mention")
    assert (len(found["email"]), len(found["telegram"])) == (1, 0)


def test_without_a_bot_everything_is_email(app, make_user, make_initiative, bot):
    app.config["TELEGRAM_BOT_TOKEN"] = ""
    user = person(make_user, {"mentions": "both"})
    mention(make_initiative, make_user(name="Budi"), user)
    found = rows("mention")
    assert (len(found["email"]), len(found["telegram"])) == (1, 0)


def test_a_mention_in_indonesian(make_user, make_initiative, bot):
    user = person(make_user, {"mentions": "telegram"}, locale="id")
    initiative, comment = mention(make_initiative, make_user(name="Budi"), user)
    (message,) = rows("mention")["telegram"]
    url = f"https://qw.test/initiatives/{initiative.id}#comment-{comment.id}"
    assert message.text_body == (
        "Budi menyebut Anda di “Antrean online”: @budi tolong cek MoU &lt;penting&gt;\n→ " + url)
    assert message.subject == "Budi menyebut Anda di “Antrean online”"
    deliver_telegram(now=NOW)
    assert bot.sent(CHAT)[0]["text"] == message.text_body


def test_a_mention_in_english_cuts_a_long_comment(make_user, make_initiative, bot):
    user = person(make_user, {"mentions": "telegram"}, locale="en")
    mention(make_initiative, make_user(name="Budi"), user, body="word " * 100)
    (message,) = rows("mention")["telegram"]
    first, link = message.text_body.split("\n")
    assert first.startswith("Budi mentioned you on “Antrean online”: word word")
    assert first.endswith("…") and len(first) < 300
    assert link.startswith("→ https://qw.test/initiatives/")


def test_milestone_reminders_list_the_milestones(make_user, make_initiative, bot):
    user = person(make_user, {"milestones": "telegram"}, locale="id", role="staff")
    initiative = make_initiative(user.unit, stage="in_progress", title="Antrean online",
                                 owner=user)
    tomorrow = local_today(NOW) + timedelta(days=1)
    db.session.add(Milestone(initiative=initiative, title="Uji coba loket", due_date=tomorrow))
    db.session.commit()
    reminder_jobs.send_milestone_reminders(NOW)
    db.session.commit()
    found = rows("reminder")
    assert found["email"] == []
    (message,) = found["telegram"]
    lines = message.text_body.split("\n")
    assert lines[0] == "<b>1 tonggak capaian perlu perhatian</b>"
    assert lines[1].startswith("• Uji coba loket (Antrean online): ")
    assert lines[1].endswith(", jatuh tempo dalam 1 hari")
    assert lines[-1] == f"→ https://qw.test/initiatives/{initiative.id}#milestones"
    assert message.dedupe_key == f"telegram:reminder:{user.id}:{tomorrow - timedelta(days=1)}"
    reminder_jobs.send_milestone_reminders(NOW + timedelta(hours=1))  # a rerun: nothing new
    db.session.commit()
    assert len(rows("reminder")["telegram"]) == 1


def test_progress_update_reminders_in_english(make_user, make_initiative, bot):
    created = datetime(2026, 9, 30, 17, 0, tzinfo=UTC)  # due 15 October
    user = person(make_user, {"updates": "both"}, locale="en")
    initiative = make_initiative(user.unit, stage="in_progress", title="Antrean online",
                                 owner=user, created_at=created)
    db.session.commit()
    now = datetime(2026, 10, 14, 23, 0, tzinfo=UTC)  # 15 October, 07:00 in Balikpapan
    send_update_reminders(now)
    db.session.commit()
    found = rows("update_due")
    assert len(found["email"]) == 1
    (message,) = found["telegram"]
    assert message.text_body == (
        "<b>A progress update on “Antrean online” is due</b>\n"
        f"→ https://qw.test/initiatives/{initiative.id}#updates")


def test_the_weekly_digest_is_announced_on_telegram(make_user, make_unit, bot, monkeypatch):
    unit = make_unit("DISHUB", "Dinas Perhubungan")
    user = person(make_user, {"digest": "telegram"}, role="manager", unit=unit, locale="id")
    digest_jobs.send_weekly_digests(NOW)
    db.session.commit()
    found = rows("digest")
    assert found["email"] == []
    (message,) = found["telegram"]
    head, body, link = message.text_body.split("\n")
    assert head == f"<b>{message.subject}</b>"
    assert body.startswith("Ringkasan mingguan Anda sudah siap")
    assert link == "→ https://qw.test/board/"
    assert message.to_user_id == user.id
    built = []
    monkeypatch.setattr(digest_jobs, "plan_digest",
                        lambda *args: built.append(args) or pytest.fail("rebuilt"))
    counts = digest_jobs.send_weekly_digests(NOW + timedelta(hours=1))  # same week
    db.session.commit()
    assert counts == {"recipients": 1, "queued": 0, "already_queued": 1}
    assert built == []  # known to be queued on Telegram: not even built again
    assert len(rows("digest")["telegram"]) == 1


def test_a_review_decision_tells_the_owner(make_user, make_initiative, bot):
    owner = person(make_user, {"reviews": "both"}, locale="id")
    reviewer = make_user("reviewer", name="Rina")
    initiative = make_initiative(owner.unit, stage="in_progress", title="Bank sampah digital",
                                 owner=owner)
    db.session.commit()
    today = local_today(NOW)
    review = start_review(reviewer, preset("month", today), now=NOW)
    record_decision(reviewer, review, initiative, "escalate", "Bawa ke Sekda <segera>", None,
                    now=NOW)
    db.session.commit()
    found = rows("review_decision")
    (email,) = found["email"]
    assert email.subject.startswith("Keputusan tinjauan untuk “Bank sampah digital”: ")
    assert "Bawa ke Sekda" in email.text_body and "Rina" in email.text_body
    (message,) = found["telegram"]
    lines = message.text_body.split("\n")
    assert lines[0].startswith(f"Tinjauan “{review.title}” memutuskan")
    assert "Bank sampah digital" in lines[0]
    assert lines[1] == "Bawa ke Sekda &lt;segera&gt;"
    assert lines[2] == f"→ https://qw.test/initiatives/{initiative.id}"
    # The same decision again records nothing and tells nobody; a changed one is news.
    record_decision(reviewer, review, initiative, "escalate", "Bawa ke Sekda <segera>", None,
                    now=NOW + timedelta(minutes=5))
    db.session.commit()
    assert len(rows("review_decision")["telegram"]) == 1
    record_decision(reviewer, review, initiative, "continue", "", None,
                    now=NOW + timedelta(minutes=10))
    db.session.commit()
    assert len(rows("review_decision")["telegram"]) == 2
    deliver_telegram(now=NOW + timedelta(minutes=10))
    assert len(bot.sent(CHAT)) == 2


def test_a_reviewer_deciding_on_their_own_initiative_is_not_told(make_user, make_initiative,
                                                               bot):
    reviewer = make_user("reviewer", notification_channels={"reviews": "both"})
    initiative = make_initiative(stage="in_progress", owner=reviewer)
    db.session.commit()
    review = start_review(reviewer, preset("month", date(2026, 12, 7)), now=NOW)
    record_decision(reviewer, review, initiative, "continue", "", None, now=NOW)
    db.session.commit()
    assert rows("review_decision") == {"email": [], "telegram": []}
