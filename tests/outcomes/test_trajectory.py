"""Indicator trajectories (issue 14, item 4): the planned path, its periods, and the status rule
judging verified progress against the plan for today. Plain functions: no database."""

from datetime import UTC, date, datetime, timedelta

import pytest
from flask_babel import force_locale

from quickwin_tracker import create_app
from quickwin_tracker.lifecycle.status import Facts, Status, assess, parse_plan, plan_standing
from quickwin_tracker.lifecycle.trajectory import (
    mean_pairs,
    on_straight_line,
    period_ends,
    planned_progress,
    rounded,
    trajectory,
    variance,
)
from quickwin_tracker.models import Stage
from tests.conftest import base_config

START = date(2026, 1, 1)
DUE = date(2026, 12, 31)  # 364 days after START


@pytest.fixture(scope="module")
def english_context():
    app = create_app(base_config(SQLALCHEMY_DATABASE_URI="sqlite://"))
    with app.app_context(), force_locale("en"):
        yield


# --------------------------------------------------------------------------- the path


def test_the_straight_line_runs_from_baseline_at_the_start_to_target_at_the_due_date():
    path = trajectory(10.0, 110.0, "higher", START, DUE)
    assert not path.edited
    assert path.value_on(START) == 10.0
    assert path.value_on(START + timedelta(days=182)) == pytest.approx(60.0)
    assert path.value_on(DUE) == 110.0
    assert path.progress_on(START + timedelta(days=91)) == pytest.approx(25.0)


def test_before_the_start_the_baseline_after_the_end_the_last_value_held():
    path = trajectory(10.0, 110.0, "higher", START, DUE)
    assert path.value_on(START - timedelta(days=30)) == 10.0
    assert path.value_on(DUE + timedelta(days=400)) == 110.0
    assert path.progress_on(DUE + timedelta(days=400)) == 100.0


def test_an_edited_plan_is_followed_straight_between_its_points():
    points = [(date(2026, 3, 31), 10.0), (date(2026, 6, 30), 70.0), (DUE, 110.0)]
    path = trajectory(10.0, 110.0, "higher", START, DUE, points)
    assert path.edited
    assert path.value_on(date(2026, 2, 15)) == 10.0  # flat first quarter, as planned
    mid = date(2026, 3, 31) + timedelta(days=45)  # half of the 91 days to 30 June
    assert path.value_on(mid) == pytest.approx(10.0 + 60.0 * 45 / 91)
    assert path.value_on(date(2026, 6, 30)) == 70.0


def test_a_plan_ending_before_the_target_date_holds_its_last_value():
    points = [(date(2026, 3, 31), 40.0), (date(2026, 6, 30), 80.0)]
    path = trajectory(0.0, 100.0, "higher", START, DUE, points)
    assert path.end == date(2026, 6, 30)
    assert path.value_on(date(2026, 9, 30)) == 80.0
    assert path.value_on(DUE) == 80.0  # not the target: the plan says so
    assert path.progress_on(DUE) == 80.0


def test_points_on_or_before_the_start_are_ignored():
    path = trajectory(0.0, 100.0, "higher", START, DUE, [(START, 50.0), (DUE, 100.0)])
    assert path.points == ((DUE, 100.0),)
    assert path.value_on(START) == 0.0


def test_lower_is_better_plans_downward_and_progress_is_direction_aware():
    path = trajectory(60.0, 20.0, "lower", START, DUE)  # waiting minutes: 60 → 20
    half = START + timedelta(days=182)
    assert path.value_on(half) == pytest.approx(40.0)
    assert path.progress_on(half) == pytest.approx(50.0)


@pytest.mark.parametrize("baseline, target, due, points", [
    (None, 100.0, DUE, ()),       # no baseline
    (0.0, None, DUE, ()),         # no target
    (0.0, 100.0, None, ()),       # no due date and no edited plan
])
def test_no_path_without_baseline_target_or_a_date(baseline, target, due, points):
    assert trajectory(baseline, target, "higher", START, due, points) is None
    assert planned_progress(None, DUE) is None


def test_an_edited_plan_without_a_due_date_still_plans():
    path = trajectory(0.0, 100.0, "higher", START, None, [(date(2026, 6, 30), 100.0)])
    assert path.value_on(date(2026, 12, 1)) == 100.0


def test_a_due_date_on_the_start_plans_the_whole_change_at_once():
    path = trajectory(0.0, 100.0, "higher", START, START)
    assert path.value_on(START) == 100.0
    assert path.value_on(START - timedelta(days=1)) == 0.0


def test_variance_and_means_over_indicators_with_both():
    assert variance(38.0, 50.0) == -12.0
    assert variance(None, 50.0) is None and variance(40.0, None) is None
    assert mean_pairs([40.0, None, 80.0, 10.0], [50.0, 30.0, 60.0, None]) == (55.0, 5.0)
    assert mean_pairs([None], [50.0]) == (None, None)


