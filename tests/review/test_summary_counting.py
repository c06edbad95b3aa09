"""How the summary counts at scale (issue 13's speed): the same answers as the rules it stands
for. Stale counts equal ``last_sign_of_life``; the cumulative flow, counted back from today,
replays the trail; the at-risk lists are cut per dimension while their counts stay whole; the
kept statuses it counts follow every change."""

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from quickwin_tracker.domain.activity import last_sign_of_life, record
from quickwin_tracker.extensions import db
from quickwin_tracker.models import Comment, Indicator, Initiative, Measurement, Milestone
from quickwin_tracker.review.periods import Period, preset
from quickwin_tracker.review.services import build_summary

NOW = datetime(2026, 11, 27, 4, 0, tzinfo=UTC)  # 12:00 WITA, Friday
TODAY = date(2026, 11, 27)
LONG_AGO = datetime(2026, 1, 5, tzinfo=UTC)


def test_stale_counts_follow_the_last_sign_of_life(make_unit, make_user, make_initiative):
    unit = make_unit("DLH")
    reviewer, admin = make_user("reviewer"), make_user("admin")
    recent = NOW - timedelta(days=3)
    old = dict(created_at=LONG_AGO, stage_entered_at=LONG_AGO)
    trail = make_initiative(unit, stage="in_progress", **old)
    record(admin, "edited", trail, now=recent)
    talked = make_initiative(unit, stage="in_progress", **old)
    db.session.add(Comment(initiative=talked, author=admin, body="Sudah jalan", created_at=recent))
    measured = make_initiative(unit, stage="pilot", **old)
    indicator = Indicator(initiative=measured, name="Sampah", baseline=10, target=5,
                          direction="lower")
    db.session.add(indicator)
    db.session.add(Measurement(indicator=indicator, value=8, measured_on=TODAY,
                               recorded_at=recent, status="submitted"))
    quiet = make_initiative(unit, stage="in_progress", **old)
    record(admin, "edited", quiet, now=NOW - timedelta(days=40))
    make_initiative(unit, stage="proposed", created_at=recent, stage_entered_at=recent)  # new
    make_initiative(unit, stage="rolled_out", **old)  # quiet, but rolled out: never stale
    db.session.commit()

    s = build_summary(reviewer, preset("year", TODAY), now=NOW)
    assert {r.unit.code: r.stale for r in s.unit_rows} == {"DLH": 1}
    cutoff = NOW - timedelta(days=21)
    seen = dict(db.session.execute(sa.select(Initiative.id, last_sign_of_life())).all())
    by_the_rule = {i for i, at in seen.items()
                   if (at if at.tzinfo else at.replace(tzinfo=UTC)) < cutoff}
    assert by_the_rule - {i.id for i in db.session.scalars(
        sa.select(Initiative).where(Initiative.stage.has(code="rolled_out")))} == {quiet.id}


def test_cumulative_flow_counts_back_from_today(make_unit, make_user, make_initiative, stages):
    """Week by week: created in its stage of today, each later move undone for the weeks before
    it; the latest week is today's board."""
    unit = make_unit("DISHUB")
    reviewer, admin = make_user("reviewer"), make_user("admin")
    # Created on Monday 2 Nov (WITA), moved proposed -> approved on 12 Nov and -> in_progress
    # on 20 Nov; another created on 18 Nov, still proposed.
    moving = make_initiative(unit, stage="in_progress",
                             created_at=datetime(2026, 11, 1, 17, tzinfo=UTC),
                             stage_entered_at=datetime(2026, 11, 20, 2, tzinfo=UTC))
    record(admin, "moved", moving, now=datetime(2026, 11, 12, 2, tzinfo=UTC),
           from_stage="proposed", to_stage="approved")
    record(admin, "moved", moving, now=datetime(2026, 11, 20, 2, tzinfo=UTC),
           from_stage="approved", to_stage="in_progress")
    make_initiative(unit, stage="proposed", created_at=datetime(2026, 11, 18, 2, tzinfo=UTC))
    db.session.commit()

    s = build_summary(reviewer, Period("custom", date(2026, 10, 26), date(2026, 11, 27)),
                      now=NOW)
    weeks = {week: {code: counts[stages[code].id]
                    for code in ("proposed", "approved", "in_progress")}
             for week, counts in s.cfd}
    assert weeks == {
        date(2026, 10, 26): {"proposed": 0, "approved": 0, "in_progress": 0},  # not yet created
        date(2026, 11, 2): {"proposed": 1, "approved": 0, "in_progress": 0},
        date(2026, 11, 9): {"proposed": 0, "approved": 1, "in_progress": 0},
        date(2026, 11, 16): {"proposed": 1, "approved": 0, "in_progress": 1},
        date(2026, 11, 23): {"proposed": 1, "approved": 0, "in_progress": 1},
    }
    latest = s.cfd[-1][1]
    assert latest == {stage_id: s.matrix_column_totals.get(stage_id, 0) for stage_id in latest}


