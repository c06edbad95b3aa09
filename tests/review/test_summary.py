"""The Sekda's summary: exact figures on known data, scope, period filter, query budget."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from quickwin_tracker.domain.activity import record
from quickwin_tracker.extensions import db
from quickwin_tracker.models import Indicator, Measurement, Milestone
from quickwin_tracker.review.periods import Period, PeriodError, period_from_args, preset
from quickwin_tracker.review.services import build_summary

NOW = datetime(2026, 11, 27, 4, 0, tzinfo=UTC)  # 12:00 WITA, Friday
TODAY = date(2026, 11, 27)


@pytest.fixture
def city(make_unit, make_user, make_initiative, stages):
    """Two units, five initiatives with known stages, statuses, milestones and measurements."""
    dukcapil, dinkes = make_unit("DUKCAPIL"), make_unit("DINKES")
    users = {
        "reviewer": make_user("reviewer"),
        "admin": make_user("admin"),
        "manager": make_user("manager", dukcapil),
        "staff": make_user("staff", dukcapil),
    }
    long_ago = datetime(2026, 1, 5, tzinfo=UTC)
    recent = NOW - timedelta(days=2)
    a = make_initiative(dukcapil, stage="proposed", dimension="governance", created_at=long_ago,
                        stage_entered_at=recent, target_date=date(2027, 6, 1))
    b = make_initiative(dukcapil, stage="in_progress", dimension="governance", created_at=long_ago,
                        stage_entered_at=recent, target_date=date(2027, 6, 1))
    c = make_initiative(dukcapil, stage="rolled_out", dimension="living", created_at=long_ago,
                        stage_entered_at=datetime(2026, 10, 15, tzinfo=UTC),
                        target_date=date(2026, 10, 1))
    d = make_initiative(dinkes, stage="pilot", dimension="living", created_at=long_ago,
                        stage_entered_at=recent, target_date=date(2026, 11, 1))  # target passed
    e = make_initiative(dinkes, stage="rolled_out", dimension="society", created_at=long_ago,
                        stage_entered_at=datetime(2026, 3, 10, tzinfo=UTC),
                        target_date=date(2026, 4, 1))
    make_initiative(dinkes, stage="approved", archived=True)  # never counted
    # b has a milestone 3 days overdue -> at risk
    db.session.add(Milestone(initiative=b, title="Pelatihan operator", due_date=TODAY - timedelta(days=3)))
    # c: an indicator that met its target (verified); d: behind; e: submitted only (unmeasured)
    for initiative, value, status in ((c, 10.0, "verified"), (d, 50.0, "verified"), (e, 5.0, "submitted")):
        ind = Indicator(initiative=initiative, name="Waktu", baseline=60, target=10, direction="lower")
        db.session.add(ind)
        db.session.add(Measurement(indicator=ind, value=value, measured_on=TODAY - timedelta(days=20),
                                   status=status))
    # rollout moves in the trail: c in October (this quarter), e in March (this year)
    for initiative, at in ((c, datetime(2026, 10, 15, tzinfo=UTC)), (e, datetime(2026, 3, 10, tzinfo=UTC))):
        record(users["admin"], "created", initiative, now=long_ago)
        record(users["admin"], "moved", initiative, now=at, from_stage="pilot", to_stage="rolled_out")
    for initiative in (a, b, d):
        record(users["admin"], "created", initiative, now=recent)
    db.session.commit()
    return {"users": users, "units": (dukcapil, dinkes), "initiatives": (a, b, c, d, e)}


def test_city_summary_exact_figures(city, stages, dimensions):
    period = preset("year", TODAY)
    s = build_summary(city["users"]["reviewer"], period, now=NOW)
    h = s.headline
    assert h.active == 3  # a, b, d
    assert h.rolled_out_period == 2 and h.rolled_out_year == 2
    assert h.rolled_out_quarter == 1
    assert h.with_measurement_share == pytest.approx(3 / 5)  # c, d verified; e submitted
    # on track: a, done: c and e -> 3 of 5 (b at risk, d off track)
    assert h.on_track_share == pytest.approx(3 / 5)
    assert h.overdue_milestones == 1
    expected_days = ((datetime(2026, 10, 15, tzinfo=UTC) - datetime(2026, 1, 5, tzinfo=UTC)).days
                     + (datetime(2026, 3, 10, tzinfo=UTC) - datetime(2026, 1, 5, tzinfo=UTC)).days) / 2
    assert h.average_days_to_rollout == pytest.approx(expected_days)
    gov, living, society = dimensions["governance"].id, dimensions["living"].id, dimensions["society"].id
    assert s.matrix == {
        (gov, stages["proposed"].id): 1, (gov, stages["in_progress"].id): 1,
        (living, stages["rolled_out"].id): 1, (living, stages["pilot"].id): 1,
        (society, stages["rolled_out"].id): 1,
    }
    rows = {r.unit.code: r for r in s.unit_rows}
    assert rows["DUKCAPIL"].total == 3 and rows["DINKES"].total == 2
    assert rows["DUKCAPIL"].by_status["at_risk"] == 1 and rows["DINKES"].by_status["off_track"] == 1
    assert rows["DUKCAPIL"].overdue_milestones == 1 and rows["DINKES"].overdue_milestones == 0
    assert rows["DUKCAPIL"].average_progress == pytest.approx(100.0)
    assert rows["DINKES"].average_progress == pytest.approx(20.0)  # (60-50)/(60-10)
    outcomes = {o.dimension.code: o for o in s.outcomes}
    assert (outcomes["living"].met, outcomes["living"].behind) == (1, 1)
    assert outcomes["society"].unmeasured == 1
    assert [row.id for row, _a in s.attention] == [city["initiatives"][3].id, city["initiatives"][1].id]
    assert [str(a.status) for _r, a in s.attention] == ["off_track", "at_risk"]


def test_manager_sees_only_their_unit(city):
    s = build_summary(city["users"]["manager"], preset("year", TODAY), now=NOW)
    assert s.unit.code == "DUKCAPIL"
    assert [r.unit.code for r in s.unit_rows] == ["DUKCAPIL"]
    assert s.headline.active == 2 and s.headline.rolled_out_year == 1


def test_period_filter_applies(city):
    q3 = Period("custom", date(2026, 7, 1), date(2026, 9, 30))
    s = build_summary(city["users"]["reviewer"], q3, now=NOW)
    assert s.headline.rolled_out_period == 0
    march = Period("custom", date(2026, 3, 1), date(2026, 3, 31))
    assert build_summary(city["users"]["reviewer"], march, now=NOW).headline.rolled_out_period == 1


def test_trends_replay_the_trail(city, stages, dimensions):
    s = build_summary(city["users"]["reviewer"], preset("year", TODAY), now=NOW)
    last_week, counts = s.cfd[-1]
    assert counts[stages["rolled_out"].id] == 2
    assert sum(counts.values()) == 5
    months = dict(s.throughput)
    assert months[date(2026, 10, 1)][dimensions["living"].id] == 1
    assert months[date(2026, 3, 1)][dimensions["society"].id] == 1


@pytest.mark.parametrize("args", [{"period": "decade"}, {"period": "custom", "start": "x", "end": "y"},
                                  {"period": "custom", "start": "2026-05-01", "end": "2026-04-01"}])
def test_bad_periods_are_refused(args):
    with pytest.raises(PeriodError):
        period_from_args(args, TODAY)


def test_summary_page_permissions_and_content(city, auth, client):
    auth.login(city["users"]["staff"])
    assert client.get("/summary").status_code == 403
    auth.logout()
    auth.login(city["users"]["reviewer"])
    page = client.get("/summary?period=year")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-figure="active">3<' in html
    assert ("/board/?dimension=governance&amp;in_stage=in_progress&amp;unit=all"
            "#cell-governance-in_progress") in html
    assert "<svg" in html and "<title>" in html
    assert client.get("/summary?period=decade").status_code == 400
    assert client.get("/summary?sort=nope").status_code == 400
    fragment = client.get("/summary?period=quarter", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="summary"') and "<html" not in fragment
    sorted_page = client.get("/summary?period=year&sort=total&dir=desc").get_data(as_text=True)
    assert sorted_page.index('data-unit="DUKCAPIL"') < sorted_page.index('data-unit="DINKES"')


def test_summary_query_count_does_not_grow(city, auth, client, count_queries, make_initiative,
                                           make_unit):
    auth.login(city["users"]["reviewer"])
    with count_queries() as small:
        assert client.get("/summary?period=year").status_code == 200
    unit = make_unit("DLH")
    for n in range(30):
        i = make_initiative(unit, stage="in_progress", dimension="environment")
        db.session.add(Milestone(initiative=i, title=f"M{n}", due_date=TODAY - timedelta(days=1)))
    db.session.commit()
    with count_queries() as large:
        assert client.get("/summary?period=year").status_code == 200
    assert small.count == large.count, large.statements


def _cards_on(client, url: str) -> set[int]:
    """The ids of the cards the board shows at ``url`` (a link taken from the summary)."""
    import re

    page = client.get(url.replace("&amp;", "&"))
    assert page.status_code == 200
    return {int(n) for n in re.findall(r'id="card-(\d+)"', page.get_data(as_text=True))}


def _href(html: str, marker: str) -> str:
    """The first ``href`` after ``marker`` in ``html``."""
    import re

    return re.search(r'href="([^"]+)"', html[html.index(marker):]).group(1)


def test_heat_map_cells_open_exactly_their_cards(city, auth, client, make_initiative):
    """Each non-zero cell links to the board filtered by its dimension, stage and period (cards
    created after the period's end are left out); zeros are quiet text, not links."""
    dukcapil, _dinkes = city["units"]
    later = make_initiative(dukcapil, stage="in_progress", dimension="governance",
                            created_at=datetime(2026, 8, 1, tzinfo=UTC))
    db.session.commit()
    b = city["initiatives"][1]
    auth.login(city["users"]["reviewer"])
    html = client.get("/summary?period=custom&start=2026-01-01&end=2026-06-30").get_data(
        as_text=True)
    cell = html[html.index('data-cell="governance-in_progress"'):]
    cell = cell[:cell.index("</td>")]
    assert 'class="heat-4' in cell and "1 berisiko" in cell  # b: at risk, 1 of 1
    href = _href(html, 'data-cell="governance-in_progress"')
    assert "dimension=governance" in href and "in_stage=in_progress" in href
    assert "until=2026-06-30" in href and "unit=all" in href
    assert _cards_on(client, href) == {b.id}
    zero = html[html.index('data-cell="society-proposed"'):]
    assert zero[:zero.index("</td>")].count("<a ") == 0 and "heat-0" in zero[:80]
    # The current period ends after today: no date filter, and the new card is in the cell.
    html = client.get("/summary?period=year").get_data(as_text=True)
    href = _href(html, 'data-cell="governance-in_progress"')
    assert "until=" not in href
    assert _cards_on(client, href) == {b.id, later.id}


def test_attention_list_is_capped_with_see_all_links(city, auth, client, make_initiative):
    _dukcapil, dinkes = city["units"]
    for n in range(11):  # target date passed: off track
        make_initiative(dinkes, stage="pilot", dimension="living", title=f"Terlambat {n:02}",
                        created_at=datetime(2026, 1, 5, tzinfo=UTC),
                        target_date=date(2026, 10, 1) + timedelta(days=n))
    db.session.commit()
    auth.login(city["users"]["reviewer"])
    html = client.get("/summary?period=year").get_data(as_text=True)
    attention = html[html.index('id="attention-title"'):html.index('id="trends-title"')]
    assert attention.count('<li class="status-') == 10
    assert "Terlambat 09" in attention and "Terlambat 10" not in attention  # the oldest targets
    off = _href(attention, 'class="see-all')
    assert "status=off_track" in off and "unit=all" in off
    board = client.get(off.replace("&amp;", "&")).get_data(as_text=True)
    assert re.search(r'data-dimension="living" data-stage="pilot" aria-label="[^"]*\(12\)"', board)
    assert 'data-see-all="at_risk"' in attention


def test_per_unit_table_sorts_by_links_without_script(city, auth, client):
    auth.login(city["users"]["reviewer"])
    html = client.get("/summary?period=year&sort=total").get_data(as_text=True)
    assert html.index('data-unit="DINKES"') < html.index('data-unit="DUKCAPIL"')
    assert 'aria-sort="ascending"' in html
    assert "sort=total&amp;dir=desc&amp;period=year" in html or "dir=desc" in html
    html = client.get("/summary?period=year&sort=at_risk&dir=desc").get_data(as_text=True)
    assert html.index('data-unit="DUKCAPIL"') < html.index('data-unit="DINKES"')


def test_headline_shows_the_change_since_the_last_review(city, auth, client, make_initiative):
    from quickwin_tracker.review.cycle import start_review

    start_review(city["users"]["reviewer"], preset("year", date.today()))
    dukcapil, _dinkes = city["units"]
    make_initiative(dukcapil, stage="proposed", dimension="governance")
    make_initiative(dukcapil, stage="proposed", dimension="governance")
    db.session.commit()
    auth.login(city["users"]["reviewer"])
    html = client.get("/summary?period=year").get_data(as_text=True)
    figure = html[html.index('data-figure="active"'):]
    assert figure.startswith('data-figure="active">5<span class="change up">+2</span>')
    assert 'data-figure="overdue">1<span class="change same">±0</span>' in html
    # A manager's summary compares with reviews of their unit only (there are none).
    auth.logout()
    auth.login(city["users"]["manager"])
    assert 'class="change' not in client.get("/summary?period=year").get_data(as_text=True)


def test_trends_stop_at_today_in_distinct_colour_blind_safe_colours(city, stages, dimensions):
    from quickwin_tracker.review.charts import FILLS, stacked_area, stacked_bars

    s = build_summary(city["users"]["reviewer"], preset("year", TODAY), now=NOW)
    assert s.cfd[-1][0] <= TODAY < s.cfd[-1][0] + timedelta(days=7)  # this week, none after
    assert [month for month, _c in s.throughput][-1] == date(2026, 11, 1)  # no December
    series = [(st.id, st.name) for st in s.stages]
    svg = str(stacked_area("CFD", s.cfd, series, str))
    fills = re.findall(r'<polygon [^>]*fill="(#[0-9A-Fa-f]{6})"', svg)
    assert len(fills) == len(series) == len(set(fills)) and set(fills) <= set(FILLS)
    for _sid, name in series:  # every name in full in the legend
        assert all(word in svg for word in name.split())
    long = [(1, "Smart Governance (Tata Kelola) dan Pelayanan Publik Terpadu")]
    legend = str(stacked_bars("T", s.throughput, long, str))
    assert "Terpadu" in legend and legend.count("<tspan") >= 2
