"""The board page, its filters, and the move endpoint (drag and drop and the "move to" form)."""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from quickwin_tracker.board.filters import BoardFilters
from quickwin_tracker.board.moves import MoveRefused, move_initiative
from quickwin_tracker.board.reading import load_board
from quickwin_tracker.extensions import db
from quickwin_tracker.models import Activity, Initiative, Stage


def cell_ids(dimension: str, stage: str) -> list[int]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(Initiative.id)
            .join(Stage)
            .where(Stage.code == stage, Initiative.archived.is_(False),
                   Initiative.dimension.has(code=dimension))
            .order_by(Initiative.position, Initiative.id)
        )
    )


def positions(dimension: str, stage: str) -> list[int]:
    return list(
        db.session.scalars(
            sa.select(Initiative.position)
            .join(Stage)
            .where(Stage.code == stage, Initiative.archived.is_(False),
                   Initiative.dimension.has(code=dimension))
            .order_by(Initiative.position)
        )
    )


def activities(initiative_id: int) -> list[Activity]:
    return list(db.session.scalars(
        sa.select(Activity).where(Activity.initiative_id == initiative_id).order_by(Activity.id)
    ))


# --------------------------------------------------------------------------- page


def test_board_page_has_lanes_columns_and_addressable_cards(team, auth, client, make_initiative):
    card = make_initiative(team.unit, stage="pilot", dimension="living", owner=team.staff,
                           title="Antrean online puskesmas")
    auth.login(team.staff)
    response = client.get("/board/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="id"' in html
    for code in ("governance", "branding", "economy", "living", "society", "environment"):
        assert f'<section class="lane" data-dimension="{code}"' in html
    for code in ("proposed", "approved", "in_progress", "pilot", "rolled_out"):
        assert f'class="column-head" data-stage="{code}"' in html
    assert 'id="cell-living-pilot" data-dimension="living" data-stage="pilot"' in html
    assert (f'id="card-{card.id}" data-initiative-id="{card.id}" data-dimension="living" '
            f'data-stage="pilot"') in html
    assert "Antrean online puskesmas" in html and "Staf Dinkes" in html and "DINKES" in html
    assert response.headers["Vary"] == "HX-Request, Cookie" or "HX-Request" in response.headers["Vary"]


def test_root_redirects_to_board_when_signed_in(team, auth, client):
    assert client.get("/").headers["Location"].endswith("/auth/login")
    auth.login(team.staff)
    assert client.get("/").headers["Location"].endswith("/board/")


def test_counts_per_lane_column_and_days_in_stage(team, auth, client, make_initiative):
    for _ in range(3):
        make_initiative(team.unit, stage="approved", dimension="economy")
    make_initiative(team.unit, stage="approved", dimension="society",
                    stage_entered_at=datetime(2026, 1, 1, tzinfo=UTC))
    board = load_board(BoardFilters(), team.staff, page_size=200)
    stage_id = db.session.scalar(sa.select(Stage.id).where(Stage.code == "approved"))
    assert board.column_counts[stage_id] == 4
    assert board.total == 4
    assert sorted(board.lane_counts.values()) == [1, 3]
    auth.login(team.staff)
    html = client.get("/board/").get_data(as_text=True)
    assert '<span class="count" id="col-count-approved">4</span>' in html
    assert "hari di tahap" in html or "days in stage" in html


def test_filters_are_applied_and_kept_in_links(team, auth, client, make_initiative, make_unit,
                                              make_user):
    other = make_unit("DLH")
    mine = make_initiative(team.unit, stage="approved", owner=team.staff, title="Akta kilat")
    theirs = make_initiative(other, stage="approved", dimension="living", title="Posyandu digital")
    auth.login(team.staff)

    def shown(query: str) -> set[int]:
        html = client.get(f"/board/?{query}").get_data(as_text=True)
        return {i.id for i in (mine, theirs) if f'id="card-{i.id}"' in html}

    assert shown("") == {mine.id}  # staff open their own unit ("my work first", test_board_scope)
    assert shown("unit=all") == {mine.id, theirs.id}
    assert shown("unit=DLH") == {theirs.id}
    assert shown("unit=dlh") == {theirs.id}
    assert shown(f"unit=all&owner={team.staff.id}") == {mine.id}
    assert shown("unit=all&dimension=living") == {theirs.id}
    assert shown("unit=all&q=akta") == {mine.id}
    assert shown("unit=all&q=POSYANDU") == {theirs.id}
    assert shown("unit=all&q=%25") == set()  # a literal %, not a wildcard
    assert shown("unit=all&mine=1") == {mine.id}
    html = client.get("/board/?unit=DINKES&q=akta").get_data(as_text=True)
    assert f"/board/cards/{mine.id}/move?unit=DINKES&amp;q=akta" in html
    assert 'value="akta"' in html


def test_stage_and_existing_by_filters_narrow_to_exactly_those_cards(team, auth, client,
                                                                      make_initiative):
    from datetime import UTC, datetime

    approved = make_initiative(team.unit, stage="approved", title="Akta kilat")
    pilot = make_initiative(team.unit, stage="pilot", title="Posyandu digital")
    old = make_initiative(team.unit, stage="pilot", title="Lama",
                          created_at=datetime(2025, 1, 10, tzinfo=UTC))
    auth.login(team.staff)

    def shown(query: str) -> set[int]:
        page = client.get(f"/board/?{query}")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        return {i.id for i in (approved, pilot, old) if f'id="card-{i.id}"' in html}

    assert shown("unit=all&in_stage=pilot") == {pilot.id, old.id}
    assert shown("unit=all&in_stage=approved") == {approved.id}
    assert shown("unit=all&in_stage=pilot&until=2025-12-31") == {old.id}
    html = client.get("/board/?unit=all&in_stage=pilot&until=2025-12-31").get_data(as_text=True)
    assert '<option value="pilot" selected>' in html and 'value="2025-12-31"' in html
    assert client.get("/board/?until=yesterday").status_code == 400


def test_bad_filter_is_a_400_with_reason(team, auth, client):
    auth.login(team.staff)
    response = client.get("/board/?owner=abc")
    assert response.status_code == 400
    assert b"penanggung jawab" in response.data.lower()


def test_filtering_with_htmx_returns_only_the_board_fragment(team, auth, client, hx, make_initiative):
    make_initiative(team.unit, stage="approved")
    auth.login(team.staff)
    fragment = client.get("/board/?unit=DINKES", headers=hx)
    assert fragment.status_code == 200
    text = fragment.get_data(as_text=True)
    assert "<html" not in text
    assert text.lstrip().startswith('<div id="board"')
    assert "HX-Request" in fragment.headers["Vary"]
    # history restores and boosted navigation want the whole page
    for extra in ({"HX-History-Restore-Request": "true"}, {"HX-Boosted": "true"}):
        full = client.get("/board/?unit=DINKES", headers={**hx, **extra})
        assert "<html" in full.get_data(as_text=True)


def test_board_query_count_does_not_grow_with_initiatives(team, auth, client, count_queries,
                                                         add_bulk):
    auth.login(team.staff)

    add_bulk(10)
    with count_queries() as small:
        assert client.get("/board/").status_code == 200
    add_bulk(290)
    with count_queries() as large:
        assert client.get("/board/").status_code == 200
    assert small.count == large.count
    # 8, + 2 for the cards' status (open milestones; indicators with their latest verified
    # measurement), + 1 for the unread-notifications count in the page header, + 1 for the plan
    # tags filter, + 1 for the live board's version tag (board/live.py), + 1 for the reader's unit
    # (their scope, board/settings.py), + 1 for their saved views (board/saved.py) and + 1 for
    # the cards' latest progress updates (board/reading._report).
    assert large.count <= 16, large.statements


@pytest.mark.parametrize("app_config", [{"BOARD_PAGE_SIZE": 2}])
def test_long_cells_load_more_on_demand(team, auth, client, hx, make_initiative, app_config):
    cards = [make_initiative(team.unit, stage="approved", title=f"Kartu {i}") for i in range(5)]
    auth.login(team.staff)
    html = client.get("/board/").get_data(as_text=True)
    assert f'id="card-{cards[1].id}"' in html and f'id="card-{cards[2].id}"' not in html
    assert "/board/cells/governance/approved?offset=2" in html
    more = client.get("/board/cells/governance/approved?offset=2", headers=hx).get_data(as_text=True)
    assert f'id="card-{cards[2].id}"' in more and f'id="card-{cards[3].id}"' in more
    assert "offset=4" in more and "<html" not in more
    last = client.get("/board/cells/governance/approved?offset=4", headers=hx).get_data(as_text=True)
    assert f'id="card-{cards[4].id}"' in last and "offset=" not in last
    page = client.get("/board/cells/governance/approved?offset=2")  # without JS: a page
    assert "<html" in page.get_data(as_text=True)
    assert client.get("/board/cells/governance/approved?offset=x").status_code == 400
    assert client.get("/board/cells/nowhere/approved").status_code == 404


# --------------------------------------------------------------------------- moving (service)


def test_move_changes_stage_position_version_and_writes_one_activity(team, make_initiative):
    a = make_initiative(team.unit, stage="approved")
    b = make_initiative(team.unit, stage="approved")
    c = make_initiative(team.unit, stage="in_progress")
    d = make_initiative(team.unit, stage="in_progress")
    stage = db.session.scalar(sa.select(Stage).where(Stage.code == "in_progress"))
    now = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)
    result = move_initiative(team.staff, a, stage, after_id=c.id, expected_version=1, now=now)
    db.session.commit()
    assert result.changed
    assert cell_ids("governance", "in_progress") == [c.id, a.id, d.id]
    assert cell_ids("governance", "approved") == [b.id]
    assert positions("governance", "in_progress") == [0, 1, 2]
    assert positions("governance", "approved") == [0]
    moved = db.session.get(Initiative, a.id)
    assert moved.version == 2
    assert moved.stage_entered_at == now
    trail = activities(a.id)
    assert [t.verb for t in trail] == ["moved"]
    assert trail[0].data["from_stage"] == "approved" and trail[0].data["to_stage"] == "in_progress"
    assert trail[0].actor_id == team.staff.id
    # neighbours' versions are untouched: renumbering is not an edit of them
    assert db.session.get(Initiative, d.id).version == 1


