"""The board's first paint at city scale: a card budget shared by the cells, "show more" after it,
first pages that are a prefix of each cell's order, and the status of many cards in a constant
number of short statements."""

import re
from datetime import date

import pytest

from quickwin_tracker.board.filters import BoardFilters
from quickwin_tracker.board.reading import cell_cards, first_page_size, load_board
from quickwin_tracker.extensions import db
from quickwin_tracker.lifecycle.status import load_facts
from quickwin_tracker.models import Indicator, Initiative, Milestone


def card_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<li class="card[^"]*" id="card-(\d+)"', html)]


# --------------------------------------------------------------------------- the share


@pytest.mark.parametrize(("counts", "budget", "page_size", "expected"), [
    ([], 1000, 200, 200),  # an empty board
    ([5, 10, 3], 1000, 200, 200),  # everything fits: every cell shows all (up to the page)
    ([300, 10], 1000, 200, 200),  # fits the budget, but a page is at most 200 cards
    ([40, 40, 40], 90, 200, 30),  # equal cells share the budget equally
    ([2, 100, 100], 50, 200, 24),  # a small cell keeps its 2; the others share the rest
    ([1000] * 30, 1000, 200, 33),  # 5,000-ish: 30 cells of 33 cards
    ([50, 50], 1, 200, 1),  # at least one card per cell
])
def test_first_page_size_shares_the_budget(counts, budget, page_size, expected):
    size = first_page_size(counts, budget, page_size)
    assert size == expected
    shown = sum(min(c, size) for c in counts)
    assert shown <= max(budget, len(counts))
    if size < page_size and counts:  # one card more per cell would break the budget
        assert sum(min(c, size + 1) for c in counts) > budget


@pytest.mark.parametrize("app_config", [{"BOARD_FIRST_PAINT_CARDS": 6, "BOARD_PAGE_SIZE": 5}])
def test_first_paint_shows_each_cell_its_share_then_more_on_demand(
        team, auth, client, hx, make_initiative, app_config):
    big = [make_initiative(team.unit, stage="approved", title=f"Besar {i}") for i in range(7)]
    small = [make_initiative(team.unit, stage="pilot", title="Kecil")]
    other = [make_initiative(team.unit, stage="proposed", dimension="living", title=f"Lain {i}")
             for i in range(4)]
    auth.login(team.staff)
    html = client.get("/board/").get_data(as_text=True)
    shown = card_ids(html)
    # 12 cards, a budget of 6 over three cells: the small one keeps its card, the others 2 each.
    assert small[0].id in shown
    assert [i for i in shown if i in {c.id for c in big}] == [c.id for c in big[:2]]
    assert [i for i in shown if i in {c.id for c in other}] == [c.id for c in other[:2]]
    assert len(shown) == 5
    assert "12 inisiatif" in html  # the counts are of every card, not of those shown
    # "show more" continues after the first page, a page (5) at a time, to the end.
    assert "/board/cells/governance/approved?offset=2" in html
    more = client.get("/board/cells/governance/approved?offset=2", headers=hx)
    assert card_ids(more.get_data(as_text=True)) == [c.id for c in big[2:7]]
    assert "offset=" not in more.get_data(as_text=True)


def test_first_pages_by_position_continue_by_rank_across_gaps(team, make_initiative, app):
    """Positions are kept 0..n-1, but a first page must stay a prefix of the cell's order even if
    they were not: "show more" then continues without losing or repeating a card."""
    cards = [make_initiative(team.unit, stage="approved", position=p) for p in (0, 1, 5, 6, 7)]
    user = team.staff
    first = load_board(BoardFilters(), user, page_size=3)
    key = (cards[0].dimension_id, cards[0].stage_id)
    head = [c.id for c in first.cells[key]]
    assert head == [cards[0].id, cards[1].id]  # positions < 3
    assert first.cell_counts[key] == 5
    rest = [c.id for c in cell_cards(BoardFilters(), user, 3, [key], offset=len(head))[key]]
    assert head + rest == [c.id for c in cards[:2]] + [c.id for c in cards[2:5]]


def test_the_first_cards_are_the_same_with_or_without_a_filter(team, make_initiative):
    """The first page of each cell is the same on an unfiltered board as under a filter that
    every card matches (the two are read differently), and the next page starts at the second."""
    for stage in ("proposed", "approved", "pilot"):
        for i in range(4):
            make_initiative(team.unit, stage=stage, dimension="economy" if i % 2 else "living")
    user = team.staff
    by_position = cell_cards(BoardFilters(), user, 1)
    by_rank = cell_cards(BoardFilters(), user, 1, None, 1)  # rank 2
    ranked_first = cell_cards(BoardFilters(q="Quick"), user, 1)  # a filter: ranked
    assert {k: [c.id for c in v] for k, v in by_position.items()} == \
        {k: [c.id for c in v] for k, v in ranked_first.items()}
    assert all(by_rank[k][0].position == 1 for k in by_rank)


