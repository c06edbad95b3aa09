"""Each card on the board shows its current status, next milestone and outcome progress whoever
changed them (the app, the CLI or plain SQL), on the day, in the language and under the stage
settings of the reading; and cards whose inputs did not change are not read again (query counts).
(``board.looks`` keeps what was made of each card; these tests see only what it must not change.)"""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from quickwin_tracker.board import reading as services
from quickwin_tracker.board.filters import BoardFilters
from quickwin_tracker.board.reading import assessed_cells, load_board
from quickwin_tracker.domain.clock import local_today
from quickwin_tracker.extensions import db
from quickwin_tracker.lifecycle.stages import active_stages
from quickwin_tracker.lifecycle.status import load_facts
from quickwin_tracker.models import Indicator, Measurement, Milestone, Stage

pytestmark = pytest.mark.usefixtures("team_in_english")


def card_of(board, initiative_id):
    return next(c for cell in board.cells.values() for c in cell if c.id == initiative_id)


def facts_of(card) -> tuple:
    return card.overdue, card.next_milestone, card.indicator_progress


def test_every_change_to_a_status_fact_is_on_the_board_at_once(team, make_initiative):
    """Written with plain SQL, each change shows on the next board read: the card's facts are
    those read afresh, never what the board made of the card before."""
    mine, other = make_initiative(team.unit), make_initiative(team.unit)
    user = team.staff

    def board_agrees() -> tuple:
        board = load_board(BoardFilters(), user, 200)
        fresh = load_facts([card_of(board, mine.id), card_of(board, other.id)])
        for card_id in (mine.id, other.id):
            assert facts_of(card_of(board, card_id)) == facts_of(fresh[card_id])
        return facts_of(card_of(board, mine.id))

    seen = [board_agrees()]
    untouched = facts_of(card_of(load_board(BoardFilters(), user, 200), other.id))

    def changed(statement: str, **params) -> None:
        db.session.execute(sa.text(statement), params)
        db.session.commit()
        seen.append(board_agrees())

    stamp = "2026-11-20 01:00:00.000000"
    changed("INSERT INTO milestone (initiative_id, title, due_date, position, created_at, "
            "updated_at) VALUES (:i, 'Uji coba', '2099-01-10', 0, :t, :t)", i=mine.id, t=stamp)
    assert seen[-1][1][0] == "Uji coba"  # the next milestone
    milestone = db.session.scalar(sa.select(Milestone.id).where(Milestone.initiative_id == mine.id))
    changed("UPDATE milestone SET done_on = '2027-01-09' WHERE id = :m", m=milestone)
    assert seen[-1][1] is None
    changed("INSERT INTO indicator (initiative_id, name, unit_of_measure, baseline, target, "
            "direction, position, created_at) VALUES (:i, 'Antrean', 'menit', 60, 15, 'lower', 0, "
            ":t)", i=mine.id, t=stamp)
    indicator = db.session.scalar(sa.select(Indicator.id).where(Indicator.initiative_id == mine.id))
    changed("UPDATE indicator SET target = 10 WHERE id = :x", x=indicator)
    changed("INSERT INTO measurement (indicator_id, value, measured_on, note, link, recorded_at, "
            "status, review_note) VALUES (:x, 30, '2026-11-20', '', '', :t, 'submitted', '')",
            x=indicator, t=stamp)
    measurement = db.session.scalar(sa.select(Measurement.id).where(
        Measurement.indicator_id == indicator))
    changed("UPDATE measurement SET status = 'verified' WHERE id = :m", m=measurement)
    assert seen[-1][2] != seen[-2][2]  # verified: it counts toward the progress now
    changed("DELETE FROM measurement WHERE id = :m", m=measurement)
    changed("DELETE FROM indicator WHERE id = :x", x=indicator)
    assert seen[-1][2] == []
    changed("DELETE FROM milestone WHERE id = :m", m=milestone)
    assert facts_of(card_of(load_board(BoardFilters(), user, 200), other.id)) == untouched


