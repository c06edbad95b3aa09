"""The board keeps each card's derived status while its inputs are unchanged (``CardLooks``): the
database bumps ``initiative.facts_version`` whenever a milestone, indicator or measurement changes
(triggers, whoever writes), and the day, language and stage settings start a new generation."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from quickwin_tracker.board import reading as services
from quickwin_tracker.board.filters import BoardFilters
from quickwin_tracker.board.looks import CardLooks
from quickwin_tracker.board.reading import assessed_cells, load_board
from quickwin_tracker.domain.clock import local_today
from quickwin_tracker.extensions import db
from quickwin_tracker.lifecycle.stages import active_stages
from quickwin_tracker.models import Indicator, Initiative, Measurement, Milestone, Stage

pytestmark = pytest.mark.usefixtures("team_in_english")


def facts_version(initiative_id: int) -> int:
    return db.session.execute(
        sa.select(Initiative.facts_version).where(Initiative.id == initiative_id)).scalar_one()


def card_of(board, initiative_id):
    return next(c for cell in board.cells.values() for c in cell if c.id == initiative_id)


def test_every_change_to_a_status_fact_bumps_its_initiatives_facts_version(team, make_initiative):
    """Written with plain SQL: the triggers do not depend on the app's services."""
    mine, other = make_initiative(team.unit), make_initiative(team.unit)
    seen = [facts_version(mine.id)]
    untouched = facts_version(other.id)

    def changed(statement: str, **params) -> None:
        db.session.execute(sa.text(statement), params)
        db.session.commit()
        now = facts_version(mine.id)
        assert now > seen[-1], statement
        seen.append(now)

    stamp = "2026-11-20 01:00:00.000000"
    changed("INSERT INTO milestone (initiative_id, title, due_date, position, created_at, "
            "updated_at) VALUES (:i, 'Uji coba', '2027-01-10', 0, :t, :t)", i=mine.id, t=stamp)
    milestone = db.session.scalar(sa.select(Milestone.id).where(Milestone.initiative_id == mine.id))
    changed("UPDATE milestone SET done_on = '2027-01-09' WHERE id = :m", m=milestone)
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
    changed("DELETE FROM measurement WHERE id = :m", m=measurement)
    changed("DELETE FROM indicator WHERE id = :x", x=indicator)
    changed("DELETE FROM milestone WHERE id = :m", m=milestone)
    assert facts_version(other.id) == untouched


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


def test_the_day_the_language_and_the_stage_settings_start_a_new_generation(
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
    assert len(CardLooks.of_app()._generations) == 2
