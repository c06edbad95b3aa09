"""Status on the board: each card's status (icon, text, colour class), next milestone and outcome
progress; the status filter and its counts; the move answer and "show more" keep both."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from quickwin_tracker.board.filters import BoardFilters
from quickwin_tracker.board.reading import load_board
from quickwin_tracker.domain.clock import local_today
from quickwin_tracker.extensions import db
from quickwin_tracker.models import Indicator, Measurement, Milestone, Stage

pytestmark = pytest.mark.usefixtures("team_in_english")


@pytest.fixture
def today(app) -> date:
    return local_today()


@pytest.fixture
def make_card(team, make_initiative, today):
    """An initiative that is on track unless told otherwise: entered its stage today, target date
    in three months."""

    def make(**kw):
        kw.setdefault("stage", "in_progress")
        kw.setdefault("target_date", today + timedelta(days=90))
        return make_initiative(team.unit, **kw)

    return make


def milestone(initiative, title, due, done_on=None, position=0):
    db.session.add(Milestone(initiative_id=initiative.id, title=title, due_date=due,
                             done_on=done_on, position=position))
    db.session.commit()


def measured(initiative, baseline, target, value, status="verified", direction="higher"):
    indicator = Indicator(initiative_id=initiative.id, name="Layanan daring", baseline=baseline,
                          target=target, direction=direction)
    db.session.add(indicator)
    db.session.flush()
    db.session.add(Measurement(indicator_id=indicator.id, value=value, status=status,
                               measured_on=date(2026, 11, 1)))
    db.session.commit()


def card_html(html: str, initiative_id: int) -> str:
    start = html.index(f'id="card-{initiative_id}"')
    start = html.rindex("<li", 0, start)
    return html[start:html.index("</li>", start) + len("</li>")]


def shown(html: str, *initiatives) -> set[int]:
    return {i.id for i in initiatives if f'id="card-{i.id}"' in html}


def test_card_shows_status_by_class_icon_and_text(team, auth, client, make_card, today):
    fine = make_card(title="Wifi taman")
    late = make_card(title="Aduan daring")
    milestone(late, "Integrasi SP4N-LAPOR", today - timedelta(days=3))
    finished = make_card(stage="rolled_out", title="E-retribusi")
    auth.login(team.staff)
    html = client.get("/board/").get_data(as_text=True)

    ok = card_html(html, fine.id)
    assert ('<span class="status status-on_track"><span aria-hidden="true">●</span> '
            '<span class="status-label">on track</span></span>' in ok)
    risky = card_html(html, late.id)
    assert 'class="status status-at_risk"' in risky
    assert '<span aria-hidden="true">▲</span> <span class="status-label">at risk</span>' in risky
    # Why, in a line of text (touch screens show no tooltip), and the overdue milestone first.
    assert '<span class="card-reason">milestone “Integrasi SP4N-LAPOR” is 3 days overdue</span>' in risky
    assert 'card-next is-overdue">Overdue: Integrasi SP4N-LAPOR' in risky
    assert '<span class="card-reason">' not in ok
    assert ('<span aria-hidden="true">✔</span> <span class="status-label">done</span>'
            in card_html(html, finished.id))


def test_a_milestone_due_yesterday_turns_the_card_at_risk(team, auth, client, make_card, today):
    card = make_card()
    milestone(card, "Rapat koordinasi", today)
    auth.login(team.staff)
    assert "status-on_track" in card_html(client.get("/board/").get_data(as_text=True), card.id)
    db.session.execute(sa.update(Milestone).values(due_date=today - timedelta(days=1)))
    db.session.commit()
    html = card_html(client.get("/board/").get_data(as_text=True), card.id)
    assert "status-at_risk" in html and "is 1 day overdue" in html


def test_card_shows_next_milestone_and_outcome_progress(team, auth, client, make_card, today):
    card = make_card()
    milestone(card, "Sudah selesai", today - timedelta(days=20), done_on=today - timedelta(days=21))
    milestone(card, "Peluncuran aplikasi", today + timedelta(days=10), position=1)
    milestone(card, "Evaluasi", today + timedelta(days=30), position=2)
    measured(card, baseline=0, target=50, value=60)  # 120%: beyond the target
    plain = make_card(title="Tanpa data")
    auth.login(team.staff)
    html = client.get("/board/").get_data(as_text=True)
    c = card_html(html, card.id)
    due = (today + timedelta(days=10)).strftime("%b %-d, %Y")
    assert f"Next: Peluncuran aplikasi, {due}" in c
    assert "Evaluasi" not in c and "Sudah selesai" not in c
    assert '<meter min="0" max="100" value="100" aria-hidden="true"></meter> Outcome 120%' in c
    assert "style=" not in c  # a strict CSP is coming
    bare = card_html(html, plain.id)
    assert "<meter" not in bare and "Next:" not in bare


def test_progress_counts_verified_measurements_only(team, auth, client, make_card):
    card = make_card()
    measured(card, baseline=100, target=50, value=75, direction="lower")  # 50%
    pending = make_card()
    measured(pending, baseline=0, target=10, value=10, status="submitted")
    auth.login(team.staff)
    html = client.get("/board/").get_data(as_text=True)
    assert 'value="50" aria-hidden="true"></meter> Outcome 50%' in card_html(html, card.id)
    assert "<meter" not in card_html(html, pending.id)


def test_cards_stay_small(team, auth, client, make_card, today):
    card = make_card(title="Sistem antrean daring terpadu untuk seluruh puskesmas kota",
                     owner=team.staff, stage_entered_at=datetime(2026, 1, 1, tzinfo=UTC))
    milestone(card, "Pelatihan petugas pendaftaran di dua puluh enam puskesmas",
              today - timedelta(days=2))
    milestone(card, "Peluncuran aplikasi untuk warga dan sosialisasi", today + timedelta(days=9),
              position=1)
    measured(card, baseline=0, target=100, value=20)
    auth.login(team.staff)
    html = card_html(client.get("/board/?unit=DINKES").get_data(as_text=True), card.id)
    assert len(html.encode()) < 1100, len(html.encode())


def test_status_filter(team, auth, client, make_card, today):
    fine = make_card()
    late = make_card(dimension="living")
    milestone(late, "Survei", today - timedelta(days=2))
    very_late = make_card()
    milestone(very_late, "Kontrak", today - timedelta(days=20))
    finished = make_card(stage="rolled_out")
    auth.login(team.staff)
    everyone = (fine, late, very_late, finished)
    html = client.get("/board/").get_data(as_text=True)
    assert shown(html, *everyone) == {i.id for i in everyone}
    for status, expected in (("on_track", fine), ("at_risk", late), ("off_track", very_late),
                             ("done", finished)):
        html = client.get(f"/board/?status={status}").get_data(as_text=True)
        assert shown(html, *everyone) == {expected.id}, status
        assert f'<option value="{status}" selected>' in html
    html = client.get("/board/?status=at_risk&unit=DINKES").get_data(as_text=True)
    assert f"/board/cards/{late.id}/move?unit=DINKES&amp;status=at_risk" in html
    assert 'id="filter-status" name="status"' in html
    assert client.get("/board/?status=late").status_code == 400


def test_counts_follow_the_status_filter(team, auth, client, make_card, today, stages):
    for _ in range(2):
        make_card()
    late = make_card()
    milestone(late, "Survei", today - timedelta(days=2))
    make_card(dimension="living")
    board = load_board(BoardFilters(status="at_risk"), team.staff, page_size=200)
    assert board.total == 1
    assert board.column_counts == {stages["in_progress"].id: 1}
    assert {d: n for d, n in board.lane_counts.items() if n} == {late.dimension_id: 1}
    assert load_board(BoardFilters(status="on_track"), team.staff, 200).total == 3
    auth.login(team.staff)
    html = client.get("/board/?status=at_risk").get_data(as_text=True)
    assert '<span class="count" id="col-count-in_progress">1</span>' in html
    assert re.search(r'board-summary">1 initiative', html)


@pytest.mark.parametrize("app_config", [{"BOARD_PAGE_SIZE": 2}])
def test_show_more_under_a_status_filter(team, auth, client, hx, make_card, today, app_config):
    late = []
    for i in range(6):
        card = make_card(title=f"Kartu {i}")
        if i != 1:
            milestone(card, "Survei", today - timedelta(days=1))
            late.append(card)
    auth.login(team.staff)
    html = client.get("/board/?status=at_risk").get_data(as_text=True)
    assert shown(html, *late) == {late[0].id, late[1].id}
    # (the unit is the staff member's scope, named in the link so "show more" keeps it)
    assert "/board/cells/governance/in_progress?offset=2&amp;unit=DINKES&amp;status=at_risk" in html
    more = client.get("/board/cells/governance/in_progress?offset=2&status=at_risk",
                      headers=hx).get_data(as_text=True)
    assert shown(more, *late) == {late[2].id, late[3].id}
    assert "status-at_risk" in more and "offset=4" in more
    last = client.get("/board/cells/governance/in_progress?offset=4&status=at_risk",
                      headers=hx).get_data(as_text=True)
    assert shown(last, *late) == {late[4].id} and "offset=" not in last


def test_move_answer_carries_status(team, auth, client, hx, make_card, today):
    card = make_card(stage="approved")
    milestone(card, "Survei", today - timedelta(days=2))
    auth.login(team.staff)
    response = client.post(f"/board/cards/{card.id}/move",
                           data={"stage": "in_progress", "after": "top", "version": "1"},
                           headers=hx)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "status-at_risk" in card_html(html, card.id)
    assert 'id="col-count-in_progress" data-hx-swap-oob="true">1<' in html


def test_move_answer_under_a_status_filter_counts_every_lane(team, auth, client, hx, make_card,
                                                             today):
    elsewhere = make_card(dimension="living")
    milestone(elsewhere, "Survei", today - timedelta(days=2))
    card = make_card(stage="approved")
    milestone(card, "Survei", today - timedelta(days=2))
    auth.login(team.staff)
    response = client.post(f"/board/cards/{card.id}/move",
                           data={"stage": "in_progress", "after": "top", "version": "1",
                                 "status": "at_risk"}, headers=hx)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="col-count-in_progress" data-hx-swap-oob="true">2<' in html
    assert 'id="col-count-approved" data-hx-swap-oob="true">0<' in html


def test_status_filtered_board_is_a_constant_number_of_queries(team, auth, client, count_queries,
                                                               make_card, today):
    auth.login(team.staff)

    def more(n: int) -> None:
        for i in range(n):
            card = make_card()
            milestone(card, "Survei", today - timedelta(days=i % 3))

    more(3)
    with count_queries() as small:
        assert client.get("/board/?status=at_risk").status_code == 200
    more(12)
    with count_queries() as large:
        assert client.get("/board/?status=at_risk").status_code == 200
    assert small.count == large.count
    # No per-cell count query when status-filtering (+1 for the live board's version tag, +1 for
    # the reader's unit: their scope, +1 for their saved views, +1 for the cards' latest
    # progress updates).
    assert large.count <= 15, large.statements


def test_done_means_rolled_out_the_rollout_stage_and_after(team, auth, client, make_card,
                                                           stages):
    """Done is a property of the rollout stage (and the stages after it), not of the last
    position; moving the property re-assesses the cards the board keeps."""
    from quickwin_tracker.admin import services as admin

    stages["evaluated"] = admin.create_stage("evaluated", "Evaluasi", "Evaluated", None)
    db.session.commit()
    pilot, rolled, evaluated = (make_card(stage=code) for code in
                                ("pilot", "rolled_out", "evaluated"))
    auth.login(team.staff)

    def done() -> set[int]:
        html = client.get("/board/").get_data(as_text=True)
        return {c.id for c in (pilot, rolled, evaluated) if "status-done" in card_html(html, c.id)}

    assert done() == {rolled.id, evaluated.id}
    admin.make_rollout_stage(db.session.get(Stage, stages["pilot"].id))
    db.session.commit()
    assert done() == {pilot.id, rolled.id, evaluated.id}
