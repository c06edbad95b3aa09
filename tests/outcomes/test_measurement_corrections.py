"""Issue 10, item 11: a recorded measurement is corrected or withdrawn with a reason, never edited
silently; a withdrawn one counts nowhere but stays listed. Who may: the initiative's editors while
it is not verified; reviewers and admins once it is (``permissions.can_amend_measurement``)."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from quickwin_tracker.digests.services import build_digest
from quickwin_tracker.domain.activity import describe
from quickwin_tracker.domain.clock import local_today
from quickwin_tracker.domain.errors import Conflict, Forbidden
from quickwin_tracker.extensions import db
from quickwin_tracker.lifecycle import gates
from quickwin_tracker.lifecycle.status import load_facts
from quickwin_tracker.models import Activity, Indicator, Initiative, Measurement
from quickwin_tracker.outcomes import services
from quickwin_tracker.outcomes.charts import indicator_chart_svg
from tests.conftest import t


@pytest.fixture
def measured_stage() -> str:
    return "rolled_out"


@pytest.fixture
def second_reviewer(make_user):
    return make_user("reviewer", name="Reviewer Kedua")


def add(measured_team, value, status="submitted", day=None, recorder=None, **kw):
    m = Measurement(indicator=measured_team.indicator, value=value, status=status,
                    measured_on=day or local_today() - timedelta(days=3),
                    recorded_by=recorder or measured_team.staff, **kw)
    db.session.add(m)
    db.session.commit()
    return m


def url(measured_team, m, action):
    return f"/initiatives/{measured_team.initiative.id}/measurements/{m.id}/{action}"


def correction(m, **overrides):
    data = {"value": str(m.value), "measured_on": m.measured_on.isoformat(), "note": m.note,
            "reason": "Salah ketik"}
    data.update(overrides)
    return {f"correct-{m.id}-{k}": v for k, v in data.items()}


def withdrawal(m, reason="Data ganda"):
    return {f"withdraw-{m.id}-reason": reason}


def trail(measured_team):
    return list(db.session.scalars(sa.select(Activity).where(
        Activity.initiative_id == measured_team.initiative.id).order_by(Activity.id)))


def fresh(m):
    db.session.expire_all()
    return db.session.get(Measurement, m.id)


def progress(measured_team):
    initiative = db.session.get(Initiative, measured_team.initiative.id)
    return load_facts([initiative])[initiative.id].indicator_progress


# --------------------------------------------------------------------------- corrections


def test_editor_corrects_with_a_reason_and_the_trail_shows_old_and_new(measured_team, auth, client):
    m = add(measured_team, 200.0, note="Survei")
    auth.login(measured_team.staff)
    page = client.get(f"/initiatives/{measured_team.initiative.id}").get_data(as_text=True)
    assert url(measured_team, m, "correct") in page and url(measured_team, m, "withdraw") in page
    assert f'id="correct-{m.id}-value"' in page and 'value="200"' in page  # prefilled

    response = client.post(url(measured_team, m, "correct"), data=correction(m, value="20"))
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/initiatives/{measured_team.initiative.id}#outcomes")
    m = fresh(m)
    assert (m.value, m.status, m.note) == (20.0, "submitted", "Survei")
    assert (m.corrected_by_id, m.recorded_by_id) == (measured_team.staff.id, measured_team.staff.id)
    [entry] = trail(measured_team)
    assert entry.verb == "measurement_corrected" and entry.actor_id == measured_team.staff.id
    assert entry.data["changes"] == {"value": [200.0, 20.0]}
    assert entry.data["reason"] == "Salah ketik"
    sentence = describe(entry)
    assert "200 menit → 20 menit" in sentence and "Salah ketik" in sentence
    with force_locale("en"):
        assert describe(entry) == ("corrected a measurement of “Waktu tunggu bus” (value: "
                                   "200 menit → 20 menit). Reason: Salah ketik")
    page = client.get(f"/initiatives/{measured_team.initiative.id}").get_data(as_text=True)
    assert re.search(r'<span class="hint corrected">[^<]*Staf Dinkes', page)


def test_correction_with_htmx_answers_the_section(measured_team, auth, client, hx):
    m = add(measured_team, 25.0)
    auth.login(measured_team.staff)
    day = (local_today() - timedelta(days=10)).isoformat()
    response = client.post(url(measured_team, m, "correct"), headers=hx,
                           data=correction(m, measured_on=day, note="Survei ulang"))
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "initiative-changed"
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="outcomes"') and "<html" not in html
    assert 'role="status"' in html
    assert t("Measurement corrected; it counts toward progress once a reviewer has verified it.") \
        in html
    [entry] = trail(measured_team)
    assert set(entry.data["changes"]) == {"measured_on", "note"}
    assert entry.data["changes"]["note"] == ["", "Survei ulang"]


@pytest.mark.parametrize("overrides, field", [
    ({"reason": "  "}, "reason"),
    ({"reason": "x" * 1001}, "reason"),
    ({"value": "abc"}, "value"),
    ({"value": ""}, "value"),
    ({"measured_on": ""}, "measured_on"),
    ({"measured_on": (date.today() + timedelta(days=3)).isoformat()}, "measured_on"),
    ({}, "value"),  # nothing changed: nothing to correct
])
def test_bad_corrections_get_a_message_next_to_the_field(measured_team, auth, client, hx, overrides,
                                                         field):
    m = add(measured_team, 25.0)
    auth.login(measured_team.staff)
    for headers in ({}, hx):
        response = client.post(url(measured_team, m, "correct"), data=correction(m, **overrides),
                               headers=headers)
        assert response.status_code == 422
        html = response.get_data(as_text=True)
        assert f'id="correct-{m.id}-{field}-error"' in html
        assert '<details class="correct-measurement" open>' in html
        assert ("<html" in html) is (not headers)
    assert (fresh(m).value, fresh(m).status) == (25.0, "submitted")
    assert trail(measured_team) == []


def test_a_verified_measurement_is_corrected_by_a_reviewer_and_verified_again(
        measured_team, second_reviewer, auth, client, hx):
    m = add(measured_team, 20.0, status="verified", reviewed_by=measured_team.reviewer,
            reviewed_at=datetime(2026, 11, 2, tzinfo=UTC))
    assert progress(measured_team) == [50.0]
    auth.login(measured_team.staff)
    page = client.get(f"/initiatives/{measured_team.initiative.id}").get_data(as_text=True)
    assert url(measured_team, m, "correct") not in page and url(measured_team, m, "withdraw") not in page
    response = client.post(url(measured_team, m, "correct"), data=correction(m, value="12"), headers=hx)
    assert response.status_code == 403
    assert t("This measurement has been verified: only a reviewer can correct or withdraw it now. "
             "Ask the Smart City team.") in response.get_data(as_text=True)
    assert fresh(m).value == 20.0
    auth.logout()

    auth.login(measured_team.reviewer)
    response = client.post(url(measured_team, m, "correct"), data=correction(m, value="12"))
    assert response.status_code == 303
    m = fresh(m)
    assert (m.value, m.status, m.reviewed_by_id, m.corrected_by_id) == (
        12.0, "submitted", None, measured_team.reviewer.id)
    assert progress(measured_team) == [None]  # the corrected figure counts once verified again
    [entry] = trail(measured_team)
    assert entry.data["previous_status"] == "verified"
    with force_locale("en"):
        assert describe(entry).endswith("(it was verified and awaits verification again)")
    # Four eyes: the corrector does not verify their own figure.
    with pytest.raises(Forbidden):
        services.verify_measurement(measured_team.reviewer, m)
    db.session.rollback()
    services.verify_measurement(second_reviewer, fresh(m))
    db.session.commit()
    assert progress(measured_team) == [90.0]


def test_a_returned_measurement_is_corrected_by_the_unit_and_goes_back_for_review(measured_team):
    m = add(measured_team, 99.0)
    services.return_measurement(measured_team.reviewer, m, "Angka tidak masuk akal")
    db.session.commit()
    services.correct_measurement(measured_team.manager, fresh(m), services.CorrectionData(
        value=19.0, measured_on=m.measured_on, note="", reason="Dihitung ulang"))
    db.session.commit()
    m = fresh(m)
    assert (m.value, m.status, m.review_note) == (19.0, "submitted", "")
    entry = trail(measured_team)[-1]
    assert entry.data["previous_status"] == "returned"
    with force_locale("en"):
        assert "it was returned and awaits verification again" in describe(entry)


def test_a_correction_that_meets_a_review_is_refused(measured_team):
    """Read as submitted, verified by someone else before the correction is written: refused."""
    m = add(measured_team, 25.0)
    db.session.execute(sa.update(Measurement).where(Measurement.id == m.id)
                       .values(status="verified").execution_options(synchronize_session=False))
    with pytest.raises(Conflict):
        services.correct_measurement(measured_team.staff, m, services.CorrectionData(
            value=1.0, measured_on=m.measured_on, reason="x"))
    db.session.rollback()
    assert (fresh(m).value, fresh(m).status) == (25.0, "submitted")
    assert trail(measured_team) == []


# --------------------------------------------------------------------------- withdrawals


def test_withdrawn_measurement_is_listed_with_its_reason_and_counts_nowhere(
        measured_team, auth, client, hx, app, make_initiative):
    app.config["PUBLIC_PAGE"] = True
    older = add(measured_team, 20.0, status="verified", day=local_today() - timedelta(days=40))
    latest = add(measured_team, 12.0, status="verified", day=local_today() - timedelta(days=5))
    assert progress(measured_team) == [90.0]
    assert "12" in client.get("/dampak").get_data(as_text=True)

    auth.login(measured_team.admin)
    response = client.post(url(measured_team, latest, "withdraw"), headers=hx,
                           data=withdrawal(latest, "Sensor rusak pada minggu itu"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'id="measurement-{latest.id}" class="measurement measurement-withdrawn"' in html
    assert t("withdrawn") in html and "Sensor rusak pada minggu itu" in html
    assert url(measured_team, latest, "correct") not in html  # final
    latest = fresh(latest)
    assert (latest.status, latest.withdrawn_by_id, latest.withdrawn_reason) == (
        "withdrawn", measured_team.admin.id, "Sensor rusak pada minggu itu")

    # Progress, status rule, chart, public page: back to the older verified figure.
    assert progress(measured_team) == [50.0]
    indicator = db.session.get(Indicator, measured_team.indicator.id)
    assert services.indicator_progress(indicator) == 50.0
    chart = indicator_chart_svg(indicator, indicator.measurements)
    assert chart.count('class="chart-point') == 1
    public = client.get("/dampak").get_data(as_text=True)
    assert "12" not in public.split("Waktu tunggu bus")[1].split("</tr>")[0]
    [entry] = trail(measured_team)
    assert (entry.verb, entry.data["reason"], entry.data["previous_status"]) == (
        "measurement_withdrawn", "Sensor rusak pada minggu itu", "verified")
    assert "Sensor rusak pada minggu itu" in describe(entry)

    # Withdrawn is final.
    for action, data in (("correct", correction(latest, value="1")), ("withdraw",
                                                                       withdrawal(latest))):
        assert client.post(url(measured_team, latest, action), data=data).status_code == 409
    with pytest.raises(Conflict):
        services.verify_measurement(measured_team.reviewer, latest)
    assert older.id != latest.id


def test_a_withdrawn_measurement_no_longer_opens_gates_or_fills_digests(measured_team, make_user):
    m = add(measured_team, 25.0, recorded_at=datetime(2026, 11, 18, 2, tzinfo=UTC))
    initiative = db.session.get(Initiative, measured_team.initiative.id)
    assert gates.CHECKS["has_measurement"].passes(initiative)
    digest = build_digest(measured_team.manager, date(2026, 11, 16), datetime(2026, 11, 27, tzinfo=UTC))
    assert [item.indicator for item in digest.measurements] == ["Waktu tunggu bus"]

    services.withdraw_measurement(measured_team.staff, m, "Tercatat di indikator yang salah")
    db.session.commit()
    assert not gates.CHECKS["has_measurement"].passes(initiative)
    digest = build_digest(measured_team.manager, date(2026, 11, 16), datetime(2026, 11, 27, tzinfo=UTC))
    assert digest.measurements == []


def test_withdrawal_needs_a_reason(measured_team, auth, client, hx):
    m = add(measured_team, 25.0)
    auth.login(measured_team.staff)
    for headers in ({}, hx):
        response = client.post(url(measured_team, m, "withdraw"), data=withdrawal(m, " "), headers=headers)
        assert response.status_code == 422
        html = response.get_data(as_text=True)
        assert f'id="withdraw-{m.id}-reason-error"' in html
        assert '<details class="withdraw-measurement" open>' in html
    assert fresh(m).status == "submitted" and trail(measured_team) == []


# --------------------------------------------------------------------------- who may


@pytest.mark.parametrize("status, allowed", [
    ("submitted", {"staff", "manager", "admin"}),
    ("returned", {"staff", "manager", "admin"}),
    ("verified", {"reviewer", "admin"}),
])
def test_who_may_correct_or_withdraw(measured_team, auth, client, status, allowed):
    people = ("staff", "manager", "outsider", "reviewer", "admin")
    for person in people:
        for action in ("correct", "withdraw"):
            m = add(measured_team, 25.0, status=status, recorder=measured_team.admin)
            data = correction(m, value="26") if action == "correct" else withdrawal(m)
            auth.login(getattr(measured_team, person))
            answer = client.post(url(measured_team, m, action), data=data).status_code
            auth.logout()
            assert answer == (303 if person in allowed else 403), (person, action, answer)
            after = fresh(m)
            assert (after.value == 26.0 or after.status == "withdrawn") is (person in allowed)


def test_archived_initiatives_keep_their_measurements(measured_team, auth, client):
    m = add(measured_team, 25.0)
    initiative = db.session.get(Initiative, measured_team.initiative.id)
    initiative.archived = True
    db.session.commit()
    auth.login(measured_team.staff)
    page = client.get(f"/initiatives/{initiative.id}").get_data(as_text=True)
    assert url(measured_team, m, "correct") not in page
    assert client.post(url(measured_team, m, "withdraw"), data=withdrawal(m)).status_code == 409
    assert client.post(url(measured_team, m, "correct"), data=correction(m, value="1")).status_code == 409
    with pytest.raises(Conflict):
        services.withdraw_measurement(measured_team.staff, m, "x")
    db.session.rollback()
    assert fresh(m).status == "submitted" and trail(measured_team) == []


def test_the_status_rule_follows_corrections_and_withdrawals(measured_team, second_reviewer, make_initiative):
    """Half the time to the target date has passed: a verified 90 % is on track; once that figure
    is corrected (awaiting verification again) or withdrawn, the older verified 0 % counts and the
    initiative is at risk."""
    from quickwin_tracker.lifecycle.stages import active_stages
    from quickwin_tracker.lifecycle.status import Status, assess_many

    today = local_today()
    initiative = make_initiative(measured_team.unit, stage="in_progress",
                                 created_at=datetime.now(UTC) - timedelta(days=100),
                                 stage_entered_at=datetime.now(UTC),
                                 target_date=today + timedelta(days=100))
    indicator = Indicator(initiative=initiative, name="Waktu tunggu", baseline=30.0, target=10.0,
                          direction="lower")
    db.session.add(indicator)
    db.session.commit()
    measured_team = dataclasses.replace(measured_team, indicator=indicator)
    add(measured_team, 30.0, status="verified", day=today - timedelta(days=60))
    good = add(measured_team, 12.0, status="verified", day=today - timedelta(days=2))

    def status():
        db.session.expire_all()
        fresh_initiative = db.session.get(Initiative, initiative.id)
        return assess_many([fresh_initiative], active_stages(), today)[initiative.id][0].status

    assert status() == Status.ON_TRACK
    services.correct_measurement(measured_team.reviewer, fresh(good), services.CorrectionData(
        value=13.0, measured_on=good.measured_on, reason="Pembulatan"))
    db.session.commit()
    assert status() == Status.AT_RISK
    services.verify_measurement(second_reviewer, fresh(good))
    db.session.commit()
    assert status() == Status.ON_TRACK
    services.withdraw_measurement(measured_team.admin, fresh(good), "Sensor rusak")
    db.session.commit()
    assert status() == Status.AT_RISK
