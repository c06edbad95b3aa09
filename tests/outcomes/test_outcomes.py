"""Outcome indicators, measurements, verification, the trail and the SVG chart."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask_babel import format_date

from quickwin_tracker.domain.activity import describe
from quickwin_tracker.domain.clock import local_today
from quickwin_tracker.domain.errors import Conflict, Forbidden, Invalid
from quickwin_tracker.extensions import db
from quickwin_tracker.lifecycle.status import load_facts
from quickwin_tracker.models import Activity, Indicator, Initiative, Measurement
from quickwin_tracker.outcomes import services
from quickwin_tracker.outcomes.charts import indicator_chart_svg, ticks, value_range
from tests.conftest import t


def pending_note(percent: str) -> str:
    """The start of the "awaiting verification: N% (date), not counted yet" note."""
    return t("awaiting verification: %(value)s%% (%(date)s), not counted yet", value=percent,
             date="DATE").split(" (DATE")[0]


def trail(initiative_id):
    return list(db.session.scalars(
        sa.select(Activity).where(Activity.initiative_id == initiative_id).order_by(Activity.id)))


def count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def add_measurement(measured_team, value, day=None, status="submitted", recorder=None):
    m = Measurement(indicator=measured_team.indicator, value=value,
                    measured_on=day or local_today() - timedelta(days=3), status=status,
                    recorded_by=recorder or measured_team.staff)
    db.session.add(m)
    db.session.commit()
    return m


def indicator_form(prefix="new-indicator", **overrides):
    data = {"name": "Keluhan warga per bulan", "unit_of_measure": "keluhan", "baseline": "40",
            "target": "10", "direction": "lower", "target_date": "2027-06-30"}
    data.update(overrides)
    return {f"{prefix}-{k}": v for k, v in data.items()}


def measurement_form(indicator_id, **overrides):
    data = {"value": "25", "measured_on": (local_today() - timedelta(days=1)).isoformat(),
            "note": "Survei halte", "link": ""}
    data.update(overrides)
    return {f"measurement-{indicator_id}-{k}": v for k, v in data.items()}


def urls(measured_team):
    i, ind = measured_team.initiative.id, measured_team.indicator.id
    return {
        "add": f"/initiatives/{i}/indicators",
        "edit": f"/initiatives/{i}/indicators/{ind}/edit",
        "delete": f"/initiatives/{i}/indicators/{ind}/delete",
        "record": f"/initiatives/{i}/indicators/{ind}/measurements",
        "page": f"/initiatives/{i}",
    }


def review_url(measured_team, m, action):
    return f"/initiatives/{measured_team.initiative.id}/measurements/{m.id}/{action}"


# --------------------------------------------------------------------------- indicators


def test_add_indicator_plain_post_redirects_to_the_section(measured_team, auth, client):
    auth.login(measured_team.staff)
    before = len(trail(measured_team.initiative.id))
    response = client.post(urls(measured_team)["add"], data=indicator_form())
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/initiatives/{measured_team.initiative.id}#outcomes")
    added = db.session.scalar(sa.select(Indicator).where(Indicator.name.startswith("Keluhan")))
    assert (added.baseline, added.target, added.direction) == (40.0, 10.0, "lower")
    assert added.target_date == date(2027, 6, 30)
    assert added.position == measured_team.indicator.position + 1
    entries = trail(measured_team.initiative.id)[before:]
    assert [e.verb for e in entries] == ["indicator_added"]
    assert entries[0].data["name"] == "Keluhan warga per bulan"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Keluhan warga per bulan" in page
    assert "Keluhan warga per bulan" in describe(entries[0])


def test_add_indicator_with_htmx_returns_the_section(measured_team, auth, client, hx):
    auth.login(measured_team.staff)
    response = client.post(urls(measured_team)["add"], data=indicator_form(), headers=hx)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html
    assert html.lstrip().startswith('<section id="outcomes"')
    assert "Keluhan warga per bulan" in html and 'role="status"' in html


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"baseline": "abc"}, "baseline"),
        ({"target": "nan"}, "target"),
        ({"baseline": "inf"}, "baseline"),
        ({"direction": "sideways"}, "direction"),
        # a direction that contradicts baseline → target: the message sits next to "direction"
        ({"direction": "higher", "baseline": "40", "target": "10"}, "direction"),
        ({"direction": "lower", "baseline": "10", "target": "40"}, "direction"),
        # baseline equal to target: progress would be undefined (issue 10)
        ({"baseline": "10", "target": "10"}, "target"),
        ({"baseline": "10", "target": "10,0"}, "target"),
    ],
)
def test_bad_indicator_input_gets_a_message_next_to_the_field(measured_team, auth, client, hx, overrides,
                                                             field):
    auth.login(measured_team.staff)
    before = count(Activity)
    for headers in ({}, hx):
        response = client.post(urls(measured_team)["add"], data=indicator_form(**overrides),
                               headers=headers)
        assert response.status_code == 422
        html = response.get_data(as_text=True)
        assert f'id="new-indicator-{field}-error"' in html
        assert ("<html" in html) is (not headers)
        assert '<details class="add-form add-indicator" open>' in html
    assert count(Indicator) == 1
    assert count(Activity) == before


def test_baseline_equal_to_target_is_refused_in_the_service_too(measured_team):
    for baseline, direction in ((12.0, "higher"), (0.0, "lower")):
        data = services.IndicatorData(name="Sama", baseline=baseline, target=baseline,
                                      direction=direction)
        with pytest.raises(Invalid) as refused:
            services.add_indicator(measured_team.staff, measured_team.initiative, data)
        assert refused.value.field == "target"
        assert refused.value.message == t("The target must differ from the baseline: progress "
                                          "is measured from one to the other.")
        with pytest.raises(Invalid):
            services.update_indicator(measured_team.staff, measured_team.indicator, data)
        db.session.rollback()
    assert db.session.get(Indicator, measured_team.indicator.id).target == 10.0
    # Either one alone is fine (not measurable yet).
    services.add_indicator(measured_team.staff, measured_team.initiative,
                           services.IndicatorData(name="Belum", baseline=12.0))
    db.session.commit()


def test_comma_decimals_are_understood(measured_team, auth, client):
    auth.login(measured_team.staff)
    client.post(urls(measured_team)["add"], data=indicator_form(baseline="12,5", target="2,5"))
    added = db.session.scalar(sa.select(Indicator).where(Indicator.name.startswith("Keluhan")))
    assert (added.baseline, added.target) == (12.5, 2.5)


def test_edit_indicator_records_old_and_new(measured_team, auth, client):
    auth.login(measured_team.staff)
    prefix = f"indicator-{measured_team.indicator.id}"
    data = indicator_form(prefix, name="Waktu tunggu bus sekolah", unit_of_measure="menit",
                          baseline="30", target="5", direction="lower", target_date="")
    response = client.post(urls(measured_team)["edit"], data=data)
    assert response.status_code == 303
    indicator = db.session.get(Indicator, measured_team.indicator.id)
    assert indicator.name == "Waktu tunggu bus sekolah" and indicator.target == 5.0
    entries = [e for e in trail(measured_team.initiative.id) if e.verb.startswith("indicator")]
    assert [e.verb for e in entries] == ["indicator_updated"]
    assert entries[0].data["changes"] == {"name": ["Waktu tunggu bus", "Waktu tunggu bus sekolah"],
                                          "target": [10.0, 5.0]}
    sentence = describe(entries[0])
    assert "Waktu tunggu bus sekolah" in sentence and "→" in sentence
    # the same values again: nothing changed, nothing recorded
    assert client.post(urls(measured_team)["edit"], data=data).status_code == 303
    assert len([e for e in trail(measured_team.initiative.id) if e.verb.startswith("indicator")]) == 1


def test_delete_indicator_removes_its_measurements_with_one_entry(measured_team, auth, client, hx):
    add_measurement(measured_team, 20.0)
    add_measurement(measured_team, 18.0)
    auth.login(measured_team.staff)
    before = len(trail(measured_team.initiative.id))
    response = client.post(urls(measured_team)["delete"], headers=hx)
    assert response.status_code == 200 and "Waktu tunggu bus" in response.get_data(as_text=True)
    assert count(Indicator) == 0 and count(Measurement) == 0
    entries = trail(measured_team.initiative.id)[before:]
    assert [e.verb for e in entries] == ["indicator_deleted"]
    assert entries[0].data["measurements"] == 2


def test_outsiders_and_reviewers_cannot_change_indicators(measured_team, auth, client, hx):
    for user in (measured_team.outsider, measured_team.reviewer):
        auth.login(user)
        page = client.get(urls(measured_team)["page"]).get_data(as_text=True)
        assert 'id="outcomes"' in page and "Waktu tunggu bus" in page
        assert urls(measured_team)["add"] not in page and urls(measured_team)["record"] not in page
        assert urls(measured_team)["edit"] not in page and urls(measured_team)["delete"] not in page
        for url, data in ((urls(measured_team)["add"], indicator_form()),
                          (urls(measured_team)["edit"],
                           indicator_form(f"indicator-{measured_team.indicator.id}")),
                          (urls(measured_team)["delete"], {}),
                          (urls(measured_team)["record"], measurement_form(measured_team.indicator.id))):
            assert client.post(url, data=data).status_code == 403
            refused = client.post(url, data=data, headers=hx)
            assert refused.status_code == 403
            assert refused.get_data(as_text=True).lstrip().startswith('<section id="outcomes"')
        auth.logout()
    assert count(Indicator) == 1 and count(Measurement) == 0
    assert [e.verb for e in trail(measured_team.initiative.id)] == []


def test_unknown_or_foreign_ids_are_404(measured_team, auth, client, make_initiative):
    other = make_initiative(measured_team.unit)
    auth.login(measured_team.staff)
    ind = measured_team.indicator.id
    assert client.post(f"/initiatives/{other.id}/indicators/{ind}/edit").status_code == 404
    own = measured_team.initiative.id
    assert client.post(f"/initiatives/{own}/indicators/999/delete").status_code == 404
    assert client.post("/initiatives/999/indicators").status_code == 404
    assert client.post(f"/initiatives/{other.id}/measurements/1/verify").status_code == 404


def test_archived_initiatives_take_no_new_measurements(measured_team, auth, client):
    initiative = db.session.get(Initiative, measured_team.initiative.id)
    initiative.archived = True
    db.session.commit()
    auth.login(measured_team.staff)
    page = client.get(urls(measured_team)["page"]).get_data(as_text=True)
    assert urls(measured_team)["record"] not in page
    response = client.post(urls(measured_team)["record"], data=measurement_form(measured_team.indicator.id))
    assert response.status_code == 409
    assert count(Measurement) == 0


# --------------------------------------------------------------------------- measurements


def test_record_measurement_counts_only_once_verified(measured_team, auth, client, hx):
    auth.login(measured_team.staff)
    response = client.post(urls(measured_team)["record"], data=measurement_form(measured_team.indicator.id,
                                                                       value="20"))
    assert response.status_code == 303
    m = db.session.scalar(sa.select(Measurement))
    assert (m.value, m.status, m.recorded_by_id) == (20.0, "submitted", measured_team.staff.id)
    assert [e.verb for e in trail(measured_team.initiative.id)] == ["measurement_recorded"]
    page = client.get(urls(measured_team)["page"]).get_data(as_text=True)
    assert t("awaiting verification") in page
    assert t("not measured yet: no verified measurement") in page
    # The bar shows it as pending: a hatched part only, nothing verified; lower is better,
    # 30 → 10, measured 20: it would be half way once verified.
    bar = page.split('class="progress-bar"')[1].split("</svg>")[0]
    assert 'class="progress-pending" x="0" width="50"' in bar
    assert "progress-verified" not in bar
    assert pending_note("50") in page

    auth.logout()
    auth.login(measured_team.reviewer)
    response = client.post(review_url(measured_team, m, "verify"), headers=hx)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html
    # lower is better: 30 → 10, measured 20: half way
    assert 'class="progress-verified" width="50"' in html and ">50%</strong>" in html
    assert "progress-pending" not in html and "not counted yet" not in html
    assert db.session.get(Measurement, m.id).status == "verified"
    assert [e.verb for e in trail(measured_team.initiative.id)] == ["measurement_recorded",
                                                              "measurement_verified"]


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"value": ""}, "value"),
        ({"value": "lots"}, "value"),
        ({"measured_on": ""}, "measured_on"),
        ({"measured_on": "2026-13-45"}, "measured_on"),
        ({"link": "javascript:alert(1)"}, "link"),
        ({"link": "ftp://files.balikpapan.go.id/x.pdf"}, "link"),
    ],
)
def test_bad_measurement_input(measured_team, auth, client, hx, overrides, field):
    auth.login(measured_team.staff)
    iid = measured_team.indicator.id
    response = client.post(urls(measured_team)["record"], data=measurement_form(iid, **overrides),
                           headers=hx)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'id="measurement-{iid}-{field}-error"' in html
    assert '<details class="add-form record-measurement" open>' in html
    assert count(Measurement) == 0 and count(Activity) == 0


def test_future_dates_are_refused_in_the_city_time_zone(measured_team):
    # 16:30 UTC on 1 May is 00:30 on 2 May in Balikpapan (WITA, UTC+8).
    now = datetime(2026, 5, 1, 16, 30, tzinfo=UTC)
    data = services.MeasurementData(value=12.0, measured_on=date(2026, 5, 2))
    m = services.record_measurement(measured_team.staff, measured_team.indicator, data, now=now)
    assert m.measured_on == date(2026, 5, 2)
    with pytest.raises(Invalid) as refused:
        services.record_measurement(
            measured_team.staff, measured_team.indicator,
            services.MeasurementData(value=12.0, measured_on=date(2026, 5, 3)), now=now)
    assert refused.value.field == "measured_on"


def test_links_must_be_web_addresses(measured_team):
    ok = services.record_measurement(
        measured_team.staff, measured_team.indicator,
        services.MeasurementData(value=1.0, measured_on=date(2026, 1, 1),
                                 link=" https://data.balikpapan.go.id/bus "))
    assert ok.link == "https://data.balikpapan.go.id/bus"
    too_long = "https://x/" + "a" * 500
    for bad in ("data.balikpapan.go.id", "http://", "javascript:alert(1)", too_long):
        with pytest.raises(Invalid) as refused:
            services.record_measurement(
                measured_team.staff, measured_team.indicator,
                services.MeasurementData(value=1.0, measured_on=date(2026, 1, 1), link=bad))
        assert refused.value.field == "link"


# --------------------------------------------------------------------------- verification


def test_reviewer_verifies_and_returns_with_a_reason(measured_team, auth, client):
    first = add_measurement(measured_team, 25.0)
    second = add_measurement(measured_team, 12.0)
    auth.login(measured_team.reviewer)
    page = client.get(urls(measured_team)["page"]).get_data(as_text=True)
    assert review_url(measured_team, first, "verify") in page
    assert review_url(measured_team, first, "return") in page

    assert client.post(review_url(measured_team, first, "verify")).status_code == 303
    response = client.post(review_url(measured_team, second, "return"),
                           data={f"return-{second.id}-reason": "Foto bukti tidak terbaca."})
    assert response.status_code == 303
    first, second = db.session.get(Measurement, first.id), db.session.get(Measurement, second.id)
    assert (first.status, first.reviewed_by_id) == ("verified", measured_team.reviewer.id)
    assert (second.status, second.review_note) == ("returned", "Foto bukti tidak terbaca.")
    entries = trail(measured_team.initiative.id)
    assert [e.verb for e in entries] == ["measurement_verified", "measurement_returned"]
    assert entries[1].data["reason"] == "Foto bukti tidak terbaca."
    assert "Foto bukti tidak terbaca." in describe(entries[1])

    page = client.get(urls(measured_team)["page"]).get_data(as_text=True)
    assert "Foto bukti tidak terbaca." in page
    # the returned 12 (which would be 90 %) does not count; the verified 25 does: 25 %
    assert ">25%</strong>" in page
    assert review_url(measured_team, first, "verify") not in page  # reviewed: no more buttons


def test_return_needs_a_reason(measured_team, auth, client, hx):
    m = add_measurement(measured_team, 25.0)
    auth.login(measured_team.reviewer)
    response = client.post(review_url(measured_team, m, "return"), data={f"return-{m.id}-reason": "  "},
                           headers=hx)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'id="return-{m.id}-reason-error"' in html
    assert '<details class="return-measurement" open>' in html
    assert db.session.get(Measurement, m.id).status == "submitted"
    assert trail(measured_team.initiative.id) == []


def test_staff_cannot_verify(measured_team, auth, client, hx):
    m = add_measurement(measured_team, 25.0, recorder=measured_team.admin)
    auth.login(measured_team.staff)
    page = client.get(urls(measured_team)["page"]).get_data(as_text=True)
    assert review_url(measured_team, m, "verify") not in page
    assert client.post(review_url(measured_team, m, "verify")).status_code == 403
    response = client.post(review_url(measured_team, m, "return"), headers=hx,
                           data={f"return-{m.id}-reason": "no"})
    assert response.status_code == 403
    assert t("Only reviewers verify measurements.") in response.get_data(as_text=True)
    assert db.session.get(Measurement, m.id).status == "submitted"
    assert trail(measured_team.initiative.id) == []


def test_nobody_verifies_their_own_measurement(measured_team, auth, client):
    own = add_measurement(measured_team, 25.0, recorder=measured_team.admin)
    auth.login(measured_team.admin)
    page = client.get(urls(measured_team)["page"]).get_data(as_text=True)
    assert review_url(measured_team, own, "verify") not in page
    assert t("You recorded or corrected this; another reviewer verifies it.") in page
    assert client.post(review_url(measured_team, own, "verify")).status_code == 403
    assert client.post(review_url(measured_team, own, "return"),
                       data={f"return-{own.id}-reason": "x"}).status_code == 403
    assert db.session.get(Measurement, own.id).status == "submitted"
    with pytest.raises(Forbidden):
        services.verify_measurement(measured_team.admin, own)


def test_only_submitted_measurements_are_reviewed(measured_team, auth, client, hx):
    m = add_measurement(measured_team, 25.0, status="verified")
    auth.login(measured_team.reviewer)
    response = client.post(review_url(measured_team, m, "return"), headers=hx,
                           data={f"return-{m.id}-reason": "Salah"})
    assert response.status_code == 409
    assert t("This measurement has already been verified.") in response.get_data(as_text=True)
    assert db.session.get(Measurement, m.id).status == "verified"
    with pytest.raises(Conflict):
        services.verify_measurement(measured_team.reviewer, m)


def test_status_rule_and_section_agree_on_progress(measured_team, auth, client):
    add_measurement(measured_team, 20.0, day=date(2026, 1, 1), status="verified")
    add_measurement(measured_team, 14.0, day=date(2026, 2, 1), status="verified")
    add_measurement(measured_team, 10.0, day=date(2026, 3, 1), status="submitted")
    initiative = db.session.get(Initiative, measured_team.initiative.id)
    facts = load_facts([initiative])[initiative.id]
    indicator = db.session.get(Indicator, measured_team.indicator.id)
    assert facts.indicator_progress == [services.indicator_progress(indicator)] == [80.0]


def test_over_achievement_and_below_baseline_are_shown(measured_team, auth, client):
    add_measurement(measured_team, 5.0, status="verified")  # lower is better, 30 → 10: 125 %
    auth.login(measured_team.staff)
    page = client.get(urls(measured_team)["page"]).get_data(as_text=True)
    assert ">125%</strong>" in page and t("over-achieved: the target is beaten") in page
    assert 'class="progress-verified" width="100"' in page
    add_measurement(measured_team, 40.0, day=local_today(), status="verified")  # worse than baseline
    page = client.get(urls(measured_team)["page"]).get_data(as_text=True)
    assert ">-50%</strong>" in page and t("below the baseline") in page
    assert 'class="progress-verified" width="0"' in page


# --------------------------------------------------------------------------- the page


def test_section_markup_has_no_inline_styles_and_escapes_text(measured_team, auth, client):
    indicator = db.session.get(Indicator, measured_team.indicator.id)
    indicator.name = '<script>alert("x")</script>'
    db.session.commit()
    add_measurement(measured_team, 20.0, status="verified")
    auth.login(measured_team.staff)
    page = client.get(urls(measured_team)["page"]).get_data(as_text=True)
    section = page[page.index('<section id="outcomes"'):]
    section = section[:section.index("</section>")]
    assert "<script>alert" not in page
    assert "&lt;script&gt;" in section
    assert not re.search(r"\sstyle=", section)
    assert 'enctype="multipart/form-data"' in section
    assert 'data-hx-encoding="multipart/form-data"' in section
    assert 'data-hx-target="#outcomes"' in section and 'data-hx-swap="outerHTML"' in section
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in section


# --------------------------------------------------------------------------- the chart


def _chart_indicator(**kw):
    kw.setdefault("name", "Waktu tunggu")
    kw.setdefault("unit_of_measure", "menit")
    kw.setdefault("baseline", 30.0)
    kw.setdefault("target", 10.0)
    kw.setdefault("direction", "lower")
    return Indicator(id=1, **kw)


def _points(*specs):
    return [Measurement(id=i + 1, value=v, measured_on=d, status=s)
            for i, (v, d, s) in enumerate(specs)]


def _assert_well_formed(svg):
    import xml.etree.ElementTree as ET

    root = ET.fromstring(str(svg))
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("role") == "img" and root.get("aria-label")
    assert root.find("{http://www.w3.org/2000/svg}title") is not None
    assert " style=" not in str(svg) and "<script" not in str(svg)
    return root


def test_chart_without_measurements(app):
    svg = indicator_chart_svg(_chart_indicator(), [])
    _assert_well_formed(svg)
    assert "No measurements yet" in svg
    assert svg.count('stroke-dasharray="6 4"') == 2  # baseline and target
    assert "<circle" not in svg and "<polyline" not in svg


def test_chart_with_one_measurement(app):
    svg = indicator_chart_svg(_chart_indicator(), _points((20.0, date(2026, 3, 1), "verified")))
    _assert_well_formed(svg)
    assert svg.count("<circle") == 1 and "<polyline" not in svg
    assert 'fill="#0b5394"' in svg  # filled: verified


def test_chart_marks_status_and_joins_verified_points(app):
    svg = indicator_chart_svg(_chart_indicator(), _points(
        (25.0, date(2026, 1, 1), "verified"),
        (20.0, date(2026, 2, 1), "submitted"),
        (12.0, date(2026, 3, 1), "returned"),
        (15.0, date(2026, 4, 1), "verified"),
    ))
    _assert_well_formed(svg)
    assert svg.count('class="chart-point point-verified"') == 2
    assert svg.count('class="chart-point point-submitted"') == 1
    assert svg.count('class="chart-point point-returned"') == 1
    assert svg.count("<polyline") == 1
    assert re.search(r'<circle [^>]*fill="#fff"', svg)  # hollow: submitted
    assert '<path d="M' in svg  # the cross of the returned one


def test_chart_with_equal_values_and_no_reference_lines(app):
    indicator = _chart_indicator(baseline=None, target=None)
    svg = indicator_chart_svg(indicator, _points((7.0, date(2026, 1, 1), "verified"),
                                                 (7.0, date(2026, 1, 1), "verified")))
    root = _assert_well_formed(svg)
    ys = {c.get("cy") for c in root.iter("{http://www.w3.org/2000/svg}circle")}
    assert len(ys) == 1 and "nan" not in svg.lower()
    assert "stroke-dasharray" not in svg


def test_chart_with_negative_values(app):
    indicator = _chart_indicator(baseline=-10.0, target=-2.0, direction="higher",
                                 unit_of_measure="")
    svg = indicator_chart_svg(indicator, _points((-8.0, date(2026, 1, 1), "verified"),
                                                 (-4.5, date(2026, 6, 1), "verified")))
    root = _assert_well_formed(svg)
    circles = list(root.iter("{http://www.w3.org/2000/svg}circle"))
    # higher values are drawn higher up (smaller y)
    assert float(circles[1].get("cy")) < float(circles[0].get("cy"))
    _x, _y, width, height = map(float, root.get("viewBox").split())
    for c in circles:
        assert 0 <= float(c.get("cx")) <= width and 0 <= float(c.get("cy")) <= height


def test_chart_escapes_the_name(app):
    svg = indicator_chart_svg(_chart_indicator(name='"><script>x</script>'), [])
    _assert_well_formed(svg)
    assert "<script>" not in svg and "&lt;script&gt;" in svg


def _x(root, element) -> float:
    return float(element.get("cx") or element.get("x1"))


def test_chart_spans_from_the_start_to_the_target_date_with_the_plan_and_today(app):
    """x runs from the indicator's start (the initiative's creation, before the first
    measurement) to its target date; a straight planned line goes from the baseline at the start
    to the target at the target date; a vertical line marks today; it fills its container."""
    svg = indicator_chart_svg(
        _chart_indicator(), _points((25.0, date(2026, 3, 1), "verified"),
                                    (20.0, date(2026, 5, 1), "verified")),
        start=date(2026, 1, 1), due=date(2026, 12, 31), today=date(2026, 7, 2))
    root = _assert_well_formed(svg)
    ns = "{http://www.w3.org/2000/svg}"
    assert root.get("viewBox") and root.get("width") is None and root.get("height") is None
    frame = root.find(f"{ns}rect")
    left = float(frame.get("x"))
    right = left + float(frame.get("width"))
    dates = [t.text for t in root.iter(f"{ns}text") if t.get("class") == "chart-date"]
    assert dates == [format_date(date(2026, 1, 1), "short"),
                     format_date(date(2026, 12, 31), "short")]
    plan = next(g for g in root.iter(f"{ns}g") if g.get("class") == "chart-plan")
    line = plan.find(f"{ns}line")
    assert float(line.get("x1")) == pytest.approx(left, abs=0.1)
    assert float(line.get("x2")) == pytest.approx(right, abs=0.1)
    top = float(frame.get("y"))
    bottom = top + float(frame.get("height"))
    # y: baseline 30 drawn lower than the target 10? No: lower is better, so 30 is the higher
    # value and is drawn higher up; the plan falls from the baseline to the target.
    assert float(line.get("y1")) < float(line.get("y2"))
    assert top <= float(line.get("y1")) <= bottom and top <= float(line.get("y2")) <= bottom
    today = next(g for g in root.iter(f"{ns}g") if g.get("class") == "chart-today")
    tx = float(today.find(f"{ns}line").get("x1"))
    assert tx == pytest.approx(left + 182 / 364 * (right - left), abs=0.2)  # 2 July: day 182
    assert today.findtext(f"{ns}text") == t("today")
    circles = [c for c in root.iter(f"{ns}circle") if c.get("r") == "4"]
    assert left < _x(root, circles[0]) < _x(root, circles[1]) < tx


def test_chart_widens_for_measurements_after_the_target_date_and_without_one(app):
    svg = indicator_chart_svg(_chart_indicator(), _points((12.0, date(2027, 2, 1), "verified")),
                              start=date(2026, 1, 1), due=date(2026, 12, 31),
                              today=date(2027, 3, 1))
    root = _assert_well_formed(svg)
    ns = "{http://www.w3.org/2000/svg}"
    dates = [t.text for t in root.iter(f"{ns}text") if t.get("class") == "chart-date"]
    assert dates[-1] == format_date(date(2027, 3, 1), "short")
    # no target date: no planned line, still today
    svg = indicator_chart_svg(_chart_indicator(), [], start=date(2026, 1, 1), due=None,
                              today=date(2026, 6, 1))
    assert 'class="chart-plan"' not in svg and 'class="chart-today"' in svg


def test_chart_shows_a_measurement_awaiting_verification_as_pending(app):
    svg = indicator_chart_svg(
        _chart_indicator(), _points((25.0, date(2026, 3, 1), "verified"),
                                    (18.0, date(2026, 4, 1), "submitted")),
        start=date(2026, 1, 1), due=date(2026, 12, 31), today=date(2026, 4, 2))
    root = _assert_well_formed(svg)
    ns = "{http://www.w3.org/2000/svg}"
    pending = next(g for g in root.iter(f"{ns}g") if g.get("class") == "chart-point point-submitted")
    assert pending.find(f"{ns}circle").get("fill") == "#fff"  # hollow
    assert t("awaiting verification") in pending.findtext(f"{ns}title")
    segment = next(e for e in root.iter(f"{ns}line") if e.get("class") == "chart-pending")
    verified = next(g for g in root.iter(f"{ns}g") if g.get("class") == "chart-point point-verified")
    assert segment.get("x1") == verified.find(f"{ns}circle").get("cx")
    assert segment.get("x2") == pending.find(f"{ns}circle").get("cx")
    assert segment.get("stroke-dasharray") and "<polyline" not in svg  # not joined as counted


def test_progress_bar_shows_the_pending_part_hatched(app):
    from quickwin_tracker.outcomes.charts import progress_bar_svg

    bar = str(progress_bar_svg("7", 40, 65))
    assert 'class="progress-verified" width="40"' in bar
    assert 'class="progress-pending" x="40" width="25"' in bar and 'fill="url(#hatch-7)"' in bar
    lower = str(progress_bar_svg("7", 40, 10))  # it would lower the progress: over the solid part
    assert 'class="progress-pending" x="10" width="30"' in lower
    assert "progress-pending" not in str(progress_bar_svg("7", 40, None))
    assert "progress-verified" not in str(progress_bar_svg("7", None, 30))


def test_the_section_shows_the_latest_measurement_awaiting_verification(measured_team, auth,
                                                                        client):
    add_measurement(measured_team, 20.0, day=date(2026, 3, 1), status="verified")  # 50 %
    add_measurement(measured_team, 15.0, day=date(2026, 4, 1), status="submitted")  # 75 %
    auth.login(measured_team.staff)
    page = client.get(urls(measured_team)["page"]).get_data(as_text=True)
    assert ">50%</strong>" in page  # what counts stays the verified figure
    assert 'class="progress-verified" width="50"' in page
    assert 'class="progress-pending" x="50" width="25"' in page
    assert pending_note("75") in page
    assert 'class="chart-pending"' in page and 'class="chart-today"' in page


@pytest.mark.parametrize("values", [[], [5.0], [5.0, 5.0], [-3.0, 0.0], [0.0], [1e-6, 2e-6],
                                    [-1000.0, 250000.0]])
def test_value_range_and_ticks(values):
    lo, hi = value_range(values)
    assert lo < hi
    assert all(lo <= v <= hi for v in values)
    found = ticks(lo, hi)
    assert found and all(lo - 1e-9 <= t <= hi + 1e-9 for t in found)
    assert len(found) <= 11


def test_every_outcome_change_writes_one_entry_with_a_sentence(measured_team):
    staff, reviewer, indicator = measured_team.staff, measured_team.reviewer, measured_team.indicator
    initiative_id = measured_team.initiative.id

    def entries():
        return trail(initiative_id)

    data = services.IndicatorData(name="Penumpang per hari", baseline=100.0, target=400.0)
    added = services.add_indicator(staff, measured_team.initiative, data)
    assert [e.verb for e in entries()] == ["indicator_added"]
    services.update_indicator(staff, added, services.IndicatorData(
        name="Penumpang per hari", baseline=100.0, target=500.0, target_date=date(2027, 1, 1)))
    m1 = services.record_measurement(staff, indicator, services.MeasurementData(
        value=20.0, measured_on=date(2026, 2, 1)))
    m2 = services.record_measurement(staff, indicator, services.MeasurementData(
        value=15.0, measured_on=date(2026, 3, 1)))
    services.verify_measurement(reviewer, m1)
    services.return_measurement(reviewer, m2, "Angka belum final")
    services.delete_indicator(staff, added)
    db.session.commit()
    verbs = [e.verb for e in entries()]
    assert verbs == ["indicator_added", "indicator_updated", "measurement_recorded",
                     "measurement_recorded", "measurement_verified", "measurement_returned",
                     "indicator_deleted"]
    for entry in entries():
        sentence = describe(entry)
        assert sentence != entry.verb and "%(" not in sentence
    updated = entries()[1]
    assert updated.data["changes"] == {"target": [400.0, 500.0],
                                       "target_date": [None, "2027-01-01"]}
    assert "Angka belum final" in describe(entries()[5])