def test_reorder_inside_a_cell(team, make_initiative):
    a, b, c = (make_initiative(team.unit, stage="pilot") for _ in range(3))
    pilot = db.session.scalar(sa.select(Stage).where(Stage.code == "pilot"))
    move_initiative(team.staff, c, pilot, after_id=None, expected_version=1)
    db.session.commit()
    assert cell_ids("governance", "pilot") == [c.id, a.id, b.id]
    move_initiative(team.staff, db.session.get(Initiative, c.id), pilot, after_id=b.id,
                    expected_version=2)
    db.session.commit()
    assert cell_ids("governance", "pilot") == [a.id, b.id, c.id]
    assert positions("governance", "pilot") == [0, 1, 2]
    assert [t.verb for t in activities(c.id)] == ["reordered", "reordered"]
    entered = db.session.get(Initiative, c.id).stage_entered_at
    assert entered == db.session.get(Initiative, c.id).stage_entered_at


def test_moving_to_the_same_place_changes_nothing(team, make_initiative):
    a = make_initiative(team.unit, stage="pilot")
    pilot = a.stage
    result = move_initiative(team.staff, a, pilot, after_id=None, expected_version=1)
    db.session.commit()
    assert not result.changed
    assert activities(a.id) == []
    assert db.session.get(Initiative, a.id).version == 1


