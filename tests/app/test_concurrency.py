"""Concurrency and faults, against a real PostgreSQL server (issue 6, "Concurrency and faults").

Every test gets its own freshly migrated database (the ``database_url``/``app`` fixtures) and uses
real separate connections: threads with their own application contexts, or spawned processes with
their own app. On the SQLite backend these tests are skipped: SQLite serialises writers itself and
has no row locks to exercise.
"""

from __future__ import annotations

import multiprocessing
import random
import threading
import time
from collections import Counter
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from quickwin_tracker.extensions import db
from quickwin_tracker.models import Activity, Initiative, Stage, User
from tests.conftest import PASSWORD, _pg_admin, t

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def _postgres_only(backend):
    if backend != "postgresql":
        pytest.skip("concurrency tests need PostgreSQL (row locks, separate connections)")


def _cells() -> dict[tuple[int, int], list[int]]:
    """Positions of the live cards of every (dimension, stage) cell, in position order."""
    db.session.expire_all()
    cells: dict[tuple[int, int], list[int]] = {}
    for dim, stage, pos in db.session.execute(
        sa.select(Initiative.dimension_id, Initiative.stage_id, Initiative.position)
        .where(Initiative.archived.is_(False))
        .order_by(Initiative.dimension_id, Initiative.stage_id, Initiative.position)
    ):
        cells.setdefault((dim, stage), []).append(pos)
    return cells


def _assert_gap_free() -> None:
    for cell, found in _cells().items():
        assert found == list(range(len(found))), f"cell {cell} has positions {found}"


# --------------------------------------------------------------------------- two users, one card


class _OwnContextClient(FlaskClient):
    """Each request in its own application context (own ``g``, session and connection), from any
    thread; unlike the fixture's client it leaves the caller's session alone."""

    def open(self, *args: Any, **kwargs: Any):
        with self.application.app_context():
            return super().open(*args, **kwargs)


def _client(app) -> FlaskClient:
    return _OwnContextClient(app, app.response_class, use_cookies=True)


def test_two_users_move_the_same_card_at_once_exactly_one_wins(app, make_unit, make_user,
                                                              make_initiative, stages):
    unit = make_unit("DISKOMINFO")
    users = [make_user("manager", unit, name="Kepala"), make_user("staff", unit, name="Staf")]
    clients = []
    for user in users:
        c = _client(app)
        assert c.post("/auth/login", data={"email": user.email, "password": PASSWORD}).status_code == 303
        clients.append(c)
    hx = {"HX-Request": "true"}
    targets = ["in_progress", "pilot"]

    for round_ in range(5):
        card = make_initiative(unit, stage="approved", title=f"Rebutan {round_}")
        for stage in ("approved", *targets):  # neighbours, so renumbering has work to do
            make_initiative(unit, stage=stage)
        card_id, version = card.id, card.version
        barrier = threading.Barrier(2, timeout=10)
        answers: list[Any] = [None, None]

        def attempt(i: int, barrier=barrier, answers=answers, card_id=card_id,
                    version=version) -> None:
            barrier.wait()
            answers[i] = clients[i].post(
                f"/board/cards/{card_id}/move",
                data={"stage": targets[i], "after": "top", "version": str(version)}, headers=hx)

        threads = [threading.Thread(target=attempt, args=(i,)) for i in range(2)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(timeout=30)
        statuses = sorted(a.status_code for a in answers)
        assert statuses == [200, 409], (
            f"round {round_}: {statuses}", [(a.headers, a.get_data(as_text=True)[:500]) for a in answers])
        winner = next(i for i in range(2) if answers[i].status_code == 200)
        loser = 1 - winner
        html = answers[loser].get_data(as_text=True)
        # The loser is told why, and its answer re-renders the cells it touched from the server.
        assert 'class="move-message refused"' in html
        assert t("Someone else changed this initiative meanwhile; the board now shows the current "
                 "state.") in html
        assert 'id="cell-governance-approved"' in html
        assert f'id="cell-governance-{targets[loser]}"' in html
        approved_cell = html.split('id="cell-governance-approved"')[1].split("</ol>")[0]
        assert f'id="card-{card_id}"' not in approved_cell  # it has already left

        db.session.expire_all()
        moved = db.session.get(Initiative, card_id)
        assert moved.stage.code == targets[winner]
        assert moved.version == version + 1
        assert moved.position == 0
        trail = list(db.session.scalars(sa.select(Activity).where(Activity.initiative_id == card_id)))
        assert [a.verb for a in trail] == ["moved"]
        assert trail[0].actor_id == users[winner].id
        _assert_gap_free()


def test_two_services_race_on_the_same_card(app, make_unit, make_user, make_initiative, stages):
    """The same race one level down: two sessions call ``move_initiative`` directly, both having
    read the card before either writes (so the version column, not the early check, decides)."""
    from quickwin_tracker.board.moves import MoveRefused, move_initiative

    unit = make_unit("BAPPEDA")
    admin_id = make_user("admin").id
    for round_ in range(3):
        card_id = make_initiative(unit, stage="approved").id
        loaded = threading.Barrier(2, timeout=10)
        outcome: list[str] = ["", ""]

        def attempt(i: int, target: str, card_id=card_id, loaded=loaded, outcome=outcome) -> None:
            with app.app_context():
                actor = db.session.get(User, admin_id)
                card = db.session.get(Initiative, card_id)
                stage = db.session.scalar(sa.select(Stage).where(Stage.code == target))
                expected = card.version
                _ = card.stage  # everything read before the race starts
                loaded.wait()
                try:
                    move_initiative(actor, card, stage, None, expected)
                    db.session.commit()
                    outcome[i] = "ok"
                except MoveRefused as refused:
                    db.session.rollback()
                    outcome[i] = f"refused {refused.status}"
                finally:
                    db.session.remove()

        threads = [threading.Thread(target=attempt, args=(i, t))
                   for i, t in enumerate(("in_progress", "pilot"))]
        for th in threads:
            th.start()
        for th in threads:
            th.join(timeout=30)
        assert sorted(outcome) == ["ok", "refused 409"], f"round {round_}: {outcome}"
        db.session.expire_all()
        assert db.session.get(Initiative, card_id).version == 2
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Activity)
                                 .where(Activity.initiative_id == card_id)) == 1
        _assert_gap_free()


