"""Progress-update reminders (issue 14 item 1): a due update reminds its owner once, a missed one
tells the unit's head once, in the city's days (WITA); posting an update starts a new cycle."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from quickwin_tracker.extensions import db
from quickwin_tracker.models import Notification, OutboxMessage
from quickwin_tracker.scheduler.registry import DAILY, JOBS
from quickwin_tracker.updates.reminders import owed_updates, send_update_reminders
from quickwin_tracker.updates.services import UpdateData, post_update

CREATED = datetime(2026, 9, 30, 17, 0, tzinfo=UTC)  # 1 Oct 01:00 WITA: due 15 Oct


def wita(day: date, hour: int, minute: int = 0) -> datetime:
    """``day`` at ``hour``:``minute`` in Balikpapan (UTC+8)."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC) - timedelta(hours=8)


@pytest.fixture
def initiative(team, make_initiative):
    team.unit.head = team.manager
    initiative = make_initiative(team.unit, stage="in_progress", title="Antrean online",
                                 owner=team.staff, created_at=CREATED)
    db.session.commit()
    return initiative


def sent(kind: str) -> list[OutboxMessage]:
    return list(db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == kind)))


def told(kind: str) -> list[Notification]:
    return list(db.session.scalars(sa.select(Notification).where(Notification.kind == kind)))


def run(now: datetime) -> dict[str, int]:
    counts = send_update_reminders(now)
    db.session.commit()
    return counts


def test_the_job_runs_daily():
    assert JOBS["update_reminders"] == (
        "quickwin_tracker.updates.reminders:send_update_reminders", DAILY)


def test_a_due_update_reminds_the_owner_once_on_the_citys_day(team, initiative):
    assert run(wita(date(2026, 10, 14), 23, 30))["due"] == 0  # not yet the 15th in Balikpapan
    counts = run(wita(date(2026, 10, 15), 0, 10))
    assert counts == {"due": 1, "queued": 1, "already_queued": 0, "notified": 1}
    (email,) = sent("update_due")
    assert email.to_user_id == team.staff.id and "Antrean online" in email.subject
    assert f"/initiatives/{initiative.id}#updates" in email.text_body
    assert "15 Oktober 2026" in email.text_body or "October 15, 2026" in email.text_body
    (notification,) = told("update_due")
    assert (notification.user_id, notification.initiative_id) == (team.staff.id, initiative.id)
    for later in (wita(date(2026, 10, 15), 7), wita(date(2026, 10, 18), 7)):
        assert run(later)["queued"] == 0 and run(later)["notified"] == 0
    assert len(sent("update_due")) == 1 and len(told("update_due")) == 1


def test_a_missed_update_tells_the_head_once_after_the_grace_period(team, initiative):
    run(wita(date(2026, 10, 15), 7))
    assert run(wita(date(2026, 10, 21), 7))["notified"] == 0  # 6 days late: nobody new
    assert sent("update_missed") == []
    counts = run(wita(date(2026, 10, 22), 7))  # 7 days late
    assert counts["queued"] == 1 and counts["notified"] == 1
    (email,) = sent("update_missed")
    assert email.to_user_id == team.manager.id
    (notification,) = told("update_missed")
    assert notification.user_id == team.manager.id
    run(wita(date(2026, 10, 25), 7))
    assert len(sent("update_missed")) == 1 and len(told("update_missed")) == 1


@pytest.mark.parametrize("why", ["no owner", "owner's account closed"])
def test_without_an_owner_the_due_update_falls_to_the_head(team, initiative, why):
    if why == "no owner":
        initiative.owner = None
    else:
        team.staff.active = False
    db.session.commit()
    assert run(wita(date(2026, 10, 15), 7))["notified"] == 1
    (email,) = sent("update_due")
    assert email.to_user_id == team.manager.id
    assert "tidak punya pemilik" in email.text_body and "kepala perangkat daerah Anda diberi" \
        not in email.text_body
    assert run(wita(date(2026, 10, 16), 7))["notified"] == 0  # once per due date
    # After the grace period the head hears that it was missed as well, once.
    assert run(wita(date(2026, 10, 22), 7))["notified"] == 1
    assert [n.user_id for n in told("update_missed")] == [team.manager.id]


def test_posting_an_update_starts_a_new_cycle(team, initiative):
    run(wita(date(2026, 10, 15), 7))
    post_update(team.staff, initiative, UpdateData("at_risk", "Server belum siap."),
                now=wita(date(2026, 10, 16), 9))
    db.session.commit()
    assert run(wita(date(2026, 10, 29), 7))["due"] == 0  # due 30 Oct now
    assert run(wita(date(2026, 10, 30), 7))["queued"] == 1
    assert len(sent("update_due")) == 2 and len(told("update_due")) == 2


def test_rolled_out_and_archived_initiatives_owe_nothing(team, make_initiative, stages):
    make_initiative(team.unit, stage="rolled_out", owner=team.staff, created_at=CREATED)
    make_initiative(team.unit, stage="pilot", owner=team.staff, created_at=CREATED, archived=True)
    assert owed_updates(wita(date(2026, 12, 1), 7)) == []


def test_a_stage_sets_its_own_cadence(team, initiative, stages):
    stages["in_progress"].update_cadence_days = 30
    db.session.commit()
    assert run(wita(date(2026, 10, 15), 7))["due"] == 0
    assert run(wita(date(2026, 10, 31), 7))["due"] == 1  # 1 Oct + 30


def test_someone_who_turned_reminders_off_gets_the_notification_only(team, initiative):
    team.staff.reminders_enabled = False
    db.session.commit()
    counts = run(wita(date(2026, 10, 15), 7))
    assert counts["queued"] == 0 and counts["notified"] == 1


def test_the_managers_digest_lists_the_weeks_updates_and_the_late_ones(team, initiative,
                                                                      make_initiative):
    """Week 47 (16–22 Nov) reported on 23 Nov: the update of the 18th, marked rosier than the
    data (a milestone 10 days late); another initiative's update, due 5 Nov, 18 days late."""
    from quickwin_tracker.digests.services import build_digest
    from quickwin_tracker.models import Milestone

    make_initiative(team.unit, stage="pilot", title="Bank sampah", owner=team.staff,
                    created_at=datetime(2026, 10, 21, 16, tzinfo=UTC))  # 22 Oct WITA
    db.session.add(Milestone(initiative=initiative, title="Uji coba", due_date=date(2026, 11, 13)))
    post_update(team.staff, initiative, UpdateData("on_track", "Semua lancar."),
                now=wita(date(2026, 11, 18), 10))
    db.session.commit()
    digest = build_digest(team.manager, date(2026, 11, 16), wita(date(2026, 11, 23), 7))
    (item,) = digest.updates
    assert (item.title, item.health, item.rosier, item.moved) == (
        "Antrean online", "on_track", True, "Semua lancar.")
    assert [(late.title, late.days_late) for late in digest.late_updates] == [("Bank sampah", 18)]
    assert not digest.is_empty
