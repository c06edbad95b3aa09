"""The Sekda's view of progress updates (issue 14 items 2 and 3): the share updated within their
cadence (headline and per OPD), the silent longest, the reports rosier than the data, and a
review's agenda."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from quickwin_tracker.extensions import db
from quickwin_tracker.models import Milestone
from quickwin_tracker.review.cycle import start_review
from quickwin_tracker.review.periods import preset
from quickwin_tracker.review.services import build_summary
from quickwin_tracker.updates.services import UpdateData, post_update

NOW = datetime(2026, 11, 27, 4, 0, tzinfo=UTC)  # 12:00 WITA
TODAY = date(2026, 11, 27)
LONG_AGO = datetime(2026, 9, 1, tzinfo=UTC)


@pytest.fixture
def city(team, make_initiative):
    """DINKES: one updated on time (on track, but a milestone 9 days late: rosier), one silent
    since its creation, one rolled out (owes nothing); DISHUB: one updated on time (honest)."""
    dishub, dishub_staff = team.outsider.unit, team.outsider
    fresh = make_initiative(team.unit, stage="in_progress", title="Antrean online",
                            created_at=LONG_AGO, target_date=date(2027, 6, 1))
    db.session.add(Milestone(initiative=fresh, title="Uji coba", due_date=TODAY - timedelta(days=9)))
    silent = make_initiative(team.unit, stage="pilot", title="Posyandu digital",
                             created_at=LONG_AGO, target_date=date(2027, 6, 1))
    make_initiative(team.unit, stage="rolled_out", title="Sudah jalan", created_at=LONG_AGO)
    honest = make_initiative(dishub, stage="in_progress", title="Bus sekolah",
                             created_at=LONG_AGO, target_date=date(2027, 6, 1))
    post_update(team.staff, fresh, UpdateData("on_track", "Lancar."), now=NOW - timedelta(days=3))
    post_update(dishub_staff, honest, UpdateData("on_track", "Jalan."), now=NOW - timedelta(days=13))
    db.session.commit()
    return {"fresh": fresh, "silent": silent, "honest": honest, "dishub": dishub}


def test_the_share_updated_on_time_per_unit_and_in_all(team, city):
    s = build_summary(team.reviewer, preset("year", TODAY), now=NOW)
    rows = {r.unit.code: r for r in s.unit_rows}
    assert (rows["DINKES"].owing, rows["DINKES"].updated) == (2, 1)  # the rolled-out one owes none
    assert (rows["DISHUB"].owing, rows["DISHUB"].updated) == (1, 1)  # 13 days: within 14
    assert s.headline.updates_on_time_share == pytest.approx(2 / 3)


def test_the_silent_longest_and_the_rosier_reports(team, city):
    s = build_summary(team.reviewer, preset("year", TODAY), now=NOW, attention_limit=10)
    assert [(i.id, i.has_update) for i in s.silent] == [(city["silent"].id, False)]
    assert s.silent_total == 1
    (rosier,) = s.rosier
    assert (rosier.id, rosier.reported, rosier.status.value) == (
        city["fresh"].id, "on_track", "at_risk")
    assert s.rosier_total == 1


def test_the_summary_page_shows_them(team, city, auth, client):
    """(The page reads the real clock: its figures are those ``build_summary`` gives now.)"""
    s = build_summary(team.reviewer, preset("year", date.today()))
    db.session.commit()
    owing = sum(r.owing for r in s.unit_rows)
    updated = sum(r.updated for r in s.unit_rows)
    auth.login(team.reviewer)
    page = client.get("/summary?period=year").get_data(as_text=True)
    section = page[page.index('id="updates-title"'):page.index('id="trends-title"')]
    assert f"{updated} dari {owing} inisiatif aktif" in section
    assert "Posyandu digital" in section and "Antrean online" in section
    rosier = section[section.index('class="rosier-list"'):]
    assert "Antrean online" in rosier and "dilaporkan sesuai rencana" in rosier
    assert "data menunjukkan" in rosier
    dinkes = next(r for r in s.unit_rows if r.unit.code == "DINKES")
    assert f'data-updates="{dinkes.updated}/{dinkes.owing}"' in page
    assert 'data-figure="updates_on_time">' in page


def test_a_review_lists_the_late_updates_to_discuss(team, city):
    review = start_review(team.admin, preset("year", TODAY), now=NOW)
    late = [item for item in review.agenda if "update_late" in item["why"]]
    assert [item["title"] for item in late] == ["Posyandu digital"]
