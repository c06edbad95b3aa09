"""The remembered summary (``review.remembered``, issue 13's speed): the summary page counts the
city once per change, and what it shows is exactly what counting afresh shows: after any
change, on a new day, in another language or scope, and with stale counts that move with the
time alone."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from flask_babel import force_locale

from quickwin_tracker.demo import DEMO_PASSWORD, seed_demo
from quickwin_tracker.domain.activity import record
from quickwin_tracker.extensions import db
from quickwin_tracker.models import Comment, Milestone, Stage, Unit, User
from quickwin_tracker.review import remembered
from quickwin_tracker.review.periods import preset
from quickwin_tracker.review.services import build_summary

NOW = datetime(2026, 11, 27, 4, 0, tzinfo=UTC)  # 12:00 WITA, Friday
TODAY = date(2026, 11, 27)
LONG_AGO = datetime(2026, 1, 5, tzinfo=UTC)
REVIEWER = "reviewer.setda@quickwin.balikpapan.go.id"


def _page(html: str) -> str:
    """The page without what differs between any two responses (CSRF tokens, script nonces)."""
    html = re.sub(r'(name="csrf[-_]token"[^>]*(?:content|value)=")[^"]*', r"\1", html)
    html = re.sub(r'("X-CSRFToken": ")[^"]*', r"\1", html)  # (the page's htmx headers)
    return re.sub(r'nonce="[^"]*"', 'nonce=""', html)


def _figures(summary) -> dict:
    return {
        "headline": summary.headline,
        "matrix": summary.matrix,
        "units": [(r.unit.code, dict(r.by_stage), dict(r.by_status), r.stale,
                   r.overdue_milestones) for r in summary.unit_rows],
        "attention": [(row.id, a.status, a.reasons_text) for row, a in summary.attention],
        "cfd": summary.cfd,
        "silent": summary.silent,
    }


@pytest.fixture
def counted(monkeypatch):
    """How many times the summary was counted (not remembered)."""
    calls = []
    original = remembered.count_summary

    def counting(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(remembered, "count_summary", counting)
    return calls


@pytest.fixture
def city(make_unit, make_user, make_initiative):
    dlh = make_unit("DLH")
    reviewer, admin = make_user("reviewer"), make_user("admin")
    manager = make_user("manager", dlh)
    quiet = make_initiative(dlh, stage="in_progress", created_at=LONG_AGO,
                            stage_entered_at=LONG_AGO, target_date=date(2027, 6, 1))
    record(admin, "created", quiet, now=LONG_AGO)
    busy = make_initiative(dlh, stage="approved", created_at=LONG_AGO,
                           stage_entered_at=NOW - timedelta(days=2), target_date=date(2027, 6, 1))
    record(admin, "moved", busy, now=NOW - timedelta(days=2), from_stage="proposed",
           to_stage="approved")
    db.session.commit()
    return {"reviewer": reviewer, "admin": admin, "manager": manager, "quiet": quiet,
            "busy": busy, "unit": dlh}


def _read(app, user, now=NOW, locale="id", sort="code"):
    with app.test_request_context(), force_locale(locale):
        summary = remembered.remembered_summary(user, preset("quarter", TODAY), sort=sort,
                                                now=now)
        return _figures(summary)


def test_a_second_read_is_remembered_and_shows_the_same_page(app, client, count_queries):
    seed_demo()
    db.session.commit()
    client.post("/auth/login", data={"email": REVIEWER, "password": DEMO_PASSWORD})
    app.extensions.pop(remembered.EXTENSION, None)
    with count_queries() as first:
        counted_page = client.get("/summary").get_data(as_text=True)
    with count_queries() as second:
        remembered_page = client.get("/summary").get_data(as_text=True)
    assert _page(remembered_page) == _page(counted_page)
    assert second.count < first.count
    # Sorted another way, from memory: the rows as counting afresh sorts them.
    by_stale = client.get("/summary?sort=stale&dir=desc").get_data(as_text=True)
    app.extensions.pop(remembered.EXTENSION, None)
    assert _page(client.get("/summary?sort=stale&dir=desc").get_data(as_text=True)) == \
        _page(by_stale)


def test_any_change_counts_again(app, city, counted):
    first = _read(app, city["reviewer"])
    assert _read(app, city["reviewer"]) == first
    assert len(counted) == 1
    # A milestone now overdue: the status, the matrix's attention and the lists change.
    db.session.add(Milestone(initiative=city["busy"], title="Survei warga",
                             due_date=TODAY - timedelta(days=5)))
    db.session.commit()
    after = _read(app, city["reviewer"])
    assert len(counted) == 2
    assert city["busy"].id in [row[0] for row in after["attention"]]
    assert city["busy"].id not in [row[0] for row in first["attention"]]
    assert after == _figures(build_summary(city["reviewer"], preset("quarter", TODAY), now=NOW))
    # A stage renamed or its settings changed: counted again too.
    stage = db.session.get(Stage, city["busy"].stage_id)
    stage.expected_days = 1
    db.session.commit()
    _read(app, city["reviewer"])
    assert len(counted) == 3


def test_stale_counts_move_with_the_time_and_the_trail_alone(app, city, counted):
    before = _read(app, city["reviewer"])
    assert [row[3] for row in before["units"]] == [1]  # the quiet one
    # A comment (no change clock follows comments) is a sign of life: not stale any more.
    db.session.add(Comment(initiative=city["quiet"], author=city["admin"], body="Masih jalan",
                           created_at=NOW - timedelta(hours=1)))
    db.session.commit()
    after = _read(app, city["reviewer"])
    assert [row[3] for row in after["units"]] == [0]
    assert len(counted) == 1  # remembered, with its stale counts counted again
    # Another day: counted afresh (the kept statuses' basis names the day).
    _read(app, city["reviewer"], now=NOW + timedelta(days=20))
    assert len(counted) == 2


def test_scope_language_and_cadence_are_part_of_what_is_remembered(app, city, counted):
    _read(app, city["reviewer"])
    _read(app, city["manager"])  # the manager's unit only
    assert len(counted) == 2
    english = _read(app, city["reviewer"], locale="en")
    assert len(counted) == 3
    assert english["units"] == _read(app, city["reviewer"])["units"]
    assert len(counted) == 3
    app.config["UPDATE_CADENCE_DAYS"] = 3
    _read(app, city["reviewer"])
    assert len(counted) == 4


def test_a_reader_with_unsaved_changes_counts_afresh(app, city, counted):
    _read(app, city["reviewer"])
    db.session.add(Unit(code="BARU", name="Unit baru"))  # pending, not yet written
    _read(app, city["reviewer"])
    assert len(counted) == 2
    db.session.rollback()


def test_what_is_remembered_is_bound_to_each_readers_session(app, city):
    """Rows remembered from one request are not read through its (closed) session later."""
    _read(app, city["reviewer"])
    reviewer_id = city["reviewer"].id
    db.session.commit()
    db.session.remove()  # as at the end of a request: every remembered row is detached
    with app.test_request_context():
        reviewer = db.session.get(User, reviewer_id)
        summary = remembered.remembered_summary(reviewer, preset("quarter", TODAY), now=NOW)
        assert all(row.unit in db.session for row in summary.unit_rows)
        assert all(stage in db.session for stage in summary.stages)
        assert [d.name for d in summary.dimensions]
