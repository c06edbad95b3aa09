"""The board: reading it in a constant number of queries, and moving one card.

Reading: ``load_board(filters, user)`` runs a constant number of queries whatever the number of
initiatives (stages, dimensions, counts per cell, the first cards of every cell, the user's team
memberships, the two of ``lifecycle.status.gather_facts``, filter options). The first paint shows
at most a budget of cards (``first_page_size``); "show more" loads the rest of a cell. Every card
carries its derived status and texts (``attach_status``), kept per process while the card's inputs
are unchanged (``CardLooks``); the status filter is applied after assessing.

Moving: ``move_initiative`` checks permission, version, WIP limit and the neighbour, places the card
after its neighbour (renumbering only the cells involved, gap-free), records the Activity and
flushes. The caller commits.
"""

from __future__ import annotations

import logging
import operator
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from jinja2.filters import do_truncate
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.datastructures import MultiDict

from ..domain import activity
from ..domain.clock import city_tz, local_date, local_today, utcnow
from ..domain.errors import DomainError
from ..domain.permissions import can_edit, can_move
from ..domain.queries import contains_any
from ..extensions import core_rows, db
from ..lifecycle import gates
from ..lifecycle.gates import Missing
from ..lifecycle.progress import bar_width, mean_progress
from ..lifecycle.status import (
    STATUS_ICONS,
    StageRule,
    Status,
    assess,
    gather_facts,
    rolled_out,
)
from ..models import Dimension, Initiative, Stage, Tag, TagKind, Unit, User, initiative_member
from ..web.texts import Texts

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- filters


class FilterError(ValueError):
    pass


STATUS_CHOICES = tuple(Status)  # the board's status filter, in this order


@dataclass(frozen=True)
class BoardFilters:
    unit: str = ""
    owner: int | None = None
    dimension: str = ""
    q: str = ""
    mine: bool = False
    status: str = ""  # a Status value; derived, so applied after assessing (see ``load_board``)
    tag: str = ""  # "kind:code" of a plan tag, e.g. "sdg:11.2"

    @classmethod
    def from_args(cls, args: MultiDict[str, str]) -> BoardFilters:
        owner_raw = (args.get("owner") or "").strip()
        try:
            owner = int(owner_raw) if owner_raw else None
        except ValueError as exc:
            raise FilterError(_l("The owner filter must be a user number.")) from exc
        if owner is not None and not -(2**31) <= owner < 2**31:  # beyond any id column
            raise FilterError(_l("The owner filter must be a user number."))
        q = (args.get("q") or "").strip()[:200]
        status = (args.get("status") or "").strip().lower()
        if status and status not in {s.value for s in STATUS_CHOICES}:
            raise FilterError(_l("Unknown status filter."))
        tag = (args.get("tag") or "").strip()[:60]
        if tag and (":" not in tag or tag.split(":", 1)[0] not in {k.value for k in TagKind}):
            raise FilterError(_l("The plan filter must look like “sdg:11.2”."))
        return cls(
            unit=(args.get("unit") or "").strip().upper()[:32],
            owner=owner,
            dimension=(args.get("dimension") or "").strip().lower()[:32],
            q=q,
            mine=args.get("mine") in ("1", "on", "true"),
            status=status,
            tag=tag,
        )

    def as_args(self) -> dict[str, Any]:
        """The non-empty filters, for building URLs that keep them."""
        args: dict[str, Any] = {}
        if self.unit:
            args["unit"] = self.unit
        if self.owner is not None:
            args["owner"] = self.owner
        if self.dimension:
            args["dimension"] = self.dimension
        if self.q:
            args["q"] = self.q
        if self.mine:
            args["mine"] = "1"
        if self.status:
            args["status"] = self.status
        if self.tag:
            args["tag"] = self.tag
        return args

    def cell_args(self) -> dict[str, Any]:
        """The filters for a cell's URL (``/board/cells/<dimension>/<stage>``): the dimension is
        the cell's own, so a dimension filter is left out (as a query argument it would clash)."""
        args = self.as_args()
        args.pop("dimension", None)
        return args

    @property
    def active(self) -> bool:
        return bool(self.as_args())

    @property
    def narrows_cells(self) -> bool:
        """Whether some cards of a cell may be hidden (the dimension filter hides whole lanes, the
        status filter is applied after assessing): then a cell's first cards are not simply those
        with the lowest positions."""
        return bool(self.unit or self.owner is not None or self.mine or self.q or self.tag)

    def conditions(self, user: User | None) -> list[sa.ColumnElement[bool]]:
        """WHERE clauses over ``Initiative`` (joined to ``Unit`` and ``Dimension``)."""
        conds: list[sa.ColumnElement[bool]] = [Initiative.archived.is_(False)]
        if self.unit:
            conds.append(Unit.code == self.unit)
        if self.owner is not None:
            conds.append(Initiative.owner_id == self.owner)
        if self.dimension:
            conds.append(Dimension.code == self.dimension)
        if self.mine and user is not None:
            conds.append(Initiative.owner_id == user.id)
        if self.q:
            conds.append(contains_any((Initiative.title, Initiative.benefit), self.q))
        if self.tag:
            kind, code = self.tag.split(":", 1)
            conds.append(Initiative.tags.any(sa.and_(Tag.kind == kind, Tag.code == code)))
        return conds