def test_attention_lists_are_cut_per_dimension_and_counted_whole(make_unit, make_user,
                                                                 make_initiative):
    unit = make_unit("DINKES")
    reviewer = make_user("reviewer")
    late = {}
    for dimension in ("living", "economy"):
        for n in range(4):  # off track: the target date has passed
            late[(dimension, n)] = make_initiative(
                unit, stage="pilot", dimension=dimension, created_at=LONG_AGO,
                target_date=date(2026, 10, 1) + timedelta(days=10 * n + (dimension == "economy")))
    overdue = make_initiative(unit, stage="pilot", dimension="living", created_at=LONG_AGO,
                              target_date=None)
    db.session.add(Milestone(initiative=overdue, title="Rapat", due_date=TODAY - timedelta(days=2)))
    db.session.commit()

    s = build_summary(reviewer, preset("year", TODAY), now=NOW, attention_limit=3)
    assert s.attention_counts == {"off_track": 8, "at_risk": 1} and s.attention_total == 9
    assert s.attention_total_in(s.dimensions[0].id) == 0
    # The city's three most urgent: off track, the oldest target dates first.
    assert [row.id for row, _a in s.attention] == [
        late[("living", 0)].id, late[("economy", 0)].id, late[("living", 1)].id]
    living = next(d for d in s.dimensions if d.code == "living")
    assert [row.id for row, _a in s.attention_by_dimension[living.id]] == [
        late[("living", n)].id for n in range(3)]
    assert s.attention[0][1].reasons  # assessed again, with the reasons
    whole = build_summary(reviewer, preset("year", TODAY), now=NOW)
    assert len(whole.attention) == 9 and whole.attention[-1][0].id == overdue.id  # at risk last


def test_the_page_counts_a_change_made_after_its_last_visit(make_unit, make_user,
                                                            make_initiative, auth, client):
    unit = make_unit("DISKOMINFO")
    reviewer = make_user("reviewer")
    calm = make_initiative(unit, stage="in_progress", dimension="governance",
                           created_at=LONG_AGO, target_date=date(2027, 6, 1))
    auth.login(reviewer)

    def attention() -> str:
        page = client.get("/summary?period=year").get_data(as_text=True)
        return page[page.index('id="attention-title"'):page.index('id="trends-title"')]

    assert '<li class="status-' not in attention()
    db.session.add(Milestone(initiative=calm, title="Pengadaan", due_date=date.today()
                             - timedelta(days=3)))
    db.session.commit()
    listed = attention()
    assert '<li class="status-at_risk">' in listed and "Pengadaan" in listed


@pytest.mark.parametrize("limit", [None, 10])
def test_query_count_is_the_same_cold_and_warm(make_unit, make_user, make_initiative,
                                               count_queries, limit):
    """The first summary of the day computes the kept statuses; the next only checks that
    nothing changed."""
    unit = make_unit("BAPPEDA")
    reviewer = make_user("reviewer")
    for n in range(12):
        make_initiative(unit, stage="in_progress", created_at=LONG_AGO,
                        target_date=date(2026, 10, 1) if n % 2 else date(2027, 6, 1))
    with count_queries() as cold:
        build_summary(reviewer, preset("year", TODAY), now=NOW, attention_limit=limit)
    db.session.commit()
    with count_queries() as warm:
        build_summary(reviewer, preset("year", TODAY), now=NOW, attention_limit=limit)
    # warm: the clock's tick and the mark say nothing changed; cold: besides, the stale rows,
    # their facts (two queries), their rollouts, their upsert and the new mark
    assert cold.count == warm.count + 6, (cold.statements, warm.statements)


def test_a_move_at_midnight_on_monday_belongs_to_the_new_week(make_unit, make_user,
                                                               make_initiative, stages):
    """Weeks end at midnight WITA on Monday (16:00 UTC on Sunday): a move at that instant is the
    new week's, one a second before it the old week's, on both databases."""
    unit = make_unit("DPMPTSP")
    reviewer, admin = make_user("reviewer"), make_user("admin")
    monday = datetime(2026, 11, 15, 16, tzinfo=UTC)  # 16 Nov 00:00 WITA
    on_time = make_initiative(unit, stage="approved", created_at=LONG_AGO)
    record(admin, "moved", on_time, now=monday, from_stage="proposed", to_stage="approved")
    early = make_initiative(unit, stage="approved", created_at=LONG_AGO)
    record(admin, "moved", early, now=monday - timedelta(seconds=1), from_stage="proposed",
           to_stage="approved")
    db.session.commit()
    s = build_summary(reviewer, Period("custom", date(2026, 11, 2), date(2026, 11, 27)), now=NOW)
    weeks = {week: (counts[stages["proposed"].id], counts[stages["approved"].id])
             for week, counts in s.cfd}
    assert weeks[date(2026, 11, 2)] == (2, 0)
    assert weeks[date(2026, 11, 9)] == (1, 1)  # the early one moved before the week ended
    assert weeks[date(2026, 11, 16)] == (0, 2)
