"""The SQL statement count of the board, the summary, an initiative page and a digest build does not
grow with the number of initiatives (issue 6, "Performance"); long columns load more on demand.

Timings live in ``benchmarks/`` (``make bench``); these tests pin the query counts only.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from quickwin_tracker.demo import DEMO_PASSWORD, seed_demo
from quickwin_tracker.digests.services import build_digest
from quickwin_tracker.domain.clock import local_today, utcnow
from quickwin_tracker.extensions import db
from quickwin_tracker.models import (
    Indicator,
    Initiative,
    InitiativeBudget,
    Measurement,
    Milestone,
    Spending,
    Stage,
    User,
)

MANAGER = "kepala.diskominfo@quickwin.balikpapan.go.id"
REVIEWER = "reviewer.setda@quickwin.balikpapan.go.id"


def _grow_to(total: int) -> None:
    """Copies of the seeded initiatives (with their milestones, indicators and measurements) until
    there are ``total``: much faster than seeding 1,000 from scratch."""
    originals = list(db.session.scalars(sa.select(Initiative).order_by(Initiative.id)))
    milestones = {i.id: list(i.milestones) for i in originals}
    indicators = {i.id: [(ind, list(ind.measurements)) for ind in i.indicators] for i in originals}
    budgets = {b.initiative_id: b for b in db.session.scalars(sa.select(InitiativeBudget))}
    spending: dict[int, list[Spending]] = {}
    for entry in db.session.scalars(sa.select(Spending)):
        spending.setdefault(entry.initiative_id, []).append(entry)
    count, n = len(originals), 0
    while count < total:
        source = originals[n % len(originals)]
        n += 1
        copy = Initiative(
            title=f"{source.title} ({n})", benefit=source.benefit, dimension_id=source.dimension_id,
            unit_id=source.unit_id, owner_id=source.owner_id, stage_id=source.stage_id,
            position=source.position + 1000 + n, target_date=source.target_date,
            stage_entered_at=source.stage_entered_at, created_at=source.created_at,
        )
        copy.milestones = [Milestone(title=m.title, due_date=m.due_date, position=m.position,
                                     done_on=m.done_on, responsible_id=m.responsible_id,
                                     created_at=m.created_at) for m in milestones[source.id]]
        copy.indicators = [
            Indicator(name=ind.name, unit_of_measure=ind.unit_of_measure, baseline=ind.baseline,
                      target=ind.target, direction=ind.direction, position=ind.position,
                      target_date=ind.target_date, created_at=ind.created_at,
                      measurements=[Measurement(value=m.value, measured_on=m.measured_on,
                                                recorded_by_id=m.recorded_by_id,
                                                recorded_at=m.recorded_at, status=m.status,
                                                reviewed_by_id=m.reviewed_by_id,
                                                reviewed_at=m.reviewed_at, note=m.note)
                                    for m in measurements])
            for ind, measurements in indicators[source.id]
        ]
        db.session.add(copy)
        budget = budgets.get(source.id)
        if budget is not None:  # (issue 14: the summary's budget block reads these)
            db.session.flush()
            db.session.add(InitiativeBudget(initiative_id=copy.id, planned=budget.planned,
                                            program_code=budget.program_code))
            db.session.add_all(Spending(initiative_id=copy.id, amount=s.amount,
                                        spent_on=s.spent_on, note=s.note)
                               for s in spending.get(source.id, []))
        count += 1
    db.session.commit()


def _signed_in(app: Flask, email: str):
    client = app.test_client()
    response = client.post("/auth/login", data={"email": email, "password": DEMO_PASSWORD})
    assert response.status_code in (302, 303), response.status_code
    return client


def _counts(app: Flask, count_queries) -> dict[str, int]:
    manager, reviewer = _signed_in(app, MANAGER), _signed_in(app, REVIEWER)
    first = db.session.scalar(sa.select(sa.func.min(Initiative.id)))
    pages = {"board": (manager, "/board/"), "summary": (reviewer, "/summary"),
             # (issue 13, "Speed": the summary is aggregate queries, however large the city)
             "summary, a year": (reviewer, "/summary?period=year"),
             "summary, a manager's unit": (manager, "/summary"),
             "stocktake workbook": (reviewer, "/summary/stocktake.xlsx?period=year"),
             "initiative": (manager, f"/initiatives/{first}")}
    counts = {}
    for name, (client, url) in pages.items():
        client.get(url)  # warm: the login's first-request work is not counted
        with count_queries() as counter:
            response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        counts[name] = counter.count
    # The summary counted anew, as after any change (the warm one above was remembered,
    # ``review.remembered``): its aggregate queries are as many at any size too.
    app.extensions.pop("quickwin_summaries", None)
    with count_queries() as counter:
        assert reviewer.get("/summary").status_code == 200
    counts["summary, counted"] = counter.count
    assert counts["summary, counted"] > counts["summary"]
    # The board again with nothing kept from earlier requests (board.looks.CardLooks): every
    # card's status is derived anew, in the same number of statements.
    app.extensions.pop("quickwin_card_looks", None)
    with count_queries() as counter:
        assert manager.get("/board/").status_code == 200
    counts["board, nothing kept"] = counter.count
    assert counts["board, nothing kept"] == counts["board"] + 2  # open milestones, indicators
    now = utcnow()
    week_start = local_today(now) - timedelta(days=local_today(now).weekday() + 7)
    for email in (MANAGER, REVIEWER):
        user = db.session.scalar(sa.select(User).where(User.email == email))
        with app.test_request_context("/"):
            db.session.expire_all()
            with count_queries() as counter:
                digest = build_digest(user, week_start, now)
        assert digest.total > 0
        counts[f"digest {user.role}"] = counter.count
    return counts


def test_query_counts_do_not_grow_from_100_to_1000_initiatives(app, count_queries):
    seed_demo(initiatives=100)
    db.session.commit()
    small = _counts(app, count_queries)
    _grow_to(1000)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Initiative)) == 1000
    large = _counts(app, count_queries)
    assert small == large


@pytest.fixture
def long_cell(app, make_unit, make_user, stages, dimensions):
    """250 cards in one cell (governance × in progress), and a staff member of their unit."""
    unit = make_unit()
    staff = make_user("staff", unit=unit)
    stage: Stage = stages["in_progress"]
    db.session.add_all(
        Initiative(title=f"Quick win {n:03d}", benefit="Manfaat.", unit=unit, stage=stage,
                   dimension=dimensions["governance"], position=n)
        for n in range(250)
    )
    db.session.commit()
    return staff


def _cards(html: str) -> list[str]:
    return re.findall(r'data-initiative-id="(\d+)"', html)


def test_a_long_column_shows_what_fits_then_loads_more_as_it_scrolls(app, client, auth, long_cell):
    """A 250-card cell shows what its bounded height holds (``BOARD_CELL_FIRST_CARDS``), then
    loads ``BOARD_PAGE_SIZE`` at a time as it scrolls, each page ending in the next trigger."""
    first, size = app.config["BOARD_CELL_FIRST_CARDS"], app.config["BOARD_PAGE_SIZE"]
    assert (first, size) == (6, 30)
    auth.login(long_cell)
    html = client.get("/board/").get_data(as_text=True)
    cell = html.split('id="cell-governance-in_progress"', 1)[1].split("</ol>", 1)[0]
    assert len(_cards(cell)) == first
    seen = list(_cards(cell))
    offset = first
    while True:
        more = re.search(r'<li class="more"><a href="([^"]+)"[^>]*'
                         r'data-hx-trigger="click, intersect once"', cell)
        if not more:
            break
        url = more.group(1).replace("&amp;", "&")
        assert "/board/cells/governance/in_progress" in url and f"offset={offset}" in url
        cell = client.get(url, headers={"HX-Request": "true"}).get_data(as_text=True)
        page = _cards(cell)
        assert len(page) == min(size, 250 - offset)
        assert set(seen).isdisjoint(page)
        seen += page
        offset += len(page)
    assert len(seen) == 250
