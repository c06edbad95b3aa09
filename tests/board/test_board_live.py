"""The live board's version tag: ``GET /board/version`` with ETag/304 (see ``board/live.py``),
and the ``change_clock`` behind it (migration 0012)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from quickwin_tracker.extensions import db
from quickwin_tracker.models import (
    Activity,
    Indicator,
    Initiative,
    Measurement,
    Milestone,
    Tag,
    change_clock,
)


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
    tag_queries = [s for s in large.statements if "change_clock" in s.lower()]
    assert len(tag_queries) == 1 and large.count <= 2, large.statements


# --------------------------------------------------------------------------- the change clock

# Every table whose rows a board shows, and the names of their triggers (migration 0012).
CLOCKED = ("initiative", "milestone", "indicator", "measurement", "initiative_member",
           "initiative_tag", "stage", "dimension", "unit", "tag", "user",
           "progress_update",  # (migration 0014: a card shows the latest update)
           "initiative_budget", "spending",  # (0016: the page and the summary read them)
           "indicator_plan")  # (migration 0015: an indicator's planned path, a status input)


def _tick() -> int:
    db.session.rollback()  # a fresh read (PostgreSQL: a new snapshot)
    return db.session.scalar(sa.select(change_clock.c.tick))


def test_every_table_a_board_shows_has_its_clock_triggers(app, backend):
    """A SQLite batch rebuild drops a table's triggers: a migration that forgets to create them
    again (``create_clock_triggers``) fails here."""
    if backend == "postgresql":
        found = set(db.session.scalars(sa.text(
            "SELECT tgname FROM pg_trigger WHERE tgname LIKE '%moves_change_clock'")))
        expected = {f"{t}_moves_change_clock" for t in CLOCKED}
        expected |= {f"{t}_truncate_moves_change_clock" for t in CLOCKED}
        expected.add("user_update_moves_change_clock")
    else:
        found = set(db.session.scalars(sa.text(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' "
            "AND name LIKE '%moves_change_clock'")))
        expected = {f"{t}_{e}_moves_change_clock" for t in CLOCKED
                    for e in ("insert", "update", "delete")}
    assert found == expected


@pytest.fixture
def shown(team, make_initiative):
    """An initiative with a milestone, an indicator and a measurement, a team member and a tag."""
    initiative = make_initiative(team.unit, owner=team.staff)
    initiative.milestones.append(Milestone(title="Uji coba", due_date=date(2027, 1, 1)))
    indicator = Indicator(name="Waktu tunggu", baseline=10, target=2, direction="lower")
    initiative.indicators.append(indicator)
    tag = Tag(kind="sdg", code="sdg-11", name="Kota berkelanjutan")
    db.session.add(tag)
    db.session.flush()
    db.session.add(Measurement(indicator_id=indicator.id, value=7, measured_on=date(2026, 12, 1)))
    initiative.tags.append(tag)
    db.session.commit()
    return {"initiative": initiative.id, "milestone": initiative.milestones[0].id,
            "indicator": indicator.id, "tag": tag.id, "user": team.staff.id,
            "manager": team.manager.id, "unit": team.unit.id}


PLAIN_SQL = [
    "UPDATE initiative SET title = 'Diubah lewat SQL' WHERE id = :initiative",
    "UPDATE milestone SET done_on = due_date WHERE id = :milestone",
    "UPDATE indicator SET target = 1 WHERE id = :indicator",
    "UPDATE measurement SET value = 8 WHERE indicator_id = :indicator",
    "DELETE FROM measurement WHERE indicator_id = :indicator",
    "INSERT INTO initiative_member (initiative_id, user_id) VALUES (:initiative, :manager)",
    "DELETE FROM initiative_tag WHERE initiative_id = :initiative",
    "UPDATE tag SET name = 'Nama baru' WHERE id = :tag",
    "UPDATE stage SET name_en = 'Trial' WHERE code = 'pilot'",
    "UPDATE dimension SET colour = '#000000' WHERE code = 'economy'",
    "UPDATE unit SET code = 'DINKES2' WHERE id = :unit",
    'UPDATE "user" SET name = \'Nama Lain\' WHERE id = :user',
    'UPDATE "user" SET active = false WHERE id = :manager',
    "DELETE FROM initiative WHERE id = :initiative",
]


@pytest.mark.parametrize("statement", PLAIN_SQL, ids=lambda s: " ".join(s.split()[:2]))
def test_a_change_by_plain_sql_moves_the_tag(team, auth, client, shown, statement):
    """Imports, the CLI and a manual fix in SQL move the tag too: the database keeps the clock."""
    auth.login(team.reviewer)
    before = current(client)
    params = {k: v for k, v in shown.items() if f":{k}" in statement}
    with db.engine.begin() as conn:
        conn.execute(sa.text(statement), params)
    response = client.get("/board/version", headers={"If-None-Match": before})
    assert response.status_code == 200 and current(client) != before


def test_an_unchanged_database_keeps_the_tag(team, auth, client, shown, make_user):
    auth.login(team.staff)
    before = current(client)
    assert current(client) == before
    # What no board shows leaves it: a sign-in (``last_login_at``), settings, the trail.
    other = auth.__class__(app_client := client.application.test_client())
    other.login(team.manager)
    assert app_client.get("/board/").status_code == 200
    with db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE \"user\" SET locale = 'en', board_settings = '{}', "
                             "name = name WHERE id = :id"), {"id": team.manager.id})
        conn.execute(sa.insert(Activity), {"verb": "noted", "initiative_id": shown["initiative"]})
    # A change that is rolled back leaves no trace.
    with db.engine.connect() as conn:
        conn.execute(sa.text("UPDATE initiative SET title = 'x'"))
        conn.rollback()
    assert client.get("/board/version", headers={"If-None-Match": before}).status_code == 304


def test_the_tag_carries_the_city_date(team, auth, client, monkeypatch):
    """At midnight days in stage and overdue milestones change with no write: boards refresh."""
    from quickwin_tracker.board import live

    auth.login(team.staff)
    before = current(client)
    monkeypatch.setattr(live, "local_today", lambda: date(2030, 1, 1))
    assert current(client) != before


def test_postgres_bumps_the_clock_once_per_transaction_at_commit(backend, shown):
    """Deferred to COMMIT: an open writer does not hold the clock row, and a transaction that
    changes many rows moves the clock by one."""
    if backend != "postgresql":
        pytest.skip("SQLite bumps per row (its writers are serialised anyway)")
    start = _tick()
    with db.engine.connect() as writer, db.engine.connect() as other:
        writer.execute(sa.text("UPDATE stage SET name_en = name_en || '.'"))
        writer.execute(sa.text("UPDATE dimension SET colour = colour"))
        # Not bumped yet, and the row is not locked: another transaction may update it now.
        other.execute(sa.text("SET LOCAL lock_timeout = '3s'"))
        other.execute(sa.text("UPDATE change_clock SET tick = tick WHERE id = 1"))
        other.rollback()
        assert _tick() == start
        writer.commit()
    assert _tick() == start + 1


def test_postgres_a_late_commit_with_a_lower_id_still_moves_the_tag(backend, team, auth, client,
                                                                    make_initiative):
    """A takes the lower ids and commits last; B commits in between and the tag is read then.
    The old tag (newest activity id, count and versions of initiatives) stayed the same here."""
    if backend != "postgresql":
        pytest.skip("needs two concurrent writers (SQLite serialises them)")
    auth.login(team.reviewer)
    ids = iter([make_initiative(team.unit).id, make_initiative(team.unit).id])

    def write(conn, title: str) -> int:
        initiative = next(ids)  # each its own (a milestone locks its initiative's row, 0008)
        conn.execute(sa.insert(Milestone), {"initiative_id": initiative, "title": title,
                                            "due_date": date(2027, 2, 1)})
        return conn.execute(sa.insert(Activity).returning(Activity.id),
                            {"verb": "milestone_added", "initiative_id": initiative}).scalar_one()

    with db.engine.connect() as a, db.engine.connect() as b:
        a_id = write(a, "Langkah A")
        b.execute(sa.text("SET LOCAL lock_timeout = '3s'"))  # A must not block B
        b_id = write(b, "Langkah B")
        b.commit()
        assert a_id < b_id
        seen = current(client)
        assert client.get("/board/version", headers={"If-None-Match": seen}).status_code == 304
        a.commit()
    response = client.get("/board/version", headers={"If-None-Match": seen})
    assert response.status_code == 200
    assert current(client) != seen
