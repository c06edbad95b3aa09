"""Editing an indicator's trajectory on the initiative page (issue 14, item 4): the editor as the
page renders it, saving, resetting, bad input, permission, the trail, facts_version, the chart
and the variance shown."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from quickwin_tracker.domain.activity import describe
from quickwin_tracker.domain.errors import Forbidden, Invalid
from quickwin_tracker.extensions import db
from quickwin_tracker.lifecycle.status import load_facts
from quickwin_tracker.models import Activity, Indicator, IndicatorPlan, Initiative, Measurement
from quickwin_tracker.outcomes import plans
from tests.conftest import t
from tests.html_forms import forms_in

CREATED = datetime(2026, 1, 1, 4, 0, tzinfo=UTC)  # noon WITA, 1 January 2026


@pytest.fixture
def planned(measured_team):
    """The measured initiative created on 1 January 2026, its indicator (30 → 10 minutes,
    lower is better) due on 31 December 2026: quarter ends 31 March, 30 June, 30 September,
    then 31 December."""
    initiative, indicator = measured_team.initiative, measured_team.indicator
    initiative.created_at = CREATED
    indicator.target_date = date(2026, 12, 31)
    db.session.commit()
    return measured_team


def plan_url(team, suffix=""):
    return (f"/initiatives/{team.initiative.id}/indicators/{team.indicator.id}/plan{suffix}")


def plan_form(client, team):
    html = client.get(f"/initiatives/{team.initiative.id}").get_data(as_text=True)
    return next(f for f in forms_in(html, "/") if f.action.endswith("/plan"))


def rows(indicator_id):
    return list(db.session.execute(
        sa.select(IndicatorPlan.period_end, IndicatorPlan.planned)
        .where(IndicatorPlan.indicator_id == indicator_id).order_by(IndicatorPlan.period_end)))


def trail(initiative_id):
    return list(db.session.scalars(sa.select(Activity).where(
        Activity.initiative_id == initiative_id).order_by(Activity.id)))


def test_the_editor_prefills_the_straight_line_and_unchanged_changes_nothing(planned, auth,
                                                                            client, hx):
    auth.login(planned.staff)
    form = plan_form(client, planned)
    fields = dict(form.entries()[0])
    prefix = f"plan-{planned.indicator.id}"
    assert fields[f"{prefix}-plan_period"] == "quarter"
    assert fields[f"{prefix}-ends"] == "2026-03-31,2026-06-30,2026-09-30,2026-12-31"
    # 30 → 10 over 364 days: 89 days in, 30 - 20 × 89/364
    assert float(fields[f"{prefix}-values-0"]) == pytest.approx(30 - 20 * 89 / 364, abs=1e-4)
    assert fields[f"{prefix}-values-3"] == "10"
    before = len(trail(planned.initiative.id))
    response = client.post(plan_url(planned), data=fields, headers=hx)
    assert response.status_code == 200
    assert t("Nothing changed.") in response.get_data(as_text=True)
    assert rows(planned.indicator.id) == [] and len(trail(planned.initiative.id)) == before


def test_saving_a_plan_stores_it_bumps_facts_and_is_in_the_trail(planned, auth, client, hx):
    auth.login(planned.staff)
    version = planned.initiative.facts_version
    fields = dict(plan_form(client, planned).entries()[0])
    prefix = f"plan-{planned.indicator.id}"
    fields.update({f"{prefix}-values-0": "30", f"{prefix}-values-1": "25",
                   f"{prefix}-values-2": "15,5", f"{prefix}-values-3": "10"})
    response = client.post(plan_url(planned), data=fields, headers=hx)
    assert response.status_code == 200, response.get_data(as_text=True)
    html = response.get_data(as_text=True)
    assert "<html" not in html and 'id="outcomes"' in html
    assert rows(planned.indicator.id) == [(date(2026, 3, 31), 30.0), (date(2026, 6, 30), 25.0),
                                          (date(2026, 9, 30), 15.5), (date(2026, 12, 31), 10.0)]
    db.session.expire_all()
    assert db.session.get(Initiative, planned.initiative.id).facts_version > version
    entry = trail(planned.initiative.id)[-1]
    assert entry.verb == "indicator_plan_saved"
    assert "Waktu tunggu bus" in describe(entry)
    # The chart draws the edited path (a polyline through its points), the editor shows it.
    assert 'class="chart-plan-point"' in html and "<polyline" in html
    # The status rule reads the same plan (folded into the facts query).
    initiative = db.session.get(Initiative, planned.initiative.id)
    path = load_facts([initiative])[initiative.id].indicator_paths[0]
    assert path.edited and path.value_on(date(2026, 9, 30)) == 15.5
    # Sent again unchanged: nothing changes.
    again = dict(plan_form(client, planned).entries()[0])
    assert again[f"{prefix}-values-2"] == "15.5"
    before = len(trail(planned.initiative.id))
    client.post(plan_url(planned), data=again, headers=hx)
    assert len(trail(planned.initiative.id)) == before


def test_reset_goes_back_to_the_straight_line(planned, auth, client, hx):
    plans.save_plan(planned.staff, planned.indicator, "quarter",
                    plans.editor_ends(planned.indicator), [30, 30, 20, 10])
    db.session.commit()
    auth.login(planned.staff)
    response = client.post(plan_url(planned, "/reset"), headers=hx)
    assert response.status_code == 200
    assert rows(planned.indicator.id) == []
    assert trail(planned.initiative.id)[-1].verb == "indicator_plan_reset"
    # Nothing to reset: nothing changes.
    before = len(trail(planned.initiative.id))
    client.post(plan_url(planned, "/reset"), headers=hx)
    assert len(trail(planned.initiative.id)) == before


@pytest.mark.parametrize("value", ["abc", "", "nan", "1e400"])
def test_a_bad_value_is_refused_next_to_its_field(planned, auth, client, hx, value):
    auth.login(planned.staff)
    fields = dict(plan_form(client, planned).entries()[0])
    prefix = f"plan-{planned.indicator.id}"
    fields[f"{prefix}-values-1"] = value
    response = client.post(plan_url(planned), data=fields, headers=hx)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'id="{prefix}-values-1-error"' in html
    assert rows(planned.indicator.id) == []
    # Without htmx: the whole page, 422.
    page = client.post(plan_url(planned), data=fields)
    assert page.status_code == 422 and "<html" in page.get_data(as_text=True)


def test_tampered_period_ends_are_refused_not_500(planned, auth, client, hx):
    auth.login(planned.staff)
    fields = dict(plan_form(client, planned).entries()[0])
    fields[f"plan-{planned.indicator.id}-ends"] = "2026-03-31,notadate"
    response = client.post(plan_url(planned), data=fields, headers=hx)
    assert response.status_code == 422
    fields[f"plan-{planned.indicator.id}-plan_period"] = "decade"
    assert client.post(plan_url(planned), data=fields, headers=hx).status_code == 422


def test_another_period_replans_the_same_shape_by_month(planned, auth, client, hx):
    auth.login(planned.staff)
    fields = dict(plan_form(client, planned).entries()[0])
    prefix = f"plan-{planned.indicator.id}"
    fields.update({f"{prefix}-plan_period": "month", f"{prefix}-values-0": "30",
                   f"{prefix}-values-1": "20", f"{prefix}-values-2": "20",
                   f"{prefix}-values-3": "10"})
    assert client.post(plan_url(planned), data=fields, headers=hx).status_code == 200
    stored = rows(planned.indicator.id)
    assert len(stored) == 12 and stored[0] == (date(2026, 1, 31), 30.0)
    assert dict(stored)[date(2026, 6, 30)] == 20.0
    assert db.session.get(Indicator, planned.indicator.id).plan_period == "month"


def test_who_may_edit_the_indicator_may_edit_its_plan(planned, auth, client, hx):
    with pytest.raises(Forbidden):
        plans.save_plan(planned.outsider, planned.indicator, "quarter",
                        plans.editor_ends(planned.indicator), [30, 25, 15, 10])
    auth.login(planned.outsider)
    page = client.get(f"/initiatives/{planned.initiative.id}").get_data(as_text=True)
    assert "/plan" not in page
    fields = {f"plan-{planned.indicator.id}-plan_period": "quarter"}
    assert client.post(plan_url(planned), data=fields, headers=hx).status_code == 403
    assert client.post(plan_url(planned, "/reset"), headers=hx).status_code == 403


def test_no_plan_without_a_target_date(measured_team):
    measured_team.indicator.target_date = None
    measured_team.initiative.target_date = None
    assert plans.cannot_plan(measured_team.indicator)
    with pytest.raises(Invalid):
        plans.save_plan(measured_team.staff, measured_team.indicator, "quarter",
                        [date(2026, 3, 31)], [20.0])


def test_the_page_says_how_far_the_verified_value_is_from_the_plan(planned, auth, client):
    indicator = planned.indicator
    db.session.add(Measurement(indicator=indicator, value=28.0, measured_on=date(2026, 2, 1),
                               status="verified", recorded_by=planned.staff))
    db.session.commit()
    auth.login(planned.staff)
    html = client.get(f"/initiatives/{planned.initiative.id}").get_data(as_text=True)
    assert 'class="plan-variance plan-behind"' in html or "plan-ahead" in html
    assert t("Against the plan for today") in html