def facts_of(card) -> tuple:
    return card.overdue, card.next_milestone, card.indicator_progress


def test_a_board_of_many_cards_shows_the_same_status_facts_in_few_short_statements(
        team, make_initiative, count_queries):
    """Beyond 500 cards the status queries join the cards' ids rather than list them: the cards
    show the same facts as a read by id list, the statement count does not grow, and no
    statement carries the cards' ids."""
    measured = [make_initiative(team.unit, stage="approved") for _ in range(4)]
    for n, card in enumerate(measured[:3]):
        db.session.add_all([
            Milestone(initiative_id=card.id, title=f"Lewat {card.id}", due_date=date(2020, 1, n + 1)),
            Milestone(initiative_id=card.id, title=f"Tahap {card.id}", due_date=date(2099, 1, 1),
                      position=1),
        ])
        db.session.add(Indicator(initiative_id=card.id, name="Layanan", baseline=0, target=10,
                                 direction="higher"))
    db.session.commit()
    user = team.staff
    with count_queries() as few:
        load_board(BoardFilters(), user, 1000)
    db.session.add_all([
        Initiative(unit=team.unit, stage=measured[0].stage, dimension=measured[0].dimension,
                   position=len(measured) + n, title=f"Banyak {n}", benefit="Manfaat.",
                   target_date=date(2027, 3, 1))
        for n in range(510)])
    db.session.commit()
    with count_queries() as many:
        board = load_board(BoardFilters(), user, 1000)
    shown = [c for cell in board.cells.values() for c in cell]
    assert len(shown) > 500
    listed = load_facts(shown)
    assert set(listed) == {c.id for c in shown}
    for card in shown:
        assert facts_of(card) == facts_of(listed[card.id])
    assert facts_of(next(c for c in shown if c.id == measured[0].id))[0]  # an overdue milestone
    assert many.count == few.count
    assert max(s.count("?") + s.count("%(") + s.count("%s") for s in many.statements) < 100


@pytest.mark.parametrize("app_config", [{"BOARD_FIRST_PAINT_CARDS": 4}])
def test_a_move_answers_with_the_cells_as_the_first_paint_shows_them(
        team, auth, client, hx, make_initiative, app_config):
    cards = [make_initiative(team.unit, stage="approved") for _ in range(6)]
    auth.login(team.staff)
    last = db.session.get(Initiative, cards[-1].id)
    answer = client.post(f"/board/cards/{last.id}/move", headers=hx, data={
        "stage": "approved", "after": "top", "version": last.version})
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    assert card_ids(html) == [cards[5].id, cards[0].id, cards[1].id, cards[2].id]
    assert "offset=4" in html


def test_the_board_first_paint_reads_a_constant_number_of_statements(
        team, auth, client, make_initiative, count_queries):
    for _ in range(3):
        make_initiative(team.unit, stage="approved")
    auth.login(team.staff)
    with count_queries() as small:
        client.get("/board/")
    for i in range(40):
        make_initiative(team.unit, stage=("approved", "pilot", "proposed")[i % 3],
                        dimension=("living", "economy")[i % 2])
    with count_queries() as large:
        client.get("/board/")
    assert small.count == large.count


@pytest.mark.parametrize("app_config", [{"BOARD_PAGE_SIZE": 2}])
def test_show_more_under_a_dimension_filter(team, auth, client, hx, make_initiative, app_config):
    """The cell's URL names its dimension; the dimension filter must not be added to it again
    (that was a 500 once a filtered lane had a long cell)."""
    cards = [make_initiative(team.unit, stage="pilot", dimension="living") for _ in range(3)]
    auth.login(team.staff)
    page = client.get("/board/?dimension=living")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "/board/cells/living/pilot?offset=2" in html and "dimension=living&" not in html
    more = client.get("/board/cells/living/pilot?offset=2", headers=hx)
    assert card_ids(more.get_data(as_text=True)) == [cards[2].id]


@pytest.mark.parametrize("app_config", [{"BOARD_PAGE_SIZE": 1}])
def test_card_and_cell_links_keep_any_search_text(team, auth, client, make_initiative, app_config):
    """The links are built once per board around markers in their path; search text that looks
    like a marker or a placeholder stays as it was typed."""
    text = "987654321 DIMENSION {stage}"
    cards = [make_initiative(team.unit, stage="approved", title=f"Loket {text} {i}")
             for i in range(2)]
    auth.login(team.staff)
    html = client.get("/board/", query_string={"unit": "all", "q": text}).get_data(as_text=True)
    quoted = "unit=all&amp;q=987654321+DIMENSION+%7Bstage%7D"
    assert f'href="/initiatives/{cards[0].id}"' in html
    assert f'href="/board/cards/{cards[0].id}/move?{quoted}"' in html
    assert f'href="/board/cells/governance/approved?offset=1&amp;{quoted}"' in html
