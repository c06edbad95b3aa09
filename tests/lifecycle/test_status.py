"""The status rule (``lifecycle.status.assess``) on plain facts: no database, no clock."""

from datetime import UTC, date, datetime, timedelta

import pytest
from flask_babel import force_locale

from quickwin_tracker import create_app
from quickwin_tracker.lifecycle.status import Facts, Status, assess
from quickwin_tracker.lifecycle.trajectory import trajectory
from quickwin_tracker.models import Stage
from tests.conftest import base_config

TODAY = date(2026, 11, 27)
FINAL = 99
DONE = {FINAL}  # the rolled-out stage ids (lifecycle.status.rolled_out)


@pytest.fixture(scope="module")
def english_context():
    """An app context in English; the rule itself touches no database."""
    app = create_app(base_config(SQLALCHEMY_DATABASE_URI="sqlite://"))
    with app.app_context(), force_locale("en"):
        yield


def stage(expected_days: int | None = 30, id_: int = 2) -> Stage:
    return Stage(id=id_, code="in_progress", name_id="Berjalan", name_en="In progress",
                 position=2, expected_days=expected_days)


def facts(stage_id: int = 2, *, entered: date = TODAY, created: date = TODAY - timedelta(days=10),
          target: date | None = TODAY + timedelta(days=90), overdue=(), progress=(),
          paths=None) -> Facts:
    """``paths``: each indicator's planned path; by default the straight line from 0 to 100
    between the creation and the target date (planned progress = the share of time elapsed)."""
    # Noon WITA (04:00 UTC): the local date is the given one.
    def at(day: date) -> datetime:
        return datetime(day.year, day.month, day.day, 4, 0, tzinfo=UTC)

    if paths is None:
        paths = [trajectory(0.0, 100.0, "higher", created, target) for _p in progress]
    return Facts(1, stage_id, at(entered), at(created), target, overdue=list(overdue),
                 indicator_progress=list(progress), indicator_paths=list(paths))


def days_ago(n: int) -> date:
    return TODAY - timedelta(days=n)


def test_nothing_wrong_is_on_track(english_context):
    result = assess(facts(), stage(), DONE, TODAY)
    assert result.status == Status.ON_TRACK
    assert result.reasons == []
    assert result.summary == "on track"


def test_a_rolled_out_stage_is_done_whatever_else(english_context):
    late = facts(stage_id=FINAL, entered=days_ago(400), target=days_ago(30),
                 overdue=[("Sosialisasi", days_ago(60))], progress=[-20.0])
    result = assess(late, stage(id_=FINAL), DONE, TODAY)
    assert result.status == Status.DONE
    assert result.reasons == []
    assert (Status.DONE.icon, Status.DONE.label) == ("✔", "done")


@pytest.mark.parametrize("days, status", [
    (0, Status.ON_TRACK),    # due today: not overdue before midnight
    (1, Status.AT_RISK),
    (13, Status.AT_RISK),
    (14, Status.OFF_TRACK),
    (40, Status.OFF_TRACK),
])
def test_overdue_milestone(english_context, days, status):
    result = assess(facts(overdue=[("Pelatihan petugas", days_ago(days))]), stage(), DONE, TODAY)
    assert result.status == status
    if days:
        assert [r.kind for r in result.reasons] == ["milestone_overdue"]
        assert "Pelatihan petugas" in result.reasons[0].text


def test_overdue_text_is_singular_for_one_day(english_context):
    one = assess(facts(overdue=[("A", days_ago(1))]), stage(), DONE, TODAY)
    many = assess(facts(overdue=[("B", days_ago(14))]), stage(), DONE, TODAY)
    assert one.reasons[0].text == "milestone “A” is 1 day overdue"
    assert many.reasons[0].text == "milestone “B” is 14 days overdue"


@pytest.mark.parametrize("in_stage, status", [
    (30, Status.ON_TRACK),   # exactly the expected duration
    (31, Status.AT_RISK),    # exceeded
    (59, Status.AT_RISK),
    (60, Status.OFF_TRACK),  # doubled
])
def test_time_in_stage(english_context, in_stage, status):
    result = assess(facts(entered=days_ago(in_stage), created=days_ago(in_stage)), stage(30),
                    DONE, TODAY)
    assert result.status == status
    if status != Status.ON_TRACK:
        assert result.reasons[0].kind == "stage_too_long"
        assert f"{in_stage} days in In progress, expected at most 30" == result.reasons[0].text


