"""The board as a working surface, on the server side (issue 12): settings remembered per person
(folded lanes, density), the first paint bounded by what a cell shows, the quick view, the move
form's next stage, and the answer that marks the card a move was about."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from quickwin_tracker.board.settings import (
    CITY,
    COMFORTABLE,
    COMPACT,
    UNIT,
    settings_of,
    update_settings,
)
from quickwin_tracker.domain.clock import local_today, utcnow
from quickwin_tracker.extensions import db
from quickwin_tracker.lifecycle.status import load_facts
from quickwin_tracker.models import Activity, Comment, Indicator, Initiative, Measurement, Milestone


@pytest.fixture
def today():
    return local_today()


@pytest.fixture
def fill_cells(team, dimensions, stages):
    """``fill_cells(n)``: n cards per cell (every lane, the first five stages), positions 0..n-1
    as moves keep them, inserted in one statement."""
    def fill(per_cell: int) -> None:
        now = utcnow()
        rows = []
        for d, dim in enumerate(dimensions.values()):
            for s, stage in enumerate(list(stages.values())[:5]):
                rows += [{"title": f"Bulk {d}-{s}-{n}", "benefit": "b", "description": "",
                          "dimension_id": dim.id, "unit_id": team.unit.id,
                          "owner_id": team.staff.id, "stage_id": stage.id, "position": n,
                          "stage_entered_at": now, "created_at": now, "updated_at": now,
                          "version": 1, "archived": False} for n in range(per_cell)]
        db.session.execute(sa.insert(Initiative), rows)
        db.session.commit()

    return fill


def cards_in(html: str, cell: str) -> list[int]:
    part = html.split(f'id="cell-{cell}"', 1)[1].split("</ol>", 1)[0]
    return [int(i) for i in re.findall(r'data-initiative-id="(\d+)"', part)]


# --------------------------------------------------------------------------- settings


def test_settings_follow_the_role_until_chosen(team):
    assert settings_of(team.staff).scope == UNIT
    assert settings_of(team.manager).scope == UNIT
    assert settings_of(team.reviewer).scope == CITY
    assert settings_of(team.admin).scope == CITY
    assert settings_of(team.staff).density == COMFORTABLE
    assert settings_of(team.staff).collapsed == frozenset()
    update_settings(team.staff, density=COMPACT, collapse="living")
    update_settings(team.staff, collapse="economy")
    update_settings(team.staff, expand="living")
    db.session.commit()
    db.session.expire_all()
    again = settings_of(team.staff)
    assert (again.density, again.collapsed) == (COMPACT, frozenset({"economy"}))
    # What a hand-edited or older row holds, not understood, counts as never chosen.
    team.staff.board_settings = {"density": "tiny", "scope": 7, "collapsed": "living"}
    odd = settings_of(team.staff)
    assert (odd.density, odd.scope, odd.collapsed) == (COMFORTABLE, UNIT, frozenset())
    with pytest.raises(ValueError):
        update_settings(team.staff, density="tiny")


def test_a_folded_lane_shows_counts_and_no_cards_and_stays_folded(team, auth, client, hx,
                                                                   make_initiative):
    card = make_initiative(team.unit, stage="pilot", dimension="living")
    make_initiative(team.unit, stage="pilot", dimension="living")
    other = make_initiative(team.unit, stage="pilot", dimension="economy")
    auth.login(team.staff)
    answer = client.post("/board/lanes/living?unit=" + team.unit.code, data={"fold": "1"})
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith(f"/board/?unit={team.unit.code}")
    html = client.get("/board/").get_data(as_text=True)
    lane = html.split('data-dimension="living" aria-labelledby', 1)[1].split("</section>", 1)[0]
    assert 'aria-expanded="false"' in lane and f'id="card-{card.id}"' not in lane
    assert '<span class="visually-hidden">Uji coba: </span>2 inisiatif' in lane
    assert f'id="card-{other.id}"' in html  # the other lanes as before
    # Under htmx the answer is the board itself, the lane open again.
    unfolded = client.post("/board/lanes/living", data={"fold": "0"}, headers=hx)
    body = unfolded.get_data(as_text=True)
    assert unfolded.status_code == 200 and body.startswith('<div id="board"') or '<div id="board"' in body
    assert "<html" not in body and f'id="card-{card.id}"' in body
    assert settings_of(db.session.get(type(team.staff), team.staff.id)).collapsed == frozenset()


def test_bad_setting_requests_are_refused_with_a_reason(team, auth, client):
    auth.login(team.staff)
    assert client.post("/board/lanes/nowhere", data={"fold": "1"}).status_code == 404
    refused = client.post("/board/lanes/living", data={"fold": "maybe"})
    assert refused.status_code == 400
    assert client.post("/board/density", data={"density": "tiny"}).status_code == 400
    assert client.post("/board/density", data={}).status_code == 400
    db.session.expire_all()
    assert team.staff.board_settings in ({}, None)


def test_compact_cards_show_twice_as_many_first(team, auth, client, fill_cells, app):
    fill_cells(4)
    first = app.config["BOARD_CELL_FIRST_CARDS"]
    app.config["BOARD_CELL_FIRST_CARDS"] = 2
    try:
        auth.login(team.staff)
        html = client.get("/board/").get_data(as_text=True)
        assert len(cards_in(html, "governance-proposed")) == 2
        assert 'class="more"' in html.split('id="cell-governance-proposed"', 1)[1].split("</ol>", 1)[0]
        client.post("/board/density", data={"density": "compact"})
        html = client.get("/board/").get_data(as_text=True)
        assert 'density-compact' in html
        assert len(cards_in(html, "governance-proposed")) == 4
    finally:
        app.config["BOARD_CELL_FIRST_CARDS"] = first


# --------------------------------------------------------------------------- cards


def test_a_card_says_why_and_what_comes_next(team, auth, client, make_initiative, today):
    late = make_initiative(team.unit, stage="in_progress", title="Aduan daring")
    db.session.add_all([
        Milestone(initiative=late, title="Later", due_date=today + timedelta(days=30), position=0),
        Milestone(initiative=late, title="Sooner", due_date=today + timedelta(days=3), position=1),
    ])
    fine = make_initiative(team.unit, stage="in_progress", title="Wifi")
    db.session.add(Milestone(initiative=fine, title="Later", due_date=today + timedelta(days=30),
                             position=0))
    db.session.add(Milestone(initiative=fine, title="Sooner", due_date=today + timedelta(days=3),
                             position=1))
    db.session.add(Milestone(initiative=late, title="Overdue one", due_date=today - timedelta(days=20),
                             position=2))
    indicator = Indicator(initiative=fine, name="Waktu tunggu", baseline=10, target=2)
    db.session.add(indicator)
    db.session.flush()
    db.session.add(Measurement(indicator=indicator, value=6, measured_on=today, status="submitted"))
    db.session.commit()
    auth.login(team.staff)
    html = client.get("/board/").get_data(as_text=True)
    card = html.split(f'id="card-{late.id}"', 1)[1].split("</li>", 1)[0]
    # Off track, and why in a line of text; the overdue milestone comes first.
    assert '<span class="card-reason">tonggak capaian “Overdue one” terlambat 20 hari</span>' in card
    assert "is-overdue" in card and "Overdue one" in card.split("card-next", 1)[1]
    other = html.split(f'id="card-{fine.id}"', 1)[1].split("</li>", 1)[0]
    # The next milestone by due date, not by the order of the list.
    assert "Sooner" in other.split("card-next", 1)[1] and "card-reason" not in other
    # A recorded measurement awaits verification: said so, and counted nowhere yet.
    assert 'class="card-pending">1 pengukuran menunggu verifikasi' in other
    assert "card-progress" not in other
    assert load_facts([db.session.get(Initiative, fine.id)])[fine.id].pending == 1


def test_dimensions_are_named_not_coloured(team, auth, client, make_initiative):
    make_initiative(team.unit, stage="pilot", dimension="living")
    auth.login(team.staff)
    html = client.get("/board/").get_data(as_text=True)
    assert 'class="dimension-chip"' in html
    assert "dim-living" not in html
    css = client.get("/static/css/app.css").get_data(as_text=True)
    assert "--dim-" not in css and "--lane" not in css


# --------------------------------------------------------------------------- quick view


def test_quick_view_summarises_a_card(team, auth, client, hx, make_initiative, today):
    initiative = make_initiative(team.unit, stage="in_progress", title="Antrean online",
                                 owner=team.staff)
    db.session.add_all([
        Milestone(initiative=initiative, title=f"M{n}", due_date=today + timedelta(days=n),
                  position=10 - n) for n in range(-2, 6)
    ])
    db.session.add(Milestone(initiative=initiative, title="Selesai", due_date=today,
                             done_on=today, position=20))
    indicator = Indicator(initiative=initiative, name="Waktu tunggu", baseline=10, target=2,
                          unit_of_measure="menit")
    db.session.add(indicator)
    db.session.flush()
    for n, status in ((1, "verified"), (2, "verified"), (3, "submitted")):
        db.session.add(Measurement(indicator=indicator, value=10 - n, status=status,
                                   measured_on=today - timedelta(days=10 - n)))
    for n in range(5):
        db.session.add(Comment(initiative=initiative, author=team.manager, body=f"Catatan {n}"))
    db.session.commit()
    auth.login(team.staff)
    panel = client.get(f"/board/cards/{initiative.id}", headers=hx)
    html = panel.get_data(as_text=True)
    assert panel.status_code == 200 and "<html" not in html
    assert 'id="quick-title"' in html and "Antrean online" in html
    assert "tidak sesuai rencana" in html or "berisiko" in html  # two overdue milestones
    titles = re.findall(r'<span class="quick-item-title">(M-?\d)</span>', html)
    assert titles == ["M-2", "M-1", "M0", "M1", "M2"]  # overdue first, then by due date
    assert "3 lagi terbuka" in html and "1 selesai" in html  # 8 open, 5 listed; 1 done
    # The latest two measurements, the newest awaiting verification.
    assert html.index("menunggu verifikasi") < html.index("terverifikasi")
    assert html.count("quick-comment") == 3 and "Catatan 4" in html and "Catatan 1" not in html
    assert f'href="/initiatives/{initiative.id}"' in html
    assert "quick-move" in html  # the staff of the unit may move it
    # Asked for as a page (no JavaScript): the initiative's own page.
    page = client.get(f"/board/cards/{initiative.id}")
    assert page.status_code == 303 and page.headers["Location"].endswith(f"/initiatives/{initiative.id}")
    assert client.get("/board/cards/999999", headers=hx).status_code == 404


def test_a_shared_link_opens_the_board_with_the_quick_view(team, auth, client, make_initiative):
    initiative = make_initiative(team.unit, stage="pilot", title="Sensor banjir")
    auth.login(team.outsider)
    html = client.get(f"/board/?card={initiative.id}").get_data(as_text=True)
    aside = html.split('id="quick-view"', 1)[1].split("</aside>", 1)[0]
    assert "hidden" not in aside.split(">", 1)[0] and "Sensor banjir" in aside
    assert "quick-move" not in aside  # another unit's: no "Move"
    for odd in ("abc", "0", str(2**40), "999999"):
        page = client.get(f"/board/?card={odd}")
        assert page.status_code == 200
        assert 'id="quick-view" class="quick-view" aria-label' in page.get_data(as_text=True)


# --------------------------------------------------------------------------- moving


def test_the_move_form_offers_the_next_stage_and_sent_unchanged_moves_there(
        team, auth, client, make_initiative):
    a = make_initiative(team.unit, stage="in_progress")
    b = make_initiative(team.unit, stage="pilot")
    auth.login(team.staff)
    html = client.get(f"/board/cards/{a.id}/move").get_data(as_text=True)
    assert re.search(r'<option selected value="pilot">|<option value="pilot" selected>', html)
    assert "data-submit-acts" in html
    fields = dict(re.findall(r'<input[^>]*name="([a-z_]+)"[^>]*value="([^"]*)"', html))
    response = client.post(f"/board/cards/{a.id}/move", data={
        "stage": "pilot", "after": "keep", "version": fields["version"],
        "from_stage": "in_progress"})
    assert response.status_code == 303
    moved = db.session.get(Initiative, a.id)
    db.session.refresh(moved)
    assert moved.stage.code == "pilot"
    assert moved.position == 1 and db.session.get(Initiative, b.id).position == 0  # at the bottom
    trail = db.session.scalars(sa.select(Activity).where(Activity.initiative_id == a.id)).all()
    assert len(trail) == 1
    # In the last stage, the form offers where it is.
    last = make_initiative(team.unit, stage="rolled_out")
    html = client.get(f"/board/cards/{last.id}/move").get_data(as_text=True)
    assert re.search(r'<option selected value="rolled_out">|<option value="rolled_out" selected>', html)


def test_a_move_answer_marks_its_card(team, auth, client, hx, make_initiative):
    a = make_initiative(team.unit, stage="in_progress")
    auth.login(team.staff)
    ok = client.post(f"/board/cards/{a.id}/move", headers=hx,
                     data={"stage": "pilot", "after": "top", "version": "1",
                           "from_stage": "in_progress"}).get_data(as_text=True)
    assert re.search(rf'<li class="card [^"]*card-moved[^"]*" id="card-{a.id}"', ok)
    # Refused by the gate of "rolled out": the reason beside the card, and in the toast.
    refused = client.post(f"/board/cards/{a.id}/move", headers=hx,
                          data={"stage": "rolled_out", "after": "top", "version": "2",
                                "from_stage": "pilot"})
    body = refused.get_data(as_text=True)
    assert refused.status_code in (403, 409, 422)
    assert re.search(rf'<li class="card [^"]*card-refused[^"]*" id="card-{a.id}"', body)
    card = body.split(f'id="card-{a.id}"', 1)[1].split("\n</li>", 1)[0]
    assert '<div class="card-alert" role="alert">' in card and "card-alert-close" in card
    assert 'class="move-message refused" role="alert"' in body


def test_the_first_paint_is_bounded_by_what_cells_show(team, auth, client, fill_cells, app):
    fill_cells(20)
    auth.login(team.staff)
    html = client.get("/board/").get_data(as_text=True)
    shown = len(re.findall(r'data-initiative-id="', html))
    assert shown == 30 * app.config["BOARD_CELL_FIRST_CARDS"]
    assert html.count('data-hx-trigger="click, intersect once"') == 30


def test_cards_of_a_date_past_target_still_render(team, auth, client, make_initiative):
    """A card whose target date passed (off track, reason in words) renders in both densities."""
    make_initiative(team.unit, stage="pilot", target_date=date(2020, 1, 1), title="Lama")
    auth.login(team.staff)
    for density in ("compact", "comfortable"):
        client.post("/board/density", data={"density": density})
        html = client.get("/board/").get_data(as_text=True)
        assert "card-reason" in html and "Lama" in html


def test_a_cell_gives_back_as_many_cards_as_a_reader_had_loaded(team, auth, client, hx,
                                                                 fill_cells):
    """The live board redrawn asks a scrolled cell for the cards the reader had loaded (``limit``),
    so the card under their eyes stays where it was."""
    fill_cells(20)
    auth.login(team.staff)
    url = "/board/cells/governance/proposed?unit=" + team.unit.code
    html = client.get(url + "&offset=6&limit=10", headers=hx).get_data(as_text=True)
    assert len(re.findall(r'data-initiative-id="', html)) == 10
    assert "offset=16" in html  # and the next ones follow on
    rest = client.get(url + "&offset=16&limit=1000", headers=hx).get_data(as_text=True)
    assert len(re.findall(r'data-initiative-id="', rest)) == 4 and 'class="more"' not in rest
    assert len(re.findall(r'data-initiative-id="',
                          client.get(url + "&offset=0&limit=0", headers=hx).get_data(as_text=True))) == 1
    assert client.get(url + "&limit=many", headers=hx).status_code == 400