# --------------------------------------------------------------------------- many processes

PROCESSES = 4
ACTIONS = 250


def _worker(url: str, seed: int, admin_id: int, queue: Any) -> None:
    """One process: its own app and connection pool; random moves, reorders and title edits with
    the version it just read. Reports ``(successes per initiative, conflicts, error)``."""
    import traceback

    from quickwin_tracker import create_app
    from quickwin_tracker.board.moves import MoveRefused, move_initiative
    from quickwin_tracker.domain.errors import Conflict
    from quickwin_tracker.initiatives.services import InitiativeData, update_initiative

    rng = random.Random(seed)
    successes: Counter[int] = Counter()
    conflicts = 0
    try:
        app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            stage_ids = list(db.session.scalars(
                sa.select(Stage.id).where(Stage.retired.is_(False)).order_by(Stage.position)))
            ids = list(db.session.scalars(sa.select(Initiative.id).order_by(Initiative.id)))
            db.session.rollback()
            for n in range(ACTIONS):
                actor = db.session.get(User, admin_id)
                card = db.session.get(Initiative, rng.choice(ids))
                version = card.version
                kind = rng.random()
                try:
                    if kind < 0.2:
                        data = InitiativeData(
                            title=f"P{seed}-{n}", benefit=card.benefit, description=card.description,
                            dimension=card.dimension, unit=card.unit, owner=card.owner,
                            target_date=card.target_date, members=list(card.members),
                            tags=list(card.tags))
                        changed = bool(update_initiative(actor, card, data, version))
                    else:
                        # A move to a random stage (or a reorder in its own stage), after a random
                        # card of the target cell as this process sees it now.
                        stage_id = card.stage_id if kind < 0.45 else rng.choice(stage_ids)
                        stage = db.session.get(Stage, stage_id)
                        cell = list(db.session.scalars(
                            sa.select(Initiative.id).where(
                                Initiative.dimension_id == card.dimension_id,
                                Initiative.stage_id == stage_id, Initiative.archived.is_(False),
                                Initiative.id != card.id)))
                        after = rng.choice([None, *cell])
                        changed = move_initiative(actor, card, stage, after, version).changed
                    db.session.commit()
                    if changed:
                        successes[card.id] += 1
                except (MoveRefused, Conflict) as refused:
                    db.session.rollback()
                    if refused.status != 409:
                        raise
                    conflicts += 1
                finally:
                    db.session.rollback()
                    db.session.expunge_all()
            db.engine.dispose()
        queue.put((dict(successes), conflicts, None))
    except BaseException:  # reported to the test, which fails with the traceback
        queue.put((dict(successes), conflicts, traceback.format_exc()))