# --------------------------------------------------------------------------- reading


@dataclass(slots=True)
class Card:
    """What a card shows: a plain row, not an ORM object (the board reads thousands)."""

    id: int
    title: str
    version: int
    dimension_id: int
    stage_id: int
    position: int
    target_date: date | None
    stage_entered_at: datetime
    created_at: datetime
    unit_id: int
    unit_code: str
    owner_id: int | None
    owner_name: str | None
    facts_version: int = 0
    member_ids: frozenset[int] = frozenset()
    # The status rule's facts (``lifecycle.status.Facts``' fields), set by ``attach_status``: a
    # card is assessed as it is, without a Facts object of its own.
    overdue: list[tuple[str, date]] = field(default_factory=list)
    next_milestone: tuple[str, date] | None = None  # (title, due date)
    indicator_progress: list[float | None] = field(default_factory=list)
    entered_on: date | None = None
    progress: float | None = None  # outcome progress, percent; may pass 100 or go below 0
    status: Status | None = None
    status_text: str = ""  # the reasons, joined
    # Set by ``cell_cards`` and ``attach_status`` for the template (computed once per card, in
    # Python: the board renders thousands of cards, see ``benchmarks/``):
    movable: bool = False  # ``can_edit`` for the reader
    days_text: str = ""  # "12 days in stage"
    progress_text: str = ""  # "Outcome 40%"
    status_value: str = ""  # "at_risk", for the CSS class
    status_label: str = ""
    status_icon: str = ""
    target_text: str = ""  # the target date, formatted
    target_iso: str = ""
    next_text: str = ""  # "Next: <milestone>, <date>"
    progress_bar: int = 0  # 0..100 for the bar; the text beside it shows the real value
    url: str = ""  # the initiative's page
    move_url: str = ""  # its "move" page (keeping the board's filters)
    meta: str = ""  # "UNIT · owner"


@dataclass(frozen=True)
class CardKit:
    """What every card and cell of one board shares, built once by the view: the halves of a
    card's page URL and of its "move" URL around the card's id, a cell's "show more" URL with
    placeholders, and the words for a card without owner."""

    detail: tuple[str, str]  # ("/initiatives/", "")
    move: tuple[str, str]  # ("/board/cards/", "/move?unit=…")
    no_owner: str
    more: str  # "/board/cells/{dimension}/{stage}?offset={offset}&unit=…"
    move_text: str

    def more_url(self, dimension: str, stage: str, offset: int) -> str:
        """The next cards of a cell (codes are lowercase letters, digits and underscores)."""
        return self.more.format(dimension=dimension, stage=stage, offset=offset)

    def dress(self, card: Card) -> None:
        card.url = f"{self.detail[0]}{card.id}{self.detail[1]}"
        card.move_url = f"{self.move[0]}{card.id}{self.move[1]}"
        card.meta = f"{card.unit_code} · {card.owner_name or self.no_owner}"


@dataclass
class Board:
    stages: list[Stage]
    dimensions: list[Dimension]
    cells: dict[tuple[int, int], list[Card]] = field(default_factory=lambda: defaultdict(list))
    cell_counts: dict[tuple[int, int], int] = field(default_factory=dict)
    units: list[Unit] = field(default_factory=list)
    owners: list[User] = field(default_factory=list)
    tags: list[Tag] = field(default_factory=list)
    only_dimension: str = ""  # filtered to one dimension: only its lane is drawn
    kit: CardKit | None = None

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