def test_wip_limit_refuses_a_move_and_changes_nothing(team, make_initiative, stages):
    stages["pilot"].wip_limit = 2
    db.session.commit()
    make_initiative(team.unit, stage="pilot")
    make_initiative(team.unit, stage="pilot", dimension="living")
    waiting = make_initiative(team.unit, stage="in_progress")
    with pytest.raises(MoveRefused) as refused:
        move_initiative(team.staff, waiting, stages["pilot"], None, 1)
    db.session.rollback()
    assert refused.value.status == 409
    assert "2" in refused.value.message
    assert db.session.get(Initiative, waiting.id).stage.code == "in_progress"
    assert activities(waiting.id) == []
    # reordering inside a full (even over-full) stage is still fine
    inside = make_initiative(team.unit, stage="pilot", dimension="living")
    assert move_initiative(team.staff, inside, stages["pilot"], None, 1).changed


def test_reorder_after_a_renumbering_behind_our_back_still_bumps_the_version(team, make_initiative,
                                                                           stages):
    """Regression (found by tests/app/test_concurrency.py): when a concurrent move had renumbered the
    cell, the card's loaded ``position`` could already equal its new index; the ORM then skipped
    the UPDATE, and with it the version check and bump, while an Activity was still recorded."""
    a, b, c, d = (make_initiative(team.unit, stage="pilot") for _ in range(4))
    assert c.position == 2 and c.version == 1  # loaded now, as a request would
    table = Initiative.__table__
    # Another transaction moves ``a`` out of the cell and closes the gap (no version bumps).
    db.session.execute(table.update().where(table.c.id == a.id)
                       .values(stage_id=stages["approved"].id, position=0))
    for pos, id_ in enumerate((b.id, c.id, d.id)):
        db.session.execute(table.update().where(table.c.id == id_).values(position=pos))
    result = move_initiative(team.staff, c, stages["pilot"], after_id=d.id, expected_version=1)
    db.session.commit()
    assert result.changed
    assert cell_ids("governance", "pilot") == [b.id, d.id, c.id]
    assert positions("governance", "pilot") == [0, 1, 2]
    assert db.session.get(Initiative, c.id).version == 2
    assert [t.verb for t in activities(c.id)] == ["reordered"]