def test_stage_without_expected_duration_never_complains(english_context):
    result = assess(facts(entered=days_ago(900), created=days_ago(900), target=None), stage(None),
                    DONE, TODAY)
    assert result.status == Status.ON_TRACK


def test_stage_days_are_counted_in_the_city(english_context):
    """Local (WITA, UTC+8) days: entering at 23:30 WITA on the 25th is 2 days on the 27th."""
    tight = stage(expected_days=1)
    f = facts(target=None)
    f.stage_entered_at = datetime(2026, 11, 25, 15, 30, tzinfo=UTC)  # 23:30 WITA on the 25th
    assert assess(f, tight, DONE, TODAY).status == Status.OFF_TRACK  # 2 days: doubled
    f.stage_entered_at = datetime(2026, 11, 25, 16, 30, tzinfo=UTC)  # 00:30 WITA on the 26th
    assert assess(f, tight, DONE, TODAY).status == Status.ON_TRACK  # 1 day: not exceeded


def test_target_date(english_context):
    passed = assess(facts(target=days_ago(1)), stage(), DONE, TODAY)
    assert passed.status == Status.OFF_TRACK
    assert [r.kind for r in passed.reasons] == ["target_passed"]
    assert assess(facts(target=TODAY), stage(), DONE, TODAY).status == Status.ON_TRACK


@pytest.mark.parametrize("measured, status", [
    (50.0, Status.ON_TRACK),
    (25.0, Status.ON_TRACK),   # 25 points behind: not *more* than 25
    (24.0, Status.AT_RISK),
    (0.0, Status.AT_RISK),     # 50 behind: not more than 50
    (-1.0, Status.OFF_TRACK),  # 51 behind
    (130.0, Status.ON_TRACK),  # over-achieved
])
def test_outcome_behind_the_straight_line_plan(english_context, measured, status):
    # Created 100 days ago, target in 100 days: the straight line plans 50% by today.
    f = facts(created=days_ago(100), entered=TODAY, target=TODAY + timedelta(days=100),
              progress=[measured])
    result = assess(f, stage(), DONE, TODAY)
    assert result.status == status
    if status != Status.ON_TRACK:
        assert [r.kind for r in result.reasons] == ["outcome_behind"]
        assert "the plan expects 50% by today" in result.reasons[0].text


def test_outcome_is_the_mean_of_measured_indicators(english_context):
    f = facts(created=days_ago(100), target=TODAY + timedelta(days=100),
              progress=[10.0, None, 20.0])
    result = assess(f, stage(), DONE, TODAY)
    assert result.status == Status.AT_RISK  # mean 15, 35 behind
    assert "outcome at 15%" in result.reasons[0].text


def test_no_measurement_is_not_judged_behind(english_context):
    f = facts(created=days_ago(300), target=TODAY + timedelta(days=1), progress=[None, None])
    assert assess(f, stage(), DONE, TODAY).status == Status.ON_TRACK
    assert assess(facts(progress=[]), stage(), DONE, TODAY).status == Status.ON_TRACK


def test_several_reasons_the_worst_wins_and_all_are_listed(english_context):
    f = facts(entered=days_ago(40), created=days_ago(40), target=days_ago(2),
              overdue=[("Rapat koordinasi", days_ago(3))])
    result = assess(f, stage(30), DONE, TODAY)
    assert result.status == Status.OFF_TRACK
    kinds = [r.kind for r in result.reasons]
    assert kinds[0] == "target_passed"  # off track first, then the at-risk ones
    assert set(kinds) == {"target_passed", "milestone_overdue", "stage_too_long"}
    assert result.summary.startswith("off track: ")
    for reason in result.reasons:
        assert reason.text in result.summary
    assert result.summary.count("; ") == 2


def test_status_has_icon_and_label_for_every_value(english_context):
    for status in Status:
        assert status.icon and status.label
    assert {s.icon for s in Status} == {"●", "▲", "✖", "✔"}