def column_totals(cell_counts: dict[tuple[int, int], int]) -> dict[int, int]:
    """Cards per stage (column), from the cards per (dimension, stage) cell."""
    counts: dict[int, int] = defaultdict(int)
    for (_dimension_id, stage_id), n in cell_counts.items():
        counts[stage_id] += n
    return counts


def active_stages() -> list[Stage]:
    return list(
        db.session.scalars(
            sa.select(Stage).where(Stage.retired.is_(False)).order_by(Stage.position, Stage.id)
        )
    )


def first_stage() -> Stage:
    stage = db.session.scalar(
        sa.select(Stage).where(Stage.retired.is_(False)).order_by(Stage.position, Stage.id).limit(1)
    )
    if stage is None:  # the migrations create five; admins cannot retire the last one
        raise RuntimeError("no active stage")
    return stage


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
    cells: list[tuple[int, int]] | None = None,
    offset: int = 0,
    kit: CardKit | None = None,
) -> dict[tuple[int, int], list[Card]]:
    """Cards ``offset+1 .. offset+page_size`` of each cell (or only of ``cells``), in one query;
    ``page_size=None``: all of them. The status filter is applied by ``assessed_cells``."""
    return _read_cards(_cards_query(filters, user, page_size, cells, offset)[0], user, kit)