# --------------------------------------------------------------------------- periods


def test_quarter_ends_between_start_and_due_then_the_due_date():
    assert period_ends(date(2026, 2, 10), date(2026, 11, 15), "quarter") == [
        date(2026, 3, 31), date(2026, 6, 30), date(2026, 9, 30), date(2026, 11, 15)]


def test_month_ends_across_a_year_end():
    assert period_ends(date(2026, 11, 20), date(2027, 2, 28), "month") == [
        date(2026, 11, 30), date(2026, 12, 31), date(2027, 1, 31), date(2027, 2, 28)]


def test_a_start_on_a_period_end_and_no_span():
    assert period_ends(date(2026, 3, 31), date(2026, 7, 1), "quarter") == [
        date(2026, 6, 30), date(2026, 7, 1)]
    assert period_ends(DUE, DUE, "month") == []


def test_straight_line_prefill_round_trips():
    path = trajectory(0.0, 100.0, "higher", START, date(2026, 1, 4))
    day = date(2026, 1, 2)
    assert rounded(path.straight_on(day)) == 33.3333
    assert on_straight_line(path, day, 33.3333)
    assert not on_straight_line(path, day, 33.4)


def test_the_plan_text_of_the_facts_query_is_parsed_by_date():
    assert parse_plan("2026-06-30:70.0;2026-03-31:10") == [(date(2026, 3, 31), 10.0),
                                                            (date(2026, 6, 30), 70.0)]
    assert parse_plan(None) == []


# --------------------------------------------------------------------------- the status rule

TODAY = date(2026, 7, 2)  # 182 days after START: the straight line plans 50%


def _stage() -> Stage:
    return Stage(id=2, code="in_progress", name_id="Berjalan", name_en="In progress",
                 position=2, expected_days=None)


def _facts(progress, paths, target=DUE) -> Facts:
    created = datetime(START.year, START.month, START.day, 4, 0, tzinfo=UTC)
    return Facts(1, 2, created, created, target, indicator_progress=list(progress),
                 indicator_paths=list(paths))


def test_status_compares_verified_progress_with_the_plan_for_today(english_context):
    behind_line = _facts([20.0], [trajectory(0.0, 100.0, "higher", START, DUE)])
    result = assess(behind_line, _stage(), set(), TODAY)
    assert result.status == Status.AT_RISK  # 30 points behind 50
    assert result.reasons[0].text == "outcome at 20% while the plan expects 50% by today"
    # The same progress against a plan that expects little by now: on track.
    slow = trajectory(0.0, 100.0, "higher", START, DUE,
                      [(date(2026, 6, 30), 10.0), (DUE, 100.0)])
    assert assess(_facts([20.0], [slow]), _stage(), set(), TODAY).status == Status.ON_TRACK


def test_status_with_no_plan_judges_no_outcome(english_context):
    # No due date anywhere: no path, so no "behind" however low the progress.
    no_plan = _facts([-40.0], [trajectory(0.0, 100.0, "higher", START, None)], target=None)
    assert assess(no_plan, _stage(), set(), TODAY).status == Status.ON_TRACK


def test_status_after_a_plan_that_ended_before_the_target_date(english_context):
    # Planned to reach 100% by March; in July it is held at 100%: 40% is 60 points behind.
    early = trajectory(0.0, 100.0, "higher", START, DUE, [(date(2026, 3, 31), 100.0)])
    result = assess(_facts([40.0], [early]), _stage(), set(), TODAY)
    assert result.status == Status.OFF_TRACK
    assert "the plan expects 100% by today" in result.reasons[0].text


def test_status_lower_is_better(english_context):
    # Waiting time 60 → 20 minutes: 50 minutes today is progress 25 against a planned 50.
    path = trajectory(60.0, 20.0, "lower", START, DUE)
    f = _facts([25.0], [path])
    assert plan_standing(f, TODAY) == (pytest.approx(50.0, abs=0.2), pytest.approx(-25.0, abs=0.2))
    # 25 behind (not more than 25, give or take the day's fraction): not yet at risk ...
    assert assess(_facts([30.0], [path]), _stage(), set(), TODAY).status == Status.ON_TRACK
    # ... 10 behind that: at risk.
    assert assess(_facts([15.0], [path]), _stage(), set(), TODAY).status == Status.AT_RISK


def test_only_indicators_measured_and_planned_count(english_context):
    planned = trajectory(0.0, 100.0, "higher", START, DUE)
    f = _facts([None, 45.0, 0.0], [planned, planned, None])  # only the second one pairs
    assert assess(f, _stage(), set(), TODAY).status == Status.ON_TRACK
