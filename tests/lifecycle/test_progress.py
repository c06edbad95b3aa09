"""The outcome progress rule (lifecycle/progress.py) and which measurements count toward it."""

from datetime import date

import pytest

from quickwin_tracker.lifecycle.progress import bar_width, mean_progress, progress
from quickwin_tracker.models import Indicator, Measurement
from quickwin_tracker.outcomes.services import indicator_progress, latest_verified


@pytest.mark.parametrize(
    "baseline, target, direction, value, expected",
    [
        # the formula, higher is better
        (10, 20, "higher", 10, 0.0),
        (10, 20, "higher", 15, 50.0),
        (10, 20, "higher", 20, 100.0),
        # lower is better: the target is below the baseline, falling values progress
        (60, 15, "lower", 30, pytest.approx(66.667, abs=1e-3)),
        (60, 15, "lower", 15, 100.0),
        (60, 15, "lower", 60, 0.0),
        # over-achievement passes 100, worse than the baseline goes below 0
        (10, 20, "higher", 25, 150.0),
        (10, 20, "higher", 5, -50.0),
        (60, 15, "lower", 0, pytest.approx(133.333, abs=1e-3)),
        (60, 15, "lower", 90, pytest.approx(-66.667, abs=1e-3)),
        # negative values
        (-10, -2, "higher", -6, 50.0),
        (5, -5, "lower", 0, 50.0),
        (-5, 5, "higher", -10, -50.0),
        # baseline equal to target: met (100) or not (0), in the indicator's direction
        (10, 10, "higher", 10, 100.0),
        (10, 10, "higher", 12, 100.0),
        (10, 10, "higher", 9.99, 0.0),
        (10, 10, "lower", 10, 100.0),
        (10, 10, "lower", 8, 100.0),
        (10, 10, "lower", 10.5, 0.0),
        (-3, -3, "lower", -4, 100.0),
        # nothing to measure against, or nothing measured: None, never 0
        (None, 20, "higher", 15, None),
        (10, None, "higher", 15, None),
        (10, 20, "higher", None, None),
    ],
)
def test_progress_rule(baseline, target, direction, value, expected):
    assert progress(baseline, target, direction, value) == expected


@pytest.mark.parametrize("value, width", [(None, 0), (-50.0, 0), (0.0, 0), (49.6, 50),
                                          (100.0, 100), (150.0, 100)])
def test_bar_width_is_clamped_but_the_value_is_not(value, width):
    assert bar_width(value) == width


def test_mean_progress_ignores_unmeasured_indicators():
    assert mean_progress([None, None]) is None
    assert mean_progress([]) is None
    assert mean_progress([50.0, None, 150.0]) == 100.0
    assert mean_progress([-20.0, 20.0]) == 0.0


def _indicator(**kw):
    kw.setdefault("baseline", 10.0)
    kw.setdefault("target", 20.0)
    kw.setdefault("direction", "higher")
    return Indicator(name="Waktu tunggu", **kw)


def _m(id_, value, day, status):
    return Measurement(id=id_, value=value, measured_on=day, status=status)


def test_only_verified_measurements_count():
    indicator = _indicator()
    measurements = [
        _m(1, 12.0, date(2026, 1, 10), "verified"),
        _m(2, 15.0, date(2026, 2, 10), "verified"),
        _m(3, 19.0, date(2026, 3, 10), "submitted"),  # newer, not yet verified: not counted
        _m(4, 25.0, date(2026, 4, 10), "returned"),  # returned: never counted
    ]
    assert latest_verified(measurements).id == 2
    assert indicator_progress(indicator, measurements) == 50.0


def test_latest_verified_is_by_date_then_id_not_by_list_order():
    indicator = _indicator()
    measurements = [
        _m(7, 18.0, date(2026, 3, 1), "verified"),
        _m(3, 11.0, date(2026, 1, 1), "verified"),
        _m(9, 14.0, date(2026, 3, 1), "verified"),  # same day as 7, recorded later: wins
    ]
    assert indicator_progress(indicator, measurements) == 40.0


@pytest.mark.parametrize("statuses", [[], ["submitted"], ["returned"], ["submitted", "returned"]])
def test_no_verified_measurement_means_not_measured(statuses):
    measurements = [_m(i + 1, 20.0, date(2026, 1, 1 + i), s) for i, s in enumerate(statuses)]
    assert indicator_progress(_indicator(), measurements) is None


def test_indicator_without_baseline_is_not_measurable_even_when_verified():
    measurements = [_m(1, 20.0, date(2026, 1, 1), "verified")]
    assert indicator_progress(_indicator(baseline=None), measurements) is None
