"""Achievement bands (issue 14, item 5): the achievement of an indicator against the value
planned for the period, its band at the edges, and the bands' configuration. Plain functions."""

from datetime import date

import pytest

from quickwin_tracker import create_app
from quickwin_tracker.config import ConfigError
from quickwin_tracker.lifecycle.bands import (
    DEFAULT_BANDS,
    Band,
    achievement,
    band_of,
    indicator_achievement,
    parse_bands,
    rounded,
)
from quickwin_tracker.lifecycle.trajectory import trajectory
from tests.conftest import base_config

SAKIP = parse_bands(DEFAULT_BANDS)


@pytest.mark.parametrize("value, band", [
    (91.0, "very_good"),
    (90.995, "very_good"),  # shown as 91,00: banded as shown
    (90.5, "good"),         # the gap between "76–90" and "≥ 91": lower bounds, so good
    (90.99, "good"),
    (76.0, "good"),
    (75.99, "fair"),
    (75.995, "good"),       # rounds half up to 76,00
    (66.0, "fair"),
    (65.99, "poor"),
    (51.0, "poor"),
    (50.99, "very_poor"),
    (50.0, "very_poor"),
    (0.0, "very_poor"),
    (100.0, "very_good"),
    (250.0, "very_good"),   # beyond the plan
    (-30.0, "very_poor"),   # far worse than the plan: the lowest band
])
def test_sakip_bands_at_their_edges(value, band):
    assert band_of(value, SAKIP).key == band


def test_no_achievement_no_band():
    assert band_of(None, SAKIP) is None


def test_rounding_is_half_up_to_two_decimals_as_shown():
    assert rounded(90.995) == 91.0
    assert rounded(75.994999) == 75.99
    assert rounded(-0.005) == -0.01


def test_higher_is_better_is_realisation_over_planned():
    assert achievement(45.0, 50.0, "higher") == pytest.approx(90.0)
    assert achievement(60.0, 50.0, "higher") == pytest.approx(120.0)
    assert achievement(-5.0, 50.0, "higher") == pytest.approx(-10.0)


def test_lower_is_better_uses_the_sakip_inverse_form():
    # planned 20 minutes: 22 achieves (2×20 − 22)/20 = 90 %, 10 achieves 150 %, 0 achieves 200 %
    assert achievement(22.0, 20.0, "lower") == pytest.approx(90.0)
    assert achievement(10.0, 20.0, "lower") == pytest.approx(150.0)
    assert achievement(0.0, 20.0, "lower") == pytest.approx(200.0)
    assert achievement(50.0, 20.0, "lower") == pytest.approx(-50.0)


@pytest.mark.parametrize("realisation, direction, expected", [
    (0.0, "lower", 100.0), (3.0, "lower", 0.0), (0.0, "higher", 100.0), (-1.0, "higher", 0.0)])
def test_a_planned_zero_is_met_or_not(realisation, direction, expected):
    assert achievement(realisation, 0.0, direction) == expected


def test_no_achievement_without_a_value_or_with_a_negative_plan():
    assert achievement(None, 50.0, "higher") is None
    assert achievement(10.0, None, "higher") is None
    assert achievement(10.0, -5.0, "higher") is None


def test_achievement_is_against_the_value_planned_for_the_day():
    path = trajectory(0.0, 100.0, "higher", date(2026, 1, 1), date(2026, 12, 31))
    day = date(2026, 7, 2)  # day 182 of 364: 50 planned
    assert indicator_achievement(45.0, path, 100.0, "higher", day) == pytest.approx(90.0)
    # Nothing planned over time (no date): against the target itself.
    assert indicator_achievement(45.0, None, 100.0, "higher", day) == pytest.approx(45.0)
    assert indicator_achievement(45.0, None, None, "higher", day) is None


def test_custom_bands_and_labels():
    bands = parse_bands("80:target_met, 50:watch ,0:behind")
    assert [b.key for b in bands] == ["target_met", "watch", "behind"]
    assert band_of(79.99, bands).key == "watch"
    assert Band("watch", 50).label == "watch" and Band("target_met", 80).label == "target met"


@pytest.mark.parametrize("text, message", [
    ("", "at least one band"),
    ("91-very_good", "lower bound:key"),
    ("abc:good", "not a number"),
    ("76:good,91:very_good", "strictly descending"),
    ("91:good,76:good", "appears twice"),
    ("91:Very Good", "lower bound:key"),
    ("inf:good", "finite"),
])
def test_bad_band_settings_are_refused_with_a_clear_message(text, message):
    with pytest.raises(ValueError, match=message):
        parse_bands(text)


def test_the_app_refuses_to_start_with_bad_bands():
    with pytest.raises(ConfigError, match="QUICKWIN_ACHIEVEMENT_BANDS"):
        create_app(base_config(SQLALCHEMY_DATABASE_URI="sqlite://",
                               ACHIEVEMENT_BANDS="76:good,91:very_good"))
    app = create_app(base_config(SQLALCHEMY_DATABASE_URI="sqlite://"))
    assert [b.key for b in app.config["ACHIEVEMENT_BAND_LIST"]] == [
        "very_good", "good", "fair", "poor", "very_poor"]