def test_stale_version_is_refused(team, make_initiative, stages):
    a = make_initiative(team.unit, stage="approved")
    with pytest.raises(MoveRefused) as refused:
        move_initiative(team.staff, a, stages["pilot"], None, expected_version=7)
    assert refused.value.status == 409


def test_concurrent_update_behind_our_back_is_caught_by_the_version_column(team, make_initiative,
                                                                         stages):
    a = make_initiative(team.unit, stage="approved")
    # Someone else saves it in another transaction after we loaded it.
    with db.engine.begin() as other:
        other.execute(sa.update(Initiative.__table__).where(Initiative.__table__.c.id == a.id)
                      .values(version=2, title="changed elsewhere"))
    with pytest.raises(MoveRefused) as refused:
        move_initiative(team.staff, a, stages["pilot"], None, expected_version=1)
    assert refused.value.status == 409
    db.session.rollback()
    assert db.session.get(Initiative, a.id).stage.code == "approved"
    assert activities(a.id) == []


def test_neighbour_that_left_the_cell_is_a_conflict(team, make_initiative, stages):
    a = make_initiative(team.unit, stage="approved")
    elsewhere = make_initiative(team.unit, stage="pilot", dimension="living")
    with pytest.raises(MoveRefused) as refused:
        move_initiative(team.staff, a, stages["pilot"], after_id=elsewhere.id, expected_version=1)
    assert refused.value.status == 409


def test_archived_and_retired_are_refused(team, make_initiative, stages):
    gone = make_initiative(team.unit, stage="approved", archived=True)
    with pytest.raises(MoveRefused):
        move_initiative(team.staff, gone, stages["pilot"], None, 1)
    a = make_initiative(team.unit, stage="approved")
    stages["pilot"].retired = True
    db.session.commit()
    with pytest.raises(MoveRefused) as refused:
        move_initiative(team.staff, a, stages["pilot"], None, 1)
    assert refused.value.status == 422


# --------------------------------------------------------------------------- moving (HTTP)


def test_htmx_move_answers_with_message_and_both_cells_out_of_band(team, auth, client, hx,
                                                                  make_initiative):
    a = make_initiative(team.unit, stage="approved", title="Dukcapil jemput bola")
    auth.login(team.staff)
    response = client.post(f"/board/cards/{a.id}/move",
                           data={"stage": "in_progress", "after": "top", "version": "1"},
                           headers=hx)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html
    assert f'data-moved-id="{a.id}"' in html
    assert 'id="cell-governance-approved"' in html and 'id="cell-governance-in_progress"' in html
    assert html.count('data-hx-swap-oob="outerHTML"') == 2
    assert 'id="col-count-in_progress" data-hx-swap-oob="true">1<' in html
    assert 'id="col-count-approved" data-hx-swap-oob="true">0<' in html
    assert f'id="card-{a.id}"' in html.split('id="cell-governance-in_progress"')[1]
    assert 'data-version="2"' in html


