"""The live board's version tag: ``GET /board/version`` with ETag/304 (see ``board/live.py``)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from quickwin_tracker.extensions import db
from quickwin_tracker.models import Initiative


def tag_of(client, **headers) -> tuple[int, str, str]:
    response = client.get("/board/version", headers=headers)
    return response.status_code, response.headers.get("ETag", ""), response.get_data(as_text=True)


def current(client) -> str:
    status, etag, body = tag_of(client)
    assert status == 200 and etag == f'"{body}"' and body
    return etag


def test_version_needs_a_sign_in(client):
    response = client.get("/board/version")
    assert response.status_code in (302, 303, 401)


def test_304_while_nothing_changed_then_200_with_the_new_tag(team, auth, client, make_initiative):
    make_initiative(team.unit)
    auth.login(team.staff)
    etag = current(client)
    response = client.get("/board/version", headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response.get_data() == b""
    assert response.headers["ETag"] == etag
    assert response.headers["Cache-Control"] == "no-store"  # app.js sends If-None-Match itself
    assert client.get("/board/version", headers={"If-None-Match": '"stale"'}).status_code == 200
    # The board's filters come along with the poll: accepted, and checked as on the board.
    assert client.get("/board/version?unit=DINKES&status=at_risk",
                      headers={"If-None-Match": etag}).status_code == 304
    assert client.get("/board/version?status=nonsense").status_code == 400


def test_the_board_carries_its_tag_and_polls(team, auth, client, make_initiative, hx):
    make_initiative(team.unit)
    auth.login(team.staff)
    html = client.get("/board/").get_data(as_text=True)
    tag = current(client).strip('"')
    assert f'data-board-version="{tag}"' in html
    poll = re.search(r'<div id="board-poll"[^>]*>', html).group(0)
    assert 'data-hx-get="/board/version"' in poll and 'data-hx-trigger="every 15s"' in poll
    assert 'data-hx-include="#board-filters"' in poll
    # The fragment that filters and refreshes swap in carries the tag too.
    fragment = client.get("/board/?unit=DINKES", headers=hx).get_data(as_text=True)
    assert f'data-board-version="{tag}"' in fragment


@pytest.mark.parametrize("app_config", [{"BOARD_POLL_SECONDS": 1}])
def test_poll_interval_comes_from_the_configuration(team, auth, client, app_config):
    auth.login(team.staff)
    assert 'data-hx-trigger="every 1s"' in client.get("/board/").get_data(as_text=True)


def test_tag_changes_after_a_move_and_a_reorder(team, auth, client, make_initiative, hx):
    a = make_initiative(team.unit, stage="approved")
    b = make_initiative(team.unit, stage="approved")
    auth.login(team.staff)
    before = current(client)
    response = client.post(f"/board/cards/{a.id}/move",
                           data={"stage": "in_progress", "after": "top", "version": "1"}, headers=hx)
    assert response.status_code == 200
    assert tag_of(client, **{"If-None-Match": before})[0] == 200
    after_move = current(client)
    assert after_move != before

    # A reorder within one cell: ``b`` goes below ``c``.
    c = make_initiative(team.unit, stage="in_progress")
    after_create = current(client)
    assert after_create != after_move
    response = client.post(f"/board/cards/{b.id}/move",
                           data={"stage": "approved", "after": "top", "version": "1"}, headers=hx)
    assert response.status_code == 200  # nothing to reorder with one card: still recorded
    response = client.post(f"/board/cards/{a.id}/move",
                           data={"stage": "in_progress", "after": str(c.id), "version": "2"}, headers=hx)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert current(client) != after_create


def test_tag_changes_after_an_edit_and_archiving(team, auth, client, make_initiative):
    a = make_initiative(team.unit)
    auth.login(team.staff)
    before = current(client)
    db.session.get(Initiative, a.id).title = "Judul baru"
    db.session.commit()
    edited = current(client)
    assert edited != before
    initiative = db.session.get(Initiative, a.id)
    initiative.archived, initiative.archived_at = True, datetime.now(UTC)
    db.session.commit()
    assert current(client) not in (before, edited)


def test_version_is_one_query_whatever_the_board_size(team, auth, client, count_queries,
                                                      add_bulk):
    auth.login(team.staff)

    add_bulk(10)
    etag = current(client)
    with count_queries() as small:
        assert client.get("/board/version", headers={"If-None-Match": etag}).status_code == 304
    add_bulk(500)
    etag = current(client)
    with count_queries() as large:
        assert client.get("/board/version", headers={"If-None-Match": etag}).status_code == 304
    assert small.count == large.count
    # The signed-in user, and the tag.
    tag_queries = [s for s in large.statements if "max(activity.id)" in s.lower()]
    assert len(tag_queries) == 1 and large.count <= 2, large.statements