def _cards_query(
    filters: BoardFilters,
    user: User | None,
    page_size: int | None,
    cells: list[tuple[int, int]] | None,
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


def _in_cells(cells: list[tuple[int, int]]) -> list[sa.ColumnElement[bool]]:
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


def _read_cards(stmt: sa.Select[Any], user: User | None, kit: CardKit | None = None,
                ) -> dict[tuple[int, int], list[Card]]:
    result: dict[tuple[int, int], list[Card]] = defaultdict(list)
    member_of = _memberships(user)
    movable = _movable(user)
    for row in core_rows(stmt).all():
        card = Card(*row)  # the columns of ``_card_columns``, in Card's field order
        if card.id in member_of:
            card.member_ids = frozenset({user.id})
        card.movable = movable(card)
        if kit is not None:  # (callers that render no card need no links)
            kit.dress(card)
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


def cell_counts(filters: BoardFilters, user: User | None) -> dict[tuple[int, int], int]:
    stmt = (
        _filter_joins(sa.select(Initiative.dimension_id, Initiative.stage_id, sa.func.count())
                      .select_from(Initiative), filters)
        .where(*filters.conditions(user))
        .group_by(Initiative.dimension_id, Initiative.stage_id)
    )
    return {(d, s): n for d, s, n in core_rows(stmt)}


# What ``attach_status`` derives for a card (its facts, status and texts), in this order.
_DERIVED = ("overdue", "next_milestone", "indicator_progress", "entered_on", "progress", "status",
            "status_text", "status_value", "status_label", "status_icon", "days_text",
            "progress_text", "progress_bar", "target_text", "target_iso", "next_text")


_derived_of = operator.attrgetter(*_DERIVED)


class CardLooks:
    """What ``attach_status`` derived for each card, kept in the process (``app.extensions``) and
    reused while nothing it depends on changed:

    - the card's own inputs: its ``facts_version`` (bumped by the database whenever one of its
      milestones, indicators or measurements changes, see migration 0008), stage, stage entry,
      target date and creation;
    - the generation: the city's date, the language, and the stages' settings (``expected_days``,
      names, order). The latest ``GENERATIONS`` are kept (both languages of the day, say); an
      older one is dropped whole.

    Most board requests come after a move (every open board refreshes): then only the moved cards
    are assessed again. At most one entry per initiative shown, per generation. Safe under
    threads: a request works on its generation's own dict (``Looks``).
    """

    GENERATIONS = 4

    def __init__(self) -> None:
        self._generations: OrderedDict[tuple[Any, ...], Looks] = OrderedDict()
        self._lock = threading.Lock()

    @classmethod
    def of_app(cls) -> CardLooks:
        looks = current_app.extensions.get("quickwin_card_looks")
        if looks is None:
            looks = current_app.extensions.setdefault("quickwin_card_looks", cls())
        return looks

    def generation(self, key: tuple[Any, ...]) -> Looks:
        with self._lock:
            looks = self._generations.get(key)
            if looks is None:
                looks = self._generations[key] = Looks()
                while len(self._generations) > self.GENERATIONS:
                    self._generations.popitem(last=False)
            else:
                self._generations.move_to_end(key)
            return looks


class Looks(dict[int, tuple[tuple[Any, ...], tuple[Any, ...]]]):
    """One generation of ``CardLooks``: card id -> (the card's inputs, what was derived)."""

    @staticmethod
    def key(card: Card) -> tuple[Any, ...]:
        return (card.facts_version, card.stage_id, card.stage_entered_at, card.target_date,
                card.created_at)

    def restore(self, card: Card) -> bool:
        entry = self.get(card.id)
        if entry is None or entry[0] != self.key(card):
            return False
        for name, value in zip(_DERIVED, entry[1], strict=True):
            setattr(card, name, value)
        return True

    def keep(self, card: Card) -> None:
        self[card.id] = (self.key(card), _derived_of(card))


def attach_status(cards: Iterable[Card], stages: list[Stage], today: date | None = None,
                  scope: sa.Select[Any] | None = None) -> None:
    """Set each card's status, reasons, next milestone and outcome progress, and the texts the
    template shows (two queries for all of them; ``scope``: a SELECT of the cards' ids, see
    ``lifecycle.status.load_facts``). The rule is ``lifecycle.status.assess``, applied to each
    card as it is. ``stages`` must be all the active stages: the rollout stage and those after it
    mean "done" (``lifecycle.status.rolled_out``).

    Cards whose inputs did not change since the process last derived them get the same results
    back (``CardLooks``); only the others are read and assessed."""
    today = today or local_today()
    texts, tz = Texts(), city_tz()
    looks = CardLooks.of_app().generation((today, str(texts.locale), tuple(
        (s.id, s.position, s.retired, s.rollout, s.expected_days, s.name_id, s.name_en)
        for s in stages)))
    fresh: dict[int, Card] = {}
    for card in cards:
        if not looks.restore(card):
            card.overdue, card.indicator_progress, card.next_milestone = [], [], None
            fresh[card.id] = card
    if not fresh:
        return
    # Many fresh cards: the status queries join the cards' id scope (rows of the others are
    # skipped); a few: their ids are listed.
    gather_facts(fresh, today, scope if len(fresh) > 500 else None)
    stage_of = {s.id: StageRule.of(s) for s in stages}
    done = rolled_out(stages)
    look = {status: (status.value, status.label, STATUS_ICONS[status]) for status in Status}
    days_texts: dict[int, str] = {}
    progress_texts: dict[int, str] = {}
    truncate = _truncator()

    for card in fresh.values():
        card.entered_on = local_date(card.stage_entered_at, tz)
        card.progress = measured = mean_progress(card.indicator_progress)
        stage = stage_of.get(card.stage_id)
        if stage is None:  # a retired stage (its cards are not on the board; a move answer)
            stage = stage_of[card.stage_id] = StageRule.of(db.session.get(Stage, card.stage_id))
        assessment = assess(card, stage, done, today, texts, tz)
        card.status = status = assessment.status
        card.status_value, card.status_label, card.status_icon = look[status]
        card.status_text = "; ".join([r.text for r in assessment.reasons])
        days = (today - card.entered_on).days
        if days not in days_texts:
            days_texts[days] = texts.ngettext("%(num)d day in stage", "%(num)d days in stage", days)
        card.days_text = days_texts[days]
        card.progress_text, card.progress_bar = "", 0
        if measured is not None:
            percent = int(round(measured))
            if percent not in progress_texts:
                progress_texts[percent] = texts.gettext("Outcome %(num)d%%", num=percent)
            card.progress_text = progress_texts[percent]
            card.progress_bar = bar_width(measured)
        card.target_text = card.target_iso = card.next_text = ""
        if card.target_date:
            card.target_text = texts.date(card.target_date)
            card.target_iso = card.target_date.isoformat()
        if card.next_milestone:
            title, due = card.next_milestone
            card.next_text = texts.gettext("Next: %(title)s, %(date)s", title=truncate(title),
                                           date=texts.date(due))
        looks.keep(card)


def _truncator(length: int = 60):
    """Jinja's ``truncate`` filter, as the card template used it."""
    env = current_app.jinja_env
    return lambda text: text if len(text) <= length else do_truncate(env, text, length)


def assessed_cells(
    filters: BoardFilters,
    user: User | None,
    page_size: int | None,
    stages: list[Stage],
    cells: list[tuple[int, int]] | None = None,
    offset: int = 0,
    budget: int | None = None,
    kit: CardKit | None = None,
) -> tuple[dict[tuple[int, int], list[Card]], dict[tuple[int, int], int]]:
    """The cards of each cell (or of ``cells``) with their status, and the cards per cell. With
    a ``budget`` (the first paint), each cell shows ``first_page_size`` cards instead of
    ``page_size``.

    Without a status filter: one page per cell, counted in SQL. With one, status is derived, not
    stored, so *every* card matching the other filters is loaded (no page limit), assessed and
    filtered, and the counts are those of the assessed set; the page is then cut in Python. Still a
    constant number of queries; the price is reading all matching rows, which a city's board
    (hundreds of initiatives) affords.
    """
    if not filters.status:
        counts = cell_counts(filters, user)
        if budget is not None and page_size is not None:
            page_size = first_page_size(counts.values(), budget, page_size)
        if cells is None:  # name the cells: the index is then sought cell by cell
            if not counts:
                return defaultdict(list), counts
            # Every (dimension, stage) pair of the non-empty cells' lanes and columns: the other
            # pairs of that grid are empty, so the two IN lists alone are exact (_in_cells).
            dims, columns = {d for d, _ in counts}, {s for _, s in counts}
            cells = [(d, s) for d in dims for s in columns]
        stmt, scope = _cards_query(filters, user, page_size, cells, offset)
        found = _read_cards(stmt, user, kit)
        attach_status((c for cell in found.values() for c in cell), stages, scope=scope)
        return found, counts
    stmt, scope = _cards_query(filters, user, None, cells, 0)
    everything = _read_cards(stmt, user, kit)
    attach_status((c for cell in everything.values() for c in cell), stages, scope=scope)
    kept: dict[tuple[int, int], list[Card]] = defaultdict(list)
    counts = {}
    for key, cards in everything.items():
        matching = [c for c in cards if c.status == filters.status]
        if matching:
            counts[key] = len(matching)
            kept[key] = matching
    if budget is not None and page_size is not None:
        page_size = first_page_size(counts.values(), budget, page_size)
    end = None if page_size is None else offset + page_size
    return defaultdict(list, {key: cards[offset:end] for key, cards in kept.items()}), counts


def load_board(filters: BoardFilters, user: User | None, page_size: int,
               budget: int | None = None, kit: CardKit | None = None) -> Board:
    """The board: every lane and column with its counts, and the first cards of every cell (at
    most ``page_size``; with a ``budget``, see ``first_page_size``)."""
    board = Board(
        kit=kit,
        stages=active_stages(),
        dimensions=list(db.session.scalars(sa.select(Dimension).order_by(Dimension.position))),
        only_dimension=filters.dimension,
    )
    board.cells, board.cell_counts = assessed_cells(filters, user, page_size, board.stages,
                                                    budget=budget, kit=kit)
    board.units = list(db.session.scalars(sa.select(Unit).order_by(Unit.code)))
    board.tags = list(db.session.scalars(sa.select(Tag).order_by(Tag.kind, Tag.code)))
    board.owners = list(
        db.session.scalars(
            sa.select(User)
            .where(User.active.is_(True), User.role.in_(("staff", "manager", "admin")))
            .order_by(User.name)
        )
    )
    return board


# --------------------------------------------------------------------------- moving


class MoveRefused(DomainError):
    """A move that was not made; ``status`` is the HTTP status that says why. ``missing`` lists
    what a stage gate asks for (each with where to fix it)."""

    def __init__(self, status: int, message: Any, missing: list[Missing] | None = None):
        super().__init__(message, status=status)
        self.missing = missing or []


@dataclass
class MoveResult:
    initiative: Initiative
    from_stage: Stage
    to_stage: Stage
    changed: bool


def _lock(stmt: sa.Select[Any]) -> sa.Select[Any]:
    # SQLite serialises writers itself; PostgreSQL needs row locks.
    return stmt.with_for_update() if db.engine.dialect.name == "postgresql" else stmt


def _cell_ids(dimension_id: int, stage_id: int, exclude: int) -> list[int]:
    return list(
        db.session.scalars(
            sa.select(Initiative.id)
            .where(
                Initiative.dimension_id == dimension_id,
                Initiative.stage_id == stage_id,
                Initiative.archived.is_(False),
                Initiative.id != exclude,
            )
            .order_by(Initiative.position, Initiative.id)
        )
    )


def _renumber(ids: list[int]) -> None:
    """Positions 0..n-1 in the given order, written without touching versions (a neighbour's
    position is not an edit of that initiative)."""
    if not ids:
        return
    table = Initiative.__table__
    current = dict(
        db.session.execute(sa.select(table.c.id, table.c.position).where(table.c.id.in_(ids))).all()
    )
    changes = [
        {"b_id": id_, "b_position": pos} for pos, id_ in enumerate(ids) if current.get(id_) != pos
    ]
    if changes:
        db.session.execute(
            table.update()
            .where(table.c.id == sa.bindparam("b_id"))
            .values(position=sa.bindparam("b_position")),
            changes,
        )


def move_initiative(
    actor: User,
    initiative: Initiative,
    to_stage: Stage,
    after_id: int | None,
    expected_version: int | None,
    now: datetime | None = None,
) -> MoveResult:
    """Move ``initiative`` into ``to_stage`` right after card ``after_id`` (None: to the top)."""
    now = now or utcnow()
    from_stage = initiative.stage
    if initiative.archived:
        raise MoveRefused(409, _l("This initiative is archived."))
    if expected_version is not None and expected_version != initiative.version:
        raise MoveRefused(
            409, _l("Someone else changed this initiative meanwhile; the board now shows the current state.")
        )
    if to_stage.retired:
        raise MoveRefused(422, _l("That stage is no longer in use."))
    decision = can_move(actor, initiative, to_stage, first_stage())
    if not decision:
        raise MoveRefused(403, decision.reason)

    # Serialise moves touching these stages (stable lock order: by id), then check the WIP limit.
    stage_ids = sorted({from_stage.id, to_stage.id})
    db.session.execute(_lock(sa.select(Stage.id).where(Stage.id.in_(stage_ids)).order_by(Stage.id)))
    if to_stage.id != from_stage.id and to_stage.wip_limit is not None:
        in_stage = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Initiative)
            .where(Initiative.stage_id == to_stage.id, Initiative.archived.is_(False))
        )
        if in_stage >= to_stage.wip_limit:
            raise MoveRefused(
                409,
                _l(
                    "“%(stage)s” is at its limit of %(limit)d initiatives; finish one first.",
                    stage=to_stage.name,
                    limit=to_stage.wip_limit,
                ),
            )

    if to_stage.id != from_stage.id:
        lacking = gates.missing_to_enter(initiative, from_stage, to_stage)
        if lacking:
            raise MoveRefused(
                422, _l("“%(title)s” cannot enter %(stage)s yet. It still needs:",
                        title=initiative.title, stage=to_stage.name),
                missing=lacking,
            )

    target_ids = _cell_ids(initiative.dimension_id, to_stage.id, exclude=initiative.id)
    if after_id is None:
        index = 0
    elif after_id in target_ids:
        index = target_ids.index(after_id) + 1
    else:
        raise MoveRefused(
            409, _l("The board changed meanwhile; it now shows the current state. Please try again.")
        )
    old_ids = _cell_ids(initiative.dimension_id, from_stage.id, exclude=-1)
    new_target = target_ids[:index] + [initiative.id] + target_ids[index:]
    stage_changed = to_stage.id != from_stage.id
    if not stage_changed and old_ids == new_target:
        return MoveResult(initiative, from_stage, to_stage, changed=False)

    if stage_changed:
        initiative.stage = to_stage
        initiative.stage_entered_at = now
    initiative.position = index
    # Always UPDATE the row, even when the loaded ``position`` already equals ``index`` (a
    # concurrent renumbering can shift it without bumping ``version``): otherwise the ORM skips
    # the UPDATE, and with it the version check and bump, for a reorder it then records.
    flag_modified(initiative, "position")
    try:
        db.session.flush()  # the ORM UPDATE checks and bumps ``version``
    except StaleDataError as exc:
        raise MoveRefused(
            409, _l("Someone else changed this initiative meanwhile; the board now shows the current state.")
        ) from exc
    if stage_changed:
        _renumber([i for i in old_ids if i != initiative.id])
    _renumber(new_target)
    if stage_changed:
        activity.record(
            actor,
            "moved",
            initiative,
            now=now,
            from_stage=from_stage.code,
            to_stage=to_stage.code,
            from_name={"id": from_stage.name_id, "en": from_stage.name_en},
            to_name={"id": to_stage.name_id, "en": to_stage.name_en},
        )
        log.info("%s moved initiative %s from %s to %s", actor.email, initiative.id,
                 from_stage.code, to_stage.code)
    else:
        activity.record(actor, "reordered", initiative, now=now, stage=to_stage.code, position=index)
    db.session.flush()
    return MoveResult(initiative, from_stage, to_stage, changed=True)
