"""Review cycles: frozen snapshot and agenda, decisions on the initiative page and trail."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from quickwin_tracker.domain.errors import Forbidden, Invalid
from quickwin_tracker.extensions import db
from quickwin_tracker.models import (
    Activity,
    Indicator,
    Measurement,
    Milestone,
    Review,
    ReviewDecision,
)
from quickwin_tracker.review.cycle import record_decision, start_review
from quickwin_tracker.review.periods import preset

NOW = datetime(2026, 11, 27, 4, 0, tzinfo=UTC)
TODAY = date(2026, 11, 27)


@pytest.fixture
def setup(make_unit, make_user, make_initiative):
    unit = make_unit("DLH")
    reviewer, staff = make_user("reviewer"), make_user("staff", unit)
    late = make_initiative(unit, stage="in_progress", title="Bank sampah digital",
                           stage_entered_at=NOW - timedelta(days=5), created_at=NOW - timedelta(days=40))
    db.session.add(Milestone(initiative=late, title="Sosialisasi", due_date=TODAY - timedelta(days=4)))
    waiting = make_initiative(unit, stage="pilot", title="Mangrove center",
                              stage_entered_at=NOW - timedelta(days=5), created_at=NOW - timedelta(days=40))
    ind = Indicator(initiative=waiting, name="Pengunjung", baseline=0, target=100, direction="higher")
    db.session.add_all([ind, Measurement(indicator=ind, value=50, measured_on=TODAY)])
    fine = make_initiative(unit, stage="approved", title="Baik-baik saja",
                           stage_entered_at=NOW - timedelta(days=1), created_at=NOW - timedelta(days=2))
    from quickwin_tracker.domain.activity import record
    from quickwin_tracker.updates.services import UpdateData, post_update

    for i in (late, waiting, fine):
        record(staff, "created", i, now=NOW - timedelta(days=1))
    for i in (late, waiting):  # (their owners report on time: no late update on the agenda)
        post_update(staff, i, UpdateData("at_risk", "Berjalan."), now=NOW - timedelta(days=2))
    db.session.commit()
    return {"reviewer": reviewer, "staff": staff, "late": late, "waiting": waiting, "fine": fine}


def test_start_freezes_snapshot_and_agenda(setup):
    review = start_review(setup["reviewer"], preset("month", TODAY), now=NOW)
    db.session.commit()
    agenda = {item["initiative_id"]: item for item in review.agenda}
    assert set(agenda) == {setup["late"].id, setup["waiting"].id}
    assert agenda[setup["late"].id]["why"] == ["at_risk"]
    assert "Sosialisasi" in agenda[setup["late"].id]["reasons"][0]
    assert agenda[setup["waiting"].id]["why"] == ["awaiting_verification"]
    assert review.snapshot["headline"]["active"] == 3
    frozen = dict(review.snapshot)
    # later changes do not alter the stored review
    setup["fine"].archived = True
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Review, review.id).snapshot == frozen


def test_only_reviewers_start_and_decide(setup):
    with pytest.raises(Forbidden):
        start_review(setup["staff"], preset("month", TODAY), now=NOW)
    review = start_review(setup["reviewer"], preset("month", TODAY), now=NOW)
    with pytest.raises(Forbidden):
        record_decision(setup["staff"], review, setup["late"], "continue", "", None, now=NOW)


def test_decision_is_recorded_once_per_initiative_and_in_the_trail(setup):
    review = start_review(setup["reviewer"], preset("month", TODAY), now=NOW)
    record_decision(setup["reviewer"], review, setup["late"], "continue", "Lanjut", None, now=NOW)
    record_decision(setup["reviewer"], review, setup["late"], "escalate", "Ke Sekda",
                    TODAY + timedelta(days=14), now=NOW)
    db.session.commit()
    decisions = db.session.scalars(sa.select(ReviewDecision)).all()
    assert len(decisions) == 1 and decisions[0].decision == "escalate"
    verbs = db.session.scalars(sa.select(Activity.verb).where(
        Activity.initiative_id == setup["late"].id).order_by(Activity.id)).all()
    assert verbs[-2:] == ["review_decision", "review_decision"]


@pytest.mark.parametrize("decision, note, follow_up, field", [
    ("maybe", "", None, "decision"),
    ("stop", "", None, "note"),
    ("continue", "", TODAY - timedelta(days=1), "follow_up_on"),
])
def test_bad_decisions_are_refused(setup, decision, note, follow_up, field):
    review = start_review(setup["reviewer"], preset("month", TODAY), now=NOW)
    with pytest.raises(Invalid) as error:
        record_decision(setup["reviewer"], review, setup["late"], decision, note, follow_up, now=NOW)
    assert error.value.field == field


def test_review_pages(setup, auth, client):
    auth.login(setup["reviewer"])
    assert client.get("/reviews").status_code == 200
    response = client.post("/reviews", data={"period": "month", "title": "Rapat November"})
    assert response.status_code == 303
    review = db.session.scalar(sa.select(Review))
    page = client.get(f"/reviews/{review.id}").get_data(as_text=True)
    assert "Rapat November" in page and "Bank sampah digital" in page
    bad = client.post(f"/reviews/{review.id}/decisions/{setup['late'].id}",
                      data={"decision": "stop", "note": ""})
    assert bad.status_code == 422 and "field-invalid" in bad.get_data(as_text=True)
    ok = client.post(f"/reviews/{review.id}/decisions/{setup['late'].id}",
                     data={"decision": "scale_up", "note": "Tiru di DLH lain",
                           "follow_up_on": "2026-12-31"})
    assert ok.status_code == 303
    detail = client.get(f"/initiatives/{setup['late'].id}").get_data(as_text=True)
    assert "Tiru di DLH lain" in detail and 'id="review-decisions"' in detail
    assert client.post("/reviews", data={"period": "decade"}).status_code == 422
    auth.logout()
    auth.login(setup["staff"])
    assert client.get(f"/reviews/{review.id}").status_code == 403
    assert client.post("/reviews", data={"period": "month"}).status_code == 403


def test_a_review_page_shows_its_frozen_bands_variance_and_updates(setup, auth, client):
    """The review page reads its snapshot: updates on time (headline and per OPD), the variance
    against the plan per OPD and the achievement bands per dimension, as frozen."""
    from quickwin_tracker.models import Measurement as M

    db.session.execute(sa.update(M).values(status="verified"))
    db.session.commit()
    auth.login(setup["reviewer"])
    client.post("/reviews", data={"period": "month", "title": "Rapat November"})
    review = db.session.scalar(sa.select(Review))
    snapshot = review.snapshot
    page = client.get(f"/reviews/{review.id}").get_data(as_text=True)
    assert 'data-figure="updates_on_time"' in page and "Pembaruan kemajuan tepat waktu" in page
    (unit,) = snapshot["units"]
    cells = page[page.index('title="' + unit["name"] + '"'):]
    cells = cells[:cells.index("</tr>")]
    assert "data-variance" in cells and "data-updates" in cells
    bands = page[page.index("data-review-bands"):]
    bands = bands[:bands.index("</table>")]
    assert "Sangat Baik" in bands and "Sangat Kurang" in bands and "Tanpa predikat" in bands
    counted = sum(n for row in snapshot["bands_by_dimension"] for n in row["counts"].values())
    shown = sum(int(n) for n in re.findall(r"<td>(\d+)</td>", bands))
    assert shown == counted > 0
    # A snapshot frozen before these figures existed still shows (without them).
    review.snapshot = {k: v for k, v in snapshot.items() if k not in ("bands", "bands_by_unit",
                                                                       "bands_by_dimension")}
    review.snapshot["headline"] = {k: v for k, v in snapshot["headline"].items()
                                   if k != "updates_on_time_share"}
    db.session.commit()
    older = client.get(f"/reviews/{review.id}")
    assert older.status_code == 200
    assert "data-review-bands" not in older.get_data(as_text=True)