def test_a_changed_fact_is_seen_at_once_and_unchanged_cards_are_not_read_again(
        team, make_initiative, count_queries):
    today = local_today()
    a = make_initiative(team.unit, stage="in_progress", target_date=today + timedelta(days=90))
    b = make_initiative(team.unit, stage="in_progress", target_date=today + timedelta(days=90))
    user = team.staff
    with count_queries() as cold:
        first = load_board(BoardFilters(), user, 200)
    assert card_of(first, a.id).status == card_of(first, b.id).status == "on_track"
    with count_queries() as warm:
        again = load_board(BoardFilters(), user, 200)
    # Nothing changed: neither milestones nor indicators are read again.
    assert any("FROM milestone" in q for q in cold.statements)
    assert not any("milestone" in q or "indicator" in q for q in warm.statements)
    assert warm.count < cold.count
    assert card_of(again, a.id).status_text == card_of(first, a.id).status_text

    # A milestone of A goes 20 days overdue (written without the app's services).
    db.session.add(Milestone(initiative_id=a.id, title="Sosialisasi", position=0,
                             due_date=today - timedelta(days=20)))
    db.session.commit()
    after = load_board(BoardFilters(), user, 200)
    assert card_of(after, a.id).status == "off_track"
    assert "Sosialisasi" in card_of(after, a.id).status_text
    assert card_of(after, b.id).status == "on_track"


def test_a_new_day_and_new_stage_settings_change_the_status_shown(
        app, team, make_initiative):
    today = local_today()
    a = make_initiative(team.unit, stage="in_progress", target_date=today + timedelta(days=2))
    user = team.staff

    cells, _counts = assessed_cells(BoardFilters(), user, 200, active_stages())
    assert next(c for cell in cells.values() for c in cell if c.id == a.id).status == "on_track"
    # Three days later the target date has passed: a new day, a new generation.
    cells = services.cell_cards(BoardFilters(), user, 200)
    cards = [c for cell in cells.values() for c in cell]
    services.assess_cards(cards, active_stages(), today=today + timedelta(days=3))
    assert next(c for c in cards if c.id == a.id).status == "off_track"

    # An admin lowers the stage's expected duration: derived again.
    stage = db.session.scalar(sa.select(Stage).where(Stage.code == "in_progress"))
    stage.expected_days = 1
    db.session.commit()
    services.assess_cards(cards, active_stages(), today=today + timedelta(days=3))
    assert "paling lama 1 hari" in next(c for c in cards if c.id == a.id).status_text


def test_the_board_page_shows_a_new_milestone_after_a_warm_read(team, auth, client,
                                                                 make_initiative):
    today = local_today()
    a = make_initiative(team.unit, stage="pilot", target_date=today + timedelta(days=60))
    auth.login(team.staff)
    assert "Next:" not in client.get("/board/").get_data(as_text=True)
    db.session.add(Milestone(initiative_id=a.id, title="Peluncuran", position=0,
                             due_date=today + timedelta(days=5)))
    db.session.commit()
    assert "Next: Peluncuran" in client.get("/board/").get_data(as_text=True)
    # The same card in the reader's other language: derived again, not served from English.
    db.session.get(type(team.staff), team.staff.id).locale = "id"
    db.session.commit()
    assert "Berikutnya: Peluncuran" in client.get("/board/").get_data(as_text=True)


def test_readers_in_both_languages_keep_their_own_looks(team, make_user, auth, client,
                                                        make_initiative, count_queries):
    today = local_today()
    make_initiative(team.unit, stage="pilot", target_date=today + timedelta(days=60))
    english, indonesian = team.staff, make_user("staff", team.unit, locale="id")
    other = type(client)(client.application, client.response_wrapper, use_cookies=True)
    auth.login(english)
    type(auth)(other).login(indonesian)
    assert "days in stage" in client.get("/board/").get_data(as_text=True)
    assert "hari di tahap" in other.get("/board/").get_data(as_text=True)
    with count_queries() as again:  # both generations kept: nothing is read for the status
        assert "days in stage" in client.get("/board/").get_data(as_text=True)
        assert "hari di tahap" in other.get("/board/").get_data(as_text=True)
    assert not any("FROM milestone" in q for q in again.statements)
    assert not any("FROM indicator" in q for q in again.statements)
