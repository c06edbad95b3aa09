"""Kept statuses (``lifecycle.kept``): the summary counts what ``assess`` said, and a kept row is
never read stale: a changed fact, stage, target date, stage setting or day computes it again."""

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from quickwin_tracker.extensions import db
from quickwin_tracker.lifecycle import kept
from quickwin_tracker.lifecycle.stages import ordered_stages
from quickwin_tracker.lifecycle.status import assess_many
from quickwin_tracker.models import Indicator, Initiative, InitiativeStatus, Measurement, Milestone
from quickwin_tracker.scheduler.registry import JOBS

TODAY = date(2026, 11, 27)


@pytest.fixture
def city(make_unit, make_initiative):
    unit = make_unit("DISKOMINFO")
    long_ago = datetime(2026, 1, 5, tzinfo=UTC)
    calm = make_initiative(unit, stage="in_progress", created_at=long_ago,
                           stage_entered_at=datetime(2026, 11, 20, tzinfo=UTC),
                           target_date=date(2027, 6, 1))
    late = make_initiative(unit, stage="pilot", created_at=long_ago,
                           stage_entered_at=datetime(2026, 11, 20, tzinfo=UTC),
                           target_date=date(2026, 11, 1))
    measured = make_initiative(unit, stage="in_progress", created_at=long_ago,
                               stage_entered_at=datetime(2026, 11, 20, tzinfo=UTC),
                               target_date=date(2027, 1, 1))
    indicator = Indicator(initiative=measured, name="Antrean", baseline=60, target=10,
                          direction="lower")
    db.session.add(indicator)
    db.session.add(Measurement(indicator=indicator, value=35.0, measured_on=TODAY,
                               status="verified"))
    db.session.add(Milestone(initiative=calm, title="Uji coba", due_date=TODAY + timedelta(days=1)))
    db.session.commit()
    return {"calm": calm, "late": late, "measured": measured}


def kept_rows() -> dict[int, InitiativeStatus]:
    db.session.expire_all()
    return {k.initiative_id: k for k in db.session.scalars(sa.select(InitiativeStatus))}


def test_kept_rows_say_what_assess_says(city):
    assert kept.refresh(TODAY) == 3
    rows = kept_rows()
    live = assess_many(list(db.session.scalars(sa.select(Initiative))), ordered_stages(), TODAY)
    for initiative_id, (assessment, facts) in live.items():
        assert rows[initiative_id].status == assessment.status.value
        assert rows[initiative_id].progress == facts.progress
    assert rows[city["late"].id].status == "off_track"  # the target date has passed
    measured = rows[city["measured"].id]
    assert measured.progress == pytest.approx(50.0)  # 60 -> 35 of 60 -> 10
    assert (measured.indicators_met, measured.indicators_behind, measured.indicators_unmeasured,
            measured.measured) == (0, 1, 0, True)
    assert kept.refresh(TODAY) == 0  # nothing changed: nothing computed again


def test_an_unchanged_city_is_checked_in_one_query(city, count_queries):
    kept.refresh(TODAY)
    db.session.commit()
    stages = ordered_stages()
    with count_queries() as quiet:
        assert kept.refresh(TODAY, stages) == 0
    assert quiet.count == 1  # the clock's tick and the last refresh's mark
    city["calm"].milestones[0].title = "Uji coba terbatas"  # the clock moves
    db.session.commit()
    with count_queries() as changed:
        assert kept.refresh(TODAY, stages) == 1
    assert changed.count > 1


def test_kept_rows_hold_overdue_milestones_and_the_last_rollout(city, stages, make_user):
    from quickwin_tracker.domain.activity import record

    admin = make_user("admin")
    late = city["late"]
    db.session.add(Milestone(initiative=late, title="Rapat", due_date=TODAY - timedelta(days=1)))
    db.session.add(Milestone(initiative=late, title="Hari ini", due_date=TODAY))  # not overdue yet
    rolled = datetime(2026, 11, 25, 2, tzinfo=UTC)
    record(admin, "moved", late, now=datetime(2026, 6, 1, tzinfo=UTC), from_stage="pilot",
           to_stage="rolled_out")
    record(admin, "moved", late, now=datetime(2026, 7, 1, tzinfo=UTC), from_stage="rolled_out",
           to_stage="pilot")
    record(admin, "moved", late, now=rolled, from_stage="pilot", to_stage="rolled_out")
    late.stage, late.stage_entered_at = stages["rolled_out"], rolled
    db.session.commit()
    kept.refresh(TODAY)
    row = kept_rows()[late.id]
    assert row.rolled_out_at == rolled  # the latest rollout
    assert kept_rows()[city["calm"].id].rolled_out_at is None
    assert row.overdue_milestones == 1


def test_a_changed_fact_is_computed_again_and_only_it(city):
    kept.refresh(TODAY)
    calm = city["calm"]
    milestone = calm.milestones[0]
    milestone.due_date = TODAY - timedelta(days=3)  # facts_version moves (a trigger)
    db.session.commit()
    assert kept.refresh(TODAY) == 1
    assert kept_rows()[calm.id].status == "at_risk"


@pytest.mark.parametrize("change", ["target_date", "stage", "stage_entered_at"])
def test_the_initiatives_own_inputs_are_watched(city, stages, change):
    kept.refresh(TODAY)
    late = city["late"]
    if change == "target_date":
        late.target_date = date(2027, 3, 1)
    elif change == "stage":
        late.stage = stages["rolled_out"]
    else:
        late.stage_entered_at = datetime(2026, 11, 21, tzinfo=UTC)
    db.session.commit()
    assert kept.refresh(TODAY) == 1
    assert kept_rows()[late.id].status == ("on_track" if change == "target_date" else
                                           "done" if change == "stage" else "off_track")


def test_a_new_day_or_a_stage_setting_computes_every_row_again(city, stages):
    kept.refresh(TODAY)
    assert kept.refresh(TODAY + timedelta(days=1)) == 3
    stages["in_progress"].expected_days = 3  # 7 days in stage: more than twice as long
    db.session.commit()
    assert kept.refresh(TODAY + timedelta(days=1)) == 3
    assert kept_rows()[city["calm"].id].status == "off_track"


def test_a_deleted_measurement_is_noticed(city):
    kept.refresh(TODAY)
    measured = city["measured"]
    db.session.execute(sa.delete(Measurement))  # hand-written SQL: the trigger still sees it
    db.session.commit()
    assert kept.refresh(TODAY) == 1
    row = kept_rows()[measured.id]
    assert (row.progress, row.measured, row.indicators_unmeasured) == (None, False, 1)


def test_the_nightly_job_computes_the_new_day(city, app):
    target, trigger = JOBS["status_refresh"]
    assert target == "quickwin_tracker.lifecycle.kept:refresh_statuses_job"
    assert (trigger.kind, trigger.time_key) == ("daily", "STATUS_REFRESH_TIME")
    assert app.config["STATUS_REFRESH_TIME"] == "00:05"
    # 00:05 WITA on the 27th is 16:05 UTC on the 26th
    assert kept.refresh_statuses_job(datetime(2026, 11, 26, 16, 5, tzinfo=UTC)) == {"refreshed": 3}
    assert {k.basis.split("|")[1] for k in kept_rows().values()} == {"2026-11-27"}
    assert kept.refresh_statuses_job(datetime(2026, 11, 26, 16, 6, tzinfo=UTC)) == {"refreshed": 0}


def test_an_archived_initiative_is_left_alone(city):
    city["late"].archived = True
    db.session.commit()
    assert kept.refresh(TODAY) == 2
    assert city["late"].id not in kept_rows()
