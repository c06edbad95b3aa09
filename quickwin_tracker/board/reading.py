"""Reading the board: its lanes and columns, the cards per cell, and the first cards of every
cell with their status, in a constant number of queries whatever the size of the city.

The first paint has a budget (``QUICKWIN_BOARD_FIRST_PAINT_CARDS``): each cell shows an equal
share (``first_page_size``) and "show more" loads the rest of a cell. An unfiltered cell's first
page is read by position (positions are 0 … n−1, see ``board.positions``) straight from the
``ix_initiative_board`` index, so its cost follows the cards shown, not the cards in the city;
otherwise cards are ranked by a window function. The status filter is derived, so it is applied
after assessing.

Every card carries its status (``lifecycle.status.assess``, facts read by ``gather_facts`` for
all cards at once) and its words (``cards.CardPresenter``); what was made of a card is kept per
process while its inputs are unchanged (``looks``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa

from ..domain.clock import city_tz, local_date, local_today
from ..domain.permissions import can_edit
from ..extensions import db
from ..lifecycle.progress import mean_progress
from ..lifecycle.stages import active_stages, rolled_out
from ..lifecycle.status import StageRule, assess, gather_facts
from ..models import Dimension, Initiative, Stage, Tag, Unit, User, initiative_member
from ..updates.services import latest_updates
from .cards import Card, CardLinks, CardPresenter
from .filters import BoardFilters
from .looks import CardLooks

Cell = tuple[int, int]  # (dimension id, stage id)


@dataclass
class Board:
    stages: list[Stage]
    dimensions: list[Dimension]
    cells: dict[Cell, list[Card]] = field(default_factory=lambda: defaultdict(list))
    cell_counts: dict[Cell, int] = field(default_factory=dict)
    units: list[Unit] = field(default_factory=list)
    owners: list[User] = field(default_factory=list)
    tags: list[Tag] = field(default_factory=list)
    only_dimension: str = ""  # filtered to one dimension: only its lane is drawn
    links: CardLinks | None = None
    collapsed: frozenset[str] = frozenset()  # codes of the lanes shown folded (counts only)

    @property
    def lanes(self) -> list[Dimension]:
        if self.only_dimension:
            return [d for d in self.dimensions if d.code == self.only_dimension]
        return self.dimensions

    @property
    def lane_counts(self) -> dict[int, int]:
        counts: dict[int, int] = defaultdict(int)
        for (dim_id, _), n in self.cell_counts.items():
            counts[dim_id] += n
        return counts

    @property
    def column_counts(self) -> dict[int, int]:
        return column_totals(self.cell_counts)

    @property
    def total(self) -> int:
        return sum(self.cell_counts.values())

    @property
    def first_stage(self) -> Stage | None:
        return self.stages[0] if self.stages else None


def column_totals(cell_counts: dict[Cell, int]) -> dict[int, int]:
    """Cards per stage (column), from the cards per (dimension, stage) cell."""
    counts: dict[int, int] = defaultdict(int)
    for (_dimension_id, stage_id), n in cell_counts.items():
        counts[stage_id] += n
    return counts


def _card_columns() -> tuple[Any, ...]:
    return (
        Initiative.id,
        Initiative.title,
        Initiative.version,
        Initiative.dimension_id,
        Initiative.stage_id,
        Initiative.position,
        Initiative.target_date,
        Initiative.stage_entered_at,
        Initiative.created_at,
        Initiative.unit_id,
        Unit.code.label("unit_code"),
        Initiative.owner_id,
        User.name.label("owner_name"),
        Initiative.facts_version,
    )


def _joined(stmt: sa.Select[Any]) -> sa.Select[Any]:
    return (
        stmt.join(Unit, Unit.id == Initiative.unit_id)
        .join(Dimension, Dimension.id == Initiative.dimension_id)
        .outerjoin(User, User.id == Initiative.owner_id)
    )


def cell_cards(
    filters: BoardFilters,
    user: User | None,
    page_size: int | None,
    cells: list[Cell] | None = None,
    offset: int = 0,
    links: CardLinks | None = None,
) -> dict[Cell, list[Card]]:
    """Cards ``offset+1 .. offset+page_size`` of each cell (or only of ``cells``), in one query;
    ``page_size=None``: all of them. The status filter is applied by ``assessed_cells``."""
    return _read_cards(_cards_query(filters, user, page_size, cells, offset)[0], user, links)


def _cards_query(
    filters: BoardFilters,
    user: User | None,
    page_size: int | None,
    cells: list[Cell] | None,
    offset: int,
) -> tuple[sa.Select[Any], sa.Select[Any]]:
    """The SELECT of the cards ``cell_cards`` reads, and a SELECT of their ids (for the status
    queries to join, see ``lifecycle.status.load_facts``).

    The first page of an unfiltered cell is read by position (positions are 0..n-1 in each cell,
    see ``move_initiative``), straight from the ``ix_initiative_board`` index: its cost follows the
    cards shown, not the cards in the city. Otherwise cards are ranked by a window function over
    the matching rows. Both give a prefix of the cell's order, so "show more" (by rank) continues
    either."""
    conds = filters.conditions(user)
    if cells is not None:
        conds.extend(_in_cells(cells))
    if offset == 0 and page_size is not None and not filters.narrows_cells:
        conds.append(Initiative.position < page_size)
        stmt = (
            _joined(sa.select(*_card_columns()))
            .where(*conds)
            .order_by(Initiative.dimension_id, Initiative.stage_id, Initiative.position,
                      Initiative.id)
        )
        return stmt, _filter_joins(sa.select(Initiative.id), filters).where(*conds)
    rank = (
        sa.func.row_number()
        .over(
            partition_by=(Initiative.dimension_id, Initiative.stage_id),
            order_by=(Initiative.position, Initiative.id),
        )
        .label("rank")
    )
    ranked = _joined(sa.select(*_card_columns(), rank)).where(*conds).subquery()
    shown = [ranked.c.rank > offset]
    if page_size is not None:
        shown.append(ranked.c.rank <= offset + page_size)
    stmt = (
        sa.select(*(c for c in ranked.c if c.key != "rank"))
        .where(*shown)
        .order_by(ranked.c.dimension_id, ranked.c.stage_id, ranked.c.rank)
    )
    return stmt, sa.select(ranked.c.id).where(*shown)


def _in_cells(cells: list[Cell]) -> list[sa.ColumnElement[bool]]:
    """Conditions for "in one of these (dimension, stage) cells". The two IN lists let SQLite and
    PostgreSQL seek ``ix_initiative_board`` cell by cell (then by position); when they also
    admit other cells, the exact pairs are added."""
    dims, stages = sorted({d for d, _ in cells}), sorted({s for _, s in cells})
    conds = [Initiative.dimension_id.in_(dims), Initiative.stage_id.in_(stages)]
    if len(set(cells)) < len(dims) * len(stages):
        conds.append(
            sa.tuple_(Initiative.dimension_id, Initiative.stage_id).in_(cells)
            if db.engine.dialect.name == "postgresql"
            else sa.or_(*(sa.and_(Initiative.dimension_id == d, Initiative.stage_id == s)
                          for d, s in cells))
        )
    return conds


def _read_cards(stmt: sa.Select[Any], user: User | None, links: CardLinks | None = None,
                ) -> dict[Cell, list[Card]]:
    result: dict[Cell, list[Card]] = defaultdict(list)
    member_of = _memberships(user)
    movable = _movable(user)
    for row in db.session.execute(stmt).all():
        card = Card(*row)  # the columns of ``_card_columns``, in Card's field order
        if card.id in member_of:
            card.member_ids = frozenset({user.id})
        card.movable = movable(card)
        if links is not None:  # (callers that render no card need no links)
            links.dress(card)
        result[(card.dimension_id, card.stage_id)].append(card)
    return result


def first_page_size(counts: Iterable[int], budget: int, page_size: int) -> int:
    """How many cards each cell shows on the board's first paint: all of a cell's cards up to
    ``page_size``, unless the cells together would then show more than ``budget``; then the largest
    equal share that keeps within it (small cells keep all theirs; at least one card per cell).
    So the first paint costs about the same at 5,000 initiatives as at 1,000, and each longer cell
    offers "show more"."""
    ordered = sorted(counts)
    remaining = budget
    for done, count in enumerate(ordered):
        share = remaining // (len(ordered) - done)
        if count > share:
            return max(1, min(page_size, share))
        remaining -= count
    return page_size


def _movable(user: User | None):
    """``can_edit(user, card)`` as a fast predicate: its answer depends only on the card's unit and
    whether the reader is on its team, so it is asked once per such pair."""
    answers: dict[tuple[int, bool], bool] = {}
    user_id = getattr(user, "id", None)

    def movable(card: Card) -> bool:
        key = (card.unit_id, user_id in card.member_ids)
        if key not in answers:
            answers[key] = bool(can_edit(user, card))
        return answers[key]

    return movable


def _memberships(user: User | None) -> set[int]:
    """Ids of the initiatives ``user`` is a team member of (one query; it decides "movable")."""
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    return set(db.session.scalars(
        sa.select(initiative_member.c.initiative_id).where(initiative_member.c.user_id == user.id)
    ))


def _filter_joins(stmt: sa.Select[Any], filters: BoardFilters) -> sa.Select[Any]:
    """Only the joins ``filters.conditions`` need: without them a count or an id list is read
    from the ``ix_initiative_board`` index alone."""
    if filters.unit:
        stmt = stmt.join(Unit, Unit.id == Initiative.unit_id)
    if filters.dimension:
        stmt = stmt.join(Dimension, Dimension.id == Initiative.dimension_id)
    return stmt


def cell_counts(filters: BoardFilters, user: User | None) -> dict[Cell, int]:
    stmt = (
        _filter_joins(sa.select(Initiative.dimension_id, Initiative.stage_id, sa.func.count())
                      .select_from(Initiative), filters)
        .where(*filters.conditions(user))
        .group_by(Initiative.dimension_id, Initiative.stage_id)
    )
    return {(d, s): n for d, s, n in db.session.execute(stmt)}




def _cards(cells: dict[Cell, list[Card]]) -> list[Card]:
    return [card for cards in cells.values() for card in cards]


def assess_cards(cards: Iterable[Card], stages: list[Stage], scope: sa.Select[Any] | None = None,
                 today: date | None = None) -> None:
    """Set each card's status, reasons, next milestone, outcome progress and words. ``stages``:
    every active stage. A card seen before with the same inputs gets its kept look back
    (``looks``); the others are read (``gather_facts``: two queries for all of them; ``scope``,
    a SELECT of their ids, lets those queries join it rather than list thousands of ids),
    assessed by the status rule and presented. Every card then gets its latest progress update
    (``_report``)."""
    cards = list(cards)
    today = today or local_today()
    tz = city_tz()
    presenter = CardPresenter(tz)
    looks = CardLooks.of_app().generation(today, presenter.texts.language, stages)
    fresh: dict[int, Card] = {}
    for card in cards:
        if not looks.restore(card):
            card.overdue, card.indicator_progress, card.next_milestone = [], [], None
            card.indicator_paths = []
            card.pending = 0
            fresh[card.id] = card
    if fresh:
        gather_facts(fresh, today, scope if len(fresh) > 500 else None)
    rules = {s.id: StageRule.of(s) for s in stages}
    done = rolled_out(stages)
    for card in fresh.values():
        card.entered_on = local_date(card.stage_entered_at, tz)
        card.progress = mean_progress(card.indicator_progress)
        rule = rules.get(card.stage_id)
        if rule is None:  # a retired stage (its cards are not on the board; a move answer)
            rule = rules[card.stage_id] = StageRule.of(db.session.get(Stage, card.stage_id))
        presenter.present(card, assess(card, rule, done, today, presenter.texts, tz), today)
        looks.keep(card)
    _report(cards, presenter, today, scope)


def _report(cards: list[Card], presenter: CardPresenter, today: date,
            scope: sa.Select[Any] | None) -> None:
    """Each card's latest progress update (one query; not kept with the looks: a new update
    changes no fact the status reads)."""
    if not cards:
        return
    latest = latest_updates(scope if scope is not None and len(cards) > 500
                            else [card.id for card in cards])
    for card in cards:
        found = latest.get(card.id)
        card.report_text, card.report_rosier = "", ""
        if found is not None:
            presenter.report(card, found, today)


def _grid(counts: dict[Cell, int]) -> list[Cell]:
    """Every (dimension, stage) pair of the non-empty cells' lanes and columns: the other pairs
    of that grid are empty, so the two IN lists of ``_in_cells`` alone are exact, and the index
    is sought cell by cell."""
    dims, columns = {d for d, _ in counts}, {s for _, s in counts}
    return [(d, s) for d in dims for s in columns]


def assessed_cells(
    filters: BoardFilters,
    user: User | None,
    page_size: int | None,
    stages: list[Stage],
    cells: list[Cell] | None = None,
    offset: int = 0,
    budget: int | None = None,
    links: CardLinks | None = None,
    folded: frozenset[int] = frozenset(),
) -> tuple[dict[Cell, list[Card]], dict[Cell, int]]:
    """The cards of each cell (or of ``cells``) with their status, and the cards per cell. With
    a ``budget`` (the first paint), each cell shows ``first_page_size`` cards, else ``page_size``.
    One page per cell, counted in SQL; with a status filter see ``_cells_with_status``. The
    lanes in ``folded`` (dimension ids: collapsed lanes) are counted but none of their cards read."""
    if filters.status:
        return _cells_with_status(filters, user, page_size, stages, cells, offset, budget, links,
                                  folded)
    counts = cell_counts(filters, user)
    if budget is not None and page_size is not None:
        page_size = first_page_size(counts.values(), budget, page_size)
    if cells is None:
        cells = [c for c in _grid(counts) if c[0] not in folded]
        if not cells:
            return defaultdict(list), counts
    stmt, scope = _cards_query(filters, user, page_size, cells, offset)
    found = _read_cards(stmt, user, links)
    assess_cards(_cards(found), stages, scope)
    return found, counts


def _cells_with_status(filters, user, page_size, stages, cells, offset, budget, links, folded):
    """Status is derived, not stored: *every* card matching the other filters is read, assessed
    and filtered, and the counts are those of the assessed set; the page is then cut in Python.
    Still a constant number of queries; the price is reading all matching rows, which a city's
    board (hundreds of initiatives) affords. (Folded lanes are assessed too: their counts show.)"""
    stmt, scope = _cards_query(filters, user, None, cells, 0)
    everything = _read_cards(stmt, user, links)
    assess_cards(_cards(everything), stages, scope)
    kept: dict[Cell, list[Card]] = {}
    for key, cards in everything.items():
        matching = [c for c in cards if c.status == filters.status]
        if matching:
            kept[key] = matching
    counts = {key: len(cards) for key, cards in kept.items()}
    if budget is not None and page_size is not None:
        page_size = first_page_size(counts.values(), budget, page_size)
    end = None if page_size is None else offset + page_size
    return defaultdict(list, {key: cards[offset:end] for key, cards in kept.items()
                              if key[0] not in folded}), counts


def load_board(filters: BoardFilters, user: User | None, page_size: int,
               budget: int | None = None, links: CardLinks | None = None,
               collapsed: frozenset[str] = frozenset()) -> Board:
    """The board: every lane and column with its counts, and the first cards of every cell (at
    most ``page_size``; with a ``budget``, see ``first_page_size``). The lanes whose codes are
    in ``collapsed`` show their counts only."""
    board = Board(
        links=links,
        stages=active_stages(),
        dimensions=list(db.session.scalars(sa.select(Dimension).order_by(Dimension.position))),
        only_dimension=filters.dimension,
        collapsed=collapsed,
    )
    folded = frozenset(d.id for d in board.dimensions if d.code in collapsed)
    board.cells, board.cell_counts = assessed_cells(filters, user, page_size, board.stages,
                                                    budget=budget, links=links, folded=folded)
    board.units = list(db.session.scalars(sa.select(Unit).order_by(Unit.code)))
    board.tags = list(db.session.scalars(sa.select(Tag).order_by(Tag.kind, Tag.code)))
    board.owners = list(db.session.scalars(
        sa.select(User).where(User.active.is_(True), User.role.in_(("staff", "manager", "admin")))
        .order_by(User.name)))
    return board