def test_refused_htmx_move_answers_with_reason_and_the_current_state(team, auth, client, hx,
                                                                    make_initiative):
    a = make_initiative(team.unit, stage="approved")
    auth.login(team.staff)
    response = client.post(f"/board/cards/{a.id}/move",
                           data={"stage": "in_progress", "after": "top", "version": "9"},
                           headers=hx)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert 'class="move-message refused"' in html
    assert f'id="card-{a.id}"' in html.split('id="cell-governance-approved"')[1].split("</ol>")[0]


@pytest.mark.parametrize(
    "data, status",
    [
        ({"stage": "nowhere", "after": "top", "version": "1"}, 422),
        ({"stage": "pilot", "after": "top", "version": "x"}, 422),
        ({"stage": "pilot", "after": "top"}, 422),
        ({"stage": "pilot", "after": "not-a-card", "version": "1"}, 422),
        ({"stage": "pilot", "after": "999999", "version": "1"}, 409),
    ],
)
def test_bad_move_input_is_a_4xx_with_reason(team, auth, client, hx, make_initiative, data, status):
    a = make_initiative(team.unit, stage="approved")
    auth.login(team.staff)
    response = client.post(f"/board/cards/{a.id}/move", data=data, headers=hx)
    assert response.status_code == status
    assert b"move-message refused" in response.data
    db.session.expire_all()
    assert db.session.get(Initiative, a.id).stage.code == "approved"


def test_move_of_unknown_card_is_404(team, auth, client):
    auth.login(team.staff)
    assert client.post("/board/cards/424242/move", data={"stage": "pilot"}).status_code == 404


def test_move_form_without_javascript(team, auth, client, make_initiative):
    a = make_initiative(team.unit, stage="approved")
    b = make_initiative(team.unit, stage="in_progress", title="Sudah jalan")
    auth.login(team.staff)
    page = client.get(f"/board/cards/{a.id}/move?unit=DINKES")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<html" in html
    assert 'name="stage"' in html and 'name="after"' in html and 'value="unit"' not in html
    assert 'name="unit" value="DINKES"' in html
    positions_html = client.get(f"/board/cards/{a.id}/move?stage=in_progress&part=positions",
                                headers={"HX-Request": "true"}).get_data(as_text=True)
    assert f'value="{b.id}"' in positions_html and "<html" not in positions_html
    response = client.post(f"/board/cards/{a.id}/move",
                           data={"stage": "in_progress", "after": "bottom", "version": "1",
                                 "unit": "DINKES"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/board/?unit=DINKES")
    assert cell_ids("governance", "in_progress") == [b.id, a.id]
    board = client.get("/board/?unit=DINKES").get_data(as_text=True)
    assert "flash-success" in board


def test_refused_move_without_javascript_shows_the_form_with_the_reason(team, auth, client,
                                                                       make_initiative):
    a = make_initiative(team.unit, stage="proposed")
    auth.login(team.staff)
    response = client.post(f"/board/cards/{a.id}/move",
                           data={"stage": "approved", "after": "top", "version": "1"})
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert 'role="alert"' in html and "<form" in html


def test_a_failure_after_the_change_rolls_back_the_change_and_its_activity(team, make_initiative,
                                                                           stages):
    """The Activity is written in the same transaction as the change: if anything fails before
    the commit, neither is kept."""
    a = make_initiative(team.unit, stage="approved")
    move_initiative(team.staff, a, stages["in_progress"], None, 1)
    assert activities(a.id)  # flushed in the transaction...
    db.session.rollback()  # ...which then fails
    assert db.session.get(Initiative, a.id).stage.code == "approved"
    assert activities(a.id) == []


def test_numbers_beyond_any_id_are_refused_or_harmless(team, auth, client, hx, make_initiative):
    """Regression (tests/web/test_fuzz.py): an owner filter or cell offset past a 32/64-bit integer
    reached the database (OverflowError on SQLite, "integer out of range" on PostgreSQL): 500."""
    make_initiative(team.unit, stage="approved")
    auth.login(team.staff)
    assert client.get("/board/?owner=" + "9" * 40).status_code == 400
    assert client.get(f"/board/?owner={2**31}").status_code == 400
    more = client.get("/board/cells/governance/approved?offset=" + "9" * 40, headers=hx)
    assert more.status_code == 200 and 'id="card-' not in more.get_data(as_text=True)
