"""Reminder and nudge emails: who gets what, when (in the city's local days), exactly once.

Every job is called with an explicit ``now``; delivery goes through the real outbox to a real SMTP
server on 127.0.0.1 (``smtp_server``) where the content matters.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from quickwin_tracker.domain import activity
from quickwin_tracker.domain.clock import local_today
from quickwin_tracker.extensions import db
from quickwin_tracker.mail.outbox import deliver_outbox
from quickwin_tracker.mail.planning import render_plan
from quickwin_tracker.models import (
    Comment,
    Indicator,
    Measurement,
    Milestone,
    Notification,
    OutboxMessage,
)
from quickwin_tracker.reminders import jobs, services

BASE = "https://quickwin.example.go.id"


@pytest.fixture
def app_config():
    return {"BASE_URL": BASE}


def at(year, month, day, hour=0, minute=0, tz="Asia/Makassar") -> datetime:
    """A local wall-clock time in ``tz``, as the aware UTC instant the jobs receive."""
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(tz)).astimezone(UTC)


def add_milestone(initiative, title, due, responsible=None, done_on=None):
    milestone = Milestone(initiative=initiative, title=title, due_date=due,
                          responsible=responsible, done_on=done_on)
    db.session.add(milestone)
    db.session.commit()
    return milestone


def outbox(kind=None):
    stmt = sa.select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        stmt = stmt.where(OutboxMessage.kind == kind)
    return list(db.session.scalars(stmt))


def deliver(smtp_server, app, now):
    smtp_server.configure(app)
    db.session.commit()
    report = deliver_outbox(now=now)
    assert report.failed == 0 and report.retried == 0
    return report


def bodies(message):
    """(text, html) of a delivered message, parsed back."""
    return (message.get_body(("plain",)).get_content().replace("\r\n", "\n"),
            message.get_body(("html",)).get_content().replace("\r\n", "\n"))


def by_recipient(messages):
    return {m["To"]: m for m in messages}


@pytest.fixture
def recipients(make_unit, make_user):
    """The people of one unit reminders are about: an owner, someone doing a milestone, one who
    turned reminders off, and one who left."""
    unit = make_unit("DISKOMINFO", "Dinas Komunikasi dan Informatika")
    return {
        "unit": unit,
        "owner": make_user("staff", unit, name="Owner Olivia", email="olivia@example.go.id",
                           locale="en"),
        "doer": make_user("staff", unit, name="Doer Dewi", email="dewi@example.go.id",
                          locale="en"),
        "quiet": make_user("staff", unit, name="Quiet Quinn", email="quinn@example.go.id",
                           locale="en", reminders_enabled=False),
        "gone": make_user("staff", unit, name="Gone Gita", email="gita@example.go.id",
                          locale="en", active=False),
    }


# --------------------------------------------------------------------------- milestones


def test_one_email_per_person_listing_all_their_milestones(app, recipients, make_initiative,
                                                          smtp_server):
    now = at(2026, 11, 23, 7, 0)  # Monday 07:00 WITA
    today = date(2026, 11, 23)
    owner, doer = recipients["owner"], recipients["doer"]
    portal = make_initiative(recipients["unit"], stage="in_progress", title="Portal Layanan",
                             owner=owner)
    archived = make_initiative(recipients["unit"], stage="in_progress", title="Old Archived",
                               owner=owner, archived=True)
    add_milestone(portal, "Pilot in two kelurahan", today + timedelta(days=3), responsible=doer)
    add_milestone(portal, "Sign the MoU", today, responsible=owner)
    add_milestone(portal, "Train the clerks", today - timedelta(days=2), responsible=doer)
    add_milestone(portal, "Launch event", today + timedelta(days=5), responsible=doer)  # too far
    add_milestone(portal, "Buy servers", today - timedelta(days=9), responsible=doer,
                  done_on=today - timedelta(days=10))  # done
    add_milestone(portal, "Ask quiet Quinn", today + timedelta(days=1), responsible=recipients["quiet"])
    add_milestone(portal, "Ask gone Gita", today + timedelta(days=1), responsible=recipients["gone"])
    add_milestone(archived, "Never mind", today, responsible=doer)

    counts = jobs.send_milestone_reminders(now)
    assert counts == {"due": 2, "queued": 2, "already_queued": 0, "overdue_events": 0}
    deliver(smtp_server, app, now)

    messages = by_recipient(smtp_server.messages)
    assert set(messages) == {"olivia@example.go.id", "dewi@example.go.id"}
    # The owner hears about every open milestone of her initiative within 3 days or overdue.
    olivia = messages["olivia@example.go.id"]
    assert olivia["Subject"] == "5 milestones need attention"
    text, html = bodies(olivia)
    for title in ("Pilot in two kelurahan", "Sign the MoU", "Train the clerks", "Ask quiet Quinn",
                  "Ask gone Gita"):
        assert title in text and title in html
    for absent in ("Launch event", "Buy servers", "Never mind", "Old Archived"):
        assert absent not in text and absent not in html
    assert "due in 3 days" in text and "due today" in text and "2 days overdue" in text
    assert "you are responsible and own the initiative" in text  # Sign the MoU
    assert f"{BASE}/initiatives/{portal.id}#milestones" in text
    assert f'href="{BASE}/initiatives/{portal.id}#milestones"' in html
    assert f"{BASE}/preferences/" in text
    assert olivia["List-Unsubscribe"].startswith(f"<{BASE}/preferences/unsubscribe/")
    # The responsible person hears about hers only.
    dewi = messages["dewi@example.go.id"]
    assert dewi["Subject"] == "2 milestones need attention"
    text, html = bodies(dewi)
    assert "Pilot in two kelurahan" in text and "Train the clerks" in text
    assert "Sign the MoU" not in text and "Sign the MoU" not in html
    assert text.index("Train the clerks") < text.index("Pilot in two kelurahan")  # overdue first

    # Later the same local day: nothing new; the next day: a new reminder.
    assert jobs.send_milestone_reminders(now + timedelta(hours=10))["queued"] == 0
    assert len(outbox("reminder")) == 2
    assert {m.dedupe_key for m in outbox("reminder")} == {
        f"reminder:{owner.id}:2026-11-23", f"reminder:{doer.id}:2026-11-23"}
    assert jobs.send_milestone_reminders(now + timedelta(days=1))["queued"] == 2


@pytest.mark.parametrize("tz, day", [
    ("Asia/Makassar", date(2026, 11, 26)),
    # The US switched to daylight saving time on 8 March 2026: the boundary must still hold.
    ("America/New_York", date(2026, 3, 11)),
])
def test_due_in_3_days_counts_local_midnights(app, recipients, make_initiative, tz, day):
    app.config["TIMEZONE"] = tz
    owner = recipients["owner"]
    initiative = make_initiative(recipients["unit"], stage="in_progress", owner=owner)
    add_milestone(initiative, "Go live", day)

    def days_in_reminder(now):
        plans = services.plan_milestone_reminders(now)
        assert all(p.to.id == owner.id for p in plans)
        return [item.days for p in plans for item in p.context["upcoming"]]

    d3, d4 = day - timedelta(days=3), day - timedelta(days=4)
    # 23:30 four local days before: "due in 4 days", beyond the 3-day lead time.
    assert days_in_reminder(at(d4.year, d4.month, d4.day, 23, 30, tz)) == []
    # One hour later it is the next local day: "due in 3 days".
    now = at(d3.year, d3.month, d3.day, 0, 30, tz)
    assert days_in_reminder(now) == [3]
    assert days_in_reminder(at(d3.year, d3.month, d3.day, 23, 30, tz)) == [3]
    assert days_in_reminder(at(day.year, day.month, day.day, 0, 30, tz) - timedelta(hours=1)) \
        == [1]
    plan = services.plan_milestone_reminders(now)[0]
    assert plan.dedupe_key == f"reminder:{owner.id}:{d3.isoformat()}"
    text = render_plan(plan).text
    assert "due in 3 days" in text


def test_each_person_chooses_the_lead_time(app, recipients, make_initiative):
    now = at(2026, 11, 23, 7, 0)
    recipients["owner"].reminder_lead_days = 7
    db.session.commit()
    initiative = make_initiative(recipients["unit"], stage="in_progress", owner=recipients["owner"])
    add_milestone(initiative, "Six days out", date(2026, 11, 29), responsible=recipients["doer"])
    plans = {p.to.id: p for p in services.plan_milestone_reminders(now)}
    assert set(plans) == {recipients["owner"].id}  # the responsible keeps the default 3 days
    assert [i.days for i in plans[recipients["owner"].id].context["upcoming"]] == [6]


def test_config_lead_time_is_the_fallback(app, recipients, make_initiative):
    app.config["REMINDER_LEAD_DAYS"] = 5
    recipients["owner"].reminder_lead_days = 0  # invalid (the form refuses it): the fallback applies
    db.session.commit()
    initiative = make_initiative(recipients["unit"], stage="in_progress", owner=recipients["owner"])
    add_milestone(initiative, "Five days out", date(2026, 11, 28))
    assert services.lead_days(recipients["owner"]) == 5
    assert len(services.plan_milestone_reminders(at(2026, 11, 23, 7))) == 1


# --------------------------------------------------------------------------- stale


def test_stale_nudge_once_per_spell_from_the_last_activity(app, recipients, make_initiative,
                                                          smtp_server):
    owner = recipients["owner"]
    stuck = make_initiative(recipients["unit"], stage="in_progress", title="Stuck Portal", owner=owner,
                            created_at=at(2026, 10, 1, 9))
    activity.record(owner, "updated", stuck, now=at(2026, 11, 1, 10, 0), changes={})
    # Not nudged: rolled out (final stage), archived, or owned by someone with reminders off.
    make_initiative(recipients["unit"], stage="rolled_out", owner=owner, created_at=at(2026, 1, 1))
    make_initiative(recipients["unit"], stage="pilot", owner=owner, archived=True,
                    created_at=at(2026, 1, 1))
    make_initiative(recipients["unit"], stage="pilot", owner=recipients["quiet"], created_at=at(2026, 1, 1))
    db.session.commit()

    # 20 local days after the last activity: not yet; 21 days (one hour later): nudged.
    assert jobs.send_stale_nudges(at(2026, 11, 21, 23, 30))["due"] == 0
    now = at(2026, 11, 22, 0, 30)
    assert jobs.send_stale_nudges(now) == {"due": 1, "queued": 1, "already_queued": 0}
    assert jobs.send_stale_nudges(now + timedelta(days=3)) == {"due": 1, "queued": 0,
                                                               "already_queued": 1}
    [message] = outbox("stale_nudge")
    assert message.dedupe_key == f"stale:{stuck.id}:2026-11-01"
    deliver(smtp_server, app, now)
    [email] = smtp_server.messages
    assert email["To"] == owner.email
    assert email["Subject"] == "“Stuck Portal” has had no activity for 21 days"
    text, html = bodies(email)
    assert "November 1, 2026" in text and "In progress" in text
    assert f"{BASE}/initiatives/{stuck.id}" in text and f"{BASE}/initiatives/{stuck.id}" in html

    # Activity ends the spell; a new quiet spell gets a new nudge.
    activity.record(owner, "commented", stuck, now=at(2026, 11, 25, 8, 0))
    db.session.commit()
    assert jobs.send_stale_nudges(at(2026, 12, 15, 23, 0))["due"] == 0
    assert jobs.send_stale_nudges(at(2026, 12, 16, 7, 0))["queued"] == 1
    assert outbox("stale_nudge")[-1].dedupe_key == f"stale:{stuck.id}:2026-11-25"


def test_never_touched_initiative_counts_from_its_creation(app, recipients, make_initiative):
    app.config["STALE_DAYS"] = 10
    make_initiative(recipients["unit"], stage="proposed", owner=recipients["owner"],
                    created_at=at(2026, 11, 1, 12))
    assert services.plan_stale_nudges(at(2026, 11, 10, 23, 59)) == []
    [plan] = services.plan_stale_nudges(at(2026, 11, 11, 0, 1))
    assert plan.context["item"].idle_days == 10


# --------------------------------------------------------------------------- follow-ups


def test_followup_three_and_six_months_after_rollout(app, recipients, make_initiative, smtp_server):
    owner = recipients["owner"]
    launched = make_initiative(recipients["unit"], stage="rolled_out", title="E-KTP Online",
                               owner=owner, stage_entered_at=at(2026, 5, 31, 10, 0))
    db.session.add(Indicator(initiative_id=launched.id, name="Applications online", baseline=0,
                             target=100))
    db.session.commit()

    assert services.plan_followups(at(2026, 8, 30, 23, 30)) == []  # the day before
    now = at(2026, 8, 31, 0, 30)  # 31 May + 3 months, local
    assert jobs.send_followup_reminders(now) == {"due": 1, "queued": 1, "already_queued": 0}
    assert jobs.send_followup_reminders(at(2026, 9, 14, 7))["queued"] == 0  # within 14 days
    assert services.plan_followups(at(2026, 9, 15, 0, 30)) == []  # the window has passed
    # 31 May + 6 months is 30 November (no 31st).
    assert services.plan_followups(at(2026, 11, 29, 23, 30)) == []
    assert jobs.send_followup_reminders(at(2026, 11, 30, 0, 30))["queued"] == 1
    assert [m.dedupe_key for m in outbox("followup")] == [
        f"followup:{launched.id}:3", f"followup:{launched.id}:6"]

    deliver(smtp_server, app, at(2026, 11, 30, 1, 0))
    first, second = smtp_server.messages
    assert first["Subject"] == ("3 months since “E-KTP Online” rolled out: time to measure its "
                                "outcome")
    assert second["Subject"].startswith("6 months since “E-KTP Online”")
    text, html = bodies(first)
    assert "May 31, 2026" in text
    assert "Applications online" in text and "Applications online" in html
    assert f"{BASE}/initiatives/{launched.id}#outcomes" in text


def test_followups_count_from_the_rollout_not_from_a_post_rollout_stage(app, recipients,
                                                                       make_initiative):
    """A stage after the rollout stage (issue 10) still counts as rolled out: moving on into it
    neither restarts the follow-up clock nor makes the quick win "stale" work."""
    from quickwin_tracker.admin.services import create_stage

    evaluated = create_stage("evaluated", "Evaluasi", "Evaluated", None)
    launched = make_initiative(recipients["unit"], stage="rolled_out", title="E-KTP Online",
                               owner=recipients["owner"], stage_entered_at=at(2026, 5, 31, 10, 0))
    activity.record(recipients["owner"], "moved", launched, now=at(2026, 5, 31, 10, 0),
                    from_stage="pilot", to_stage="rolled_out")
    activity.record(recipients["owner"], "moved", launched, now=at(2026, 7, 20, 10, 0),
                    from_stage="rolled_out", to_stage="evaluated")
    launched.stage, launched.stage_entered_at = evaluated, at(2026, 7, 20, 10, 0)
    db.session.commit()

    [plan] = services.plan_followups(at(2026, 8, 31, 0, 30))  # 31 May + 3 months
    assert plan.context["item"].rolled_out_on == date(2026, 5, 31)
    assert services.plan_followups(at(2026, 10, 20, 0, 30)) == []  # not 20 July + 3 months
    assert services.stale_initiatives(at(2026, 12, 1, 8)) == []


def test_followup_months_are_configurable(app, recipients, make_initiative):
    app.config["FOLLOWUP_MONTHS"] = (1,)
    make_initiative(recipients["unit"], stage="rolled_out", owner=recipients["owner"],
                    stage_entered_at=at(2026, 10, 15, 10))
    [plan] = services.plan_followups(at(2026, 11, 15, 8))
    assert plan.dedupe_key.endswith(":1")
    assert services.plan_followups(at(2027, 1, 15, 8)) == []  # no 3 or 6 any more


# --------------------------------------------------------------------------- measurements


def test_measurement_nudge_after_30_quiet_days(app, recipients, make_initiative, smtp_server):
    owner = recipients["owner"]
    approved = make_initiative(recipients["unit"], stage="approved", title="Wi-Fi Taman", owner=owner)
    indicator = Indicator(initiative_id=approved.id, name="Daily users", baseline=0, target=1000,
                          created_at=at(2026, 10, 1, 9))
    proposal = make_initiative(recipients["unit"], stage="proposed", owner=owner)
    db.session.add_all([indicator, Indicator(initiative_id=proposal.id, name="Not yet",
                                             created_at=at(2026, 1, 1))])
    db.session.commit()

    assert services.plan_measurement_nudges(at(2026, 10, 30, 23, 30)) == []  # 29 days
    now = at(2026, 10, 31, 0, 30)  # 30 local days after its creation
    assert jobs.send_measurement_nudges(now) == {"due": 1, "queued": 1, "already_queued": 0}
    assert jobs.send_measurement_nudges(now + timedelta(days=2))["queued"] == 0
    deliver(smtp_server, app, now)
    [email] = smtp_server.messages
    assert email["To"] == owner.email
    assert email["Subject"] == "No measurement of “Daily users” for 30 days"
    text, html = bodies(email)
    assert "has not been measured since it was added on October 1, 2026" in text
    assert f"{BASE}/initiatives/{approved.id}#indicator-{indicator.id}" in html

    # A measurement restarts the count; a returned one does not.
    db.session.add_all([
        Measurement(indicator=indicator, value=120, measured_on=date(2026, 11, 5),
                    status="submitted"),
        Measurement(indicator=indicator, value=999, measured_on=date(2026, 11, 20),
                    status="returned"),
    ])
    db.session.commit()
    assert services.plan_measurement_nudges(at(2026, 12, 4, 23, 30)) == []
    [plan] = services.plan_measurement_nudges(at(2026, 12, 5, 0, 30))
    assert plan.dedupe_key == f"measure:{indicator.id}:2026-11-05"
    assert "was last measured on November 5, 2026, 30 days ago" in render_plan(plan).text


# --------------------------------------------------------------------------- mentions


def test_mention_email_sent_once(app, recipients, make_initiative, make_user, smtp_server):
    owner, doer = recipients["owner"], recipients["doer"]
    initiative = make_initiative(recipients["unit"], title="Portal Layanan", owner=owner)
    now = at(2026, 11, 23, 9, 0)
    comment = Comment(initiative=initiative, author=owner, body="@dewi can you check the\nMoU?",
                      created_at=now - timedelta(minutes=1))
    db.session.add(comment)
    db.session.flush()
    wanted = Notification(user=doer, kind="mention", initiative=initiative, comment=comment,
                          actor=owner, created_at=now - timedelta(minutes=1))
    quiet = Notification(user=recipients["quiet"], kind="mention", initiative=initiative,
                         comment=comment, actor=owner, created_at=now - timedelta(minutes=1))
    seen = Notification(user=make_user("staff", recipients["unit"], locale="en"), kind="mention",
                        initiative=initiative, comment=comment, actor=owner,
                        created_at=now - timedelta(minutes=1), read_at=now)
    db.session.add_all([wanted, quiet, seen])
    db.session.commit()

    assert jobs.send_mention_emails(now) == {"due": 1, "queued": 1, "already_queued": 0}
    db.session.commit()
    assert wanted.emailed_at == now
    assert quiet.emailed_at is None and seen.emailed_at is None
    assert jobs.send_mention_emails(now + timedelta(minutes=1))["due"] == 0
    [message] = outbox("mention")
    assert message.dedupe_key == f"mention:{wanted.id}"

    deliver(smtp_server, app, now)
    [email] = smtp_server.messages
    assert email["To"] == doer.email
    assert email["Subject"] == "Owner Olivia mentioned you on “Portal Layanan”"
    text, html = bodies(email)
    assert "> @dewi can you check the\n> MoU?" in text
    assert "can you check the" in html
    assert f"{BASE}/initiatives/{initiative.id}#comment-{comment.id}" in text


def test_old_unmailed_mentions_are_left_to_the_app(app, recipients, make_initiative):
    initiative = make_initiative(recipients["unit"], owner=recipients["owner"])
    now = at(2026, 11, 23, 9, 0)
    db.session.add(Notification(user=recipients["doer"], kind="mention", initiative=initiative,
                                actor=recipients["owner"], created_at=now - timedelta(days=3)))
    db.session.commit()
    assert services.plan_mention_emails(now) == []


# --------------------------------------------------------------------------- CLI


def test_reminders_run_dry_run_queues_nothing(app, recipients, make_initiative, runner):
    initiative = make_initiative(recipients["unit"], stage="in_progress", title="Portal Layanan",
                                 owner=recipients["owner"])
    add_milestone(initiative, "Due tomorrow", local_today() + timedelta(days=1))
    result = runner.invoke(args=["reminders", "run", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "== milestone reminders: 1 to send" in result.output
    assert "To: Owner Olivia <olivia@example.go.id> · 1 milestone needs attention" in result.output
    assert "Due tomorrow" in result.output and "due in 1 day" in result.output
    assert "nothing was queued" in result.output
    assert outbox() == []


def test_reminders_run_queues_and_delivers(app, recipients, make_initiative, runner, smtp_server):
    initiative = make_initiative(recipients["unit"], stage="in_progress", owner=recipients["owner"])
    add_milestone(initiative, "Due tomorrow", local_today() + timedelta(days=1))
    result = runner.invoke(args=["reminders", "run"])
    assert result.exit_code == 0, result.output
    assert "milestone reminders: queued 1" in result.output
    assert "No SMTP host configured" in result.output
    assert len(outbox("reminder")) == 1 and smtp_server.messages == []

    smtp_server.configure(app)
    result = runner.invoke(args=["reminders", "run"])
    assert "milestone reminders: queued 0 (1 already queued)" in result.output
    assert "Delivered the outbox via 127.0.0.1: sent 1" in result.output
    assert [m["To"] for m in smtp_server.messages] == [recipients["owner"].email]