def test_many_processes_moving_and_editing_lose_nothing(app, database_url, make_unit, make_user,
                                                       stages, dimensions):
    for stage in stages.values():  # no gate noise: every move is allowed unless it conflicts
        stage.gates = []
        stage.wip_limit = None
    units = [make_unit("DISHUB"), make_unit("DLH")]
    admin = make_user("admin")
    owners = [make_user("staff", units[0]), make_user("manager", units[1])]
    lanes = [dimensions[c] for c in ("governance", "living", "environment")]
    stage_list = list(stages.values())
    cell_fill: Counter[tuple[int, int]] = Counter()
    for i in range(40):
        unit_i = i % 2
        lane = lanes[i % 3]
        stage = stage_list[(i // 3) % len(stage_list)]
        db.session.add(Initiative(
            title=f"Quick win {i}", benefit="Manfaat", unit=units[unit_i], owner=owners[unit_i],
            dimension=lane, stage=stage, position=cell_fill[(lane.id, stage.id)]))
        cell_fill[(lane.id, stage.id)] += 1
    db.session.commit()
    _assert_gap_free()

    started = time.monotonic()
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(database_url, seed, admin.id, queue))
             for seed in range(PROCESSES)]
    for p in procs:
        p.start()
    results = [queue.get(timeout=180) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    elapsed = time.monotonic() - started
    errors = [err for _, _, err in results if err]
    assert not errors, errors[0]

    total: Counter[int] = Counter()
    for successes, _, _ in results:
        total.update(successes)
    conflicts = sum(c for _, c, _ in results)
    db.session.expire_all()
    versions = dict(db.session.execute(sa.select(Initiative.id, Initiative.version)).all())
    trail = Counter(db.session.scalars(sa.select(Activity.initiative_id)))
    assert sum(trail.values()) == sum(total.values())  # one Activity per successful change
    for id_, version in versions.items():
        assert version == 1 + total[id_], f"initiative {id_}: version {version}, {total[id_]} changes"
        assert trail[id_] == total[id_], f"initiative {id_}: {trail[id_]} activities"
    _assert_gap_free()
    assert sum(len(c) for c in _cells().values()) == 40
    assert sum(total.values()) > PROCESSES * ACTIONS // 4, (total, conflicts)  # real work happened
    print(f"\n{PROCESSES}x{ACTIONS} actions in {elapsed:.1f}s: "
          f"{sum(total.values())} changes, {conflicts} conflicts")


# --------------------------------------------------------------------------- database unreachable


@pytest.fixture
def app_config():
    return {"PROPAGATE_TEST_ERRORS": False}


def test_database_unreachable_then_back(app, database_url, make_unit, make_user, make_initiative):
    name = sa.engine.make_url(database_url).database
    unit = make_unit("BPBD")
    user = make_user("manager", unit)
    card_id = make_initiative(unit, stage="approved").id
    client = _client(app)
    assert client.post("/auth/login", data={"email": user.email, "password": PASSWORD}).status_code == 303
    assert client.get("/healthz").status_code == 200
    db.session.remove()  # the test's own connection goes back to the pool

    def cut() -> None:
        _pg_admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        _pg_admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                  f"WHERE datname = '{name}' AND pid <> pg_backend_pid()")

    cut()
    try:
        health = client.get("/healthz")
        assert health.status_code == 503
        assert health.get_json() == {"status": "error", "database": "unreachable"}
        page = client.get("/board/")
        assert page.status_code == 503
        assert b"<html" in page.data and b"Traceback" not in page.data
        fragment = client.get("/board/", headers={"HX-Request": "true"})
        assert fragment.status_code == 503 and b"<html" not in fragment.data
        posted = client.post(f"/board/cards/{card_id}/move",
                             data={"stage": "pilot", "after": "top", "version": "1"})
        assert posted.status_code == 503
    finally:
        _pg_admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')

    # Nothing was half-written while it was down.
    card = db.session.get(Initiative, card_id)
    assert card.stage.code == "approved" and card.version == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Activity)) == 0
    db.session.remove()

    # The same app recovers by itself (pool_pre_ping drops the dead connections).
    assert client.get("/healthz").status_code == 200
    assert client.get("/board/").status_code == 200
    moved = client.post(f"/board/cards/{card_id}/move",
                        data={"stage": "pilot", "after": "top", "version": "1"})
    assert moved.status_code == 303
    db.session.expire_all()
    assert db.session.get(Initiative, card_id).stage.code == "pilot"
    assert [a.verb for a in db.session.scalars(sa.select(Activity))] == ["moved"]
