"""The order of the cards in a board cell (one dimension × one stage): the one place that writes
``Initiative.position``.

Positions in a cell are 0 … n−1, without gaps, counting the initiatives that are not archived (an
archived card keeps its last number and goes to the bottom when it comes back). Moves
(``board.moves``), new initiatives and edits that change the lane, archiving and bringing back
(``initiatives.services``) and imports (``transfer.imports``) all go through these functions.

Renumbering writes the numbers directly, without the ORM: a neighbour's new position is not an
edit of that initiative, so it does not bump its version (which would refuse the next move of a
user who still sees it). Writers that read a cell and then write it first lock the stages involved
(``lock_stages``): on PostgreSQL the second of two concurrent moves into a cell waits for the
first to commit; SQLite lets one writer through at a time anyway.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from ..domain.queries import lock
from ..extensions import db
from ..models import Initiative, Stage

CELL_ORDER = (Initiative.position, Initiative.id)


def _in_cell(dimension_id: int, stage_id: int) -> tuple[sa.ColumnElement[bool], ...]:
    return (Initiative.dimension_id == dimension_id, Initiative.stage_id == stage_id,
            Initiative.archived.is_(False))


def lock_stages(stage_ids: Iterable[int]) -> None:
    """Serialise the writers of these stages' cells until commit (always in id order, so two
    writers never wait for each other)."""
    lock(sa.select(Stage.id).where(Stage.id.in_(sorted(set(stage_ids)))).order_by(Stage.id))


def cell_ids(dimension_id: int, stage_id: int, without: int | None = None) -> list[int]:
    """The ids of a cell's cards, top to bottom (``without``: leave that card out)."""
    stmt = sa.select(Initiative.id).where(*_in_cell(dimension_id, stage_id)).order_by(*CELL_ORDER)
    if without is not None:
        stmt = stmt.where(Initiative.id != without)
    return list(db.session.scalars(stmt))


def cell_titles(dimension_id: int, stage_id: int, without: int | None = None
                ) -> list[tuple[int, str]]:
    """``(id, title)`` of a cell's cards, top to bottom (the "move to" form's positions)."""
    stmt = (sa.select(Initiative.id, Initiative.title).where(*_in_cell(dimension_id, stage_id))
            .order_by(*CELL_ORDER))
    if without is not None:
        stmt = stmt.where(Initiative.id != without)
    return [tuple(row) for row in db.session.execute(stmt)]


def bottom(dimension_id: int, stage_id: int) -> int:
    """The position a card gets at the bottom of a cell."""
    current = db.session.scalar(
        sa.select(sa.func.max(Initiative.position)).where(*_in_cell(dimension_id, stage_id)))
    return 0 if current is None else current + 1


def claim_bottom(dimension_id: int, stage_id: int) -> int:
    """Lock the stage's cells (``lock_stages``) and return the bottom position of the cell, for a
    card that joins it (a new initiative, one that changes lane or comes back from the archive):
    two cards joining the same cell at once get different positions."""
    lock_stages([stage_id])
    return bottom(dimension_id, stage_id)


def bottoms(stage_id: int) -> dict[int, int]:
    """The bottom position of each dimension's cell in a stage (dimension id → position); a
    dimension whose cell is empty is absent (its bottom is 0)."""
    return {
        dimension_id: last + 1
        for dimension_id, last in db.session.execute(
            sa.select(Initiative.dimension_id, sa.func.max(Initiative.position))
            .where(Initiative.stage_id == stage_id, Initiative.archived.is_(False))
            .group_by(Initiative.dimension_id))
        if last is not None
    }


def last_id(dimension_id: int, stage_id: int, without: int | None = None) -> int | None:
    """The card at the bottom of a cell (``without``: not counting that one), or None."""
    ids = cell_ids(dimension_id, stage_id, without)
    return ids[-1] if ids else None


def renumber(ids: list[int]) -> None:
    """Give the cards ``ids`` the positions 0 … n−1 in that order (only those that change)."""
    if not ids:
        return
    table = Initiative.__table__
    current = dict(db.session.execute(
        sa.select(table.c.id, table.c.position).where(table.c.id.in_(ids))).all())
    changes = [{"b_id": id_, "b_position": n} for n, id_ in enumerate(ids) if current.get(id_) != n]
    if changes:
        db.session.execute(
            table.update().where(table.c.id == sa.bindparam("b_id"))
            .values(position=sa.bindparam("b_position")),
            changes,
        )


def close_gap(dimension_id: int, stage_id: int) -> None:
    """Renumber a cell after a card left it (moved to another cell, archived)."""
    renumber(cell_ids(dimension_id, stage_id))


def insert_after(ids: list[int], card_id: int, after_id: int | None) -> list[int] | None:
    """``ids`` with ``card_id`` placed right after ``after_id`` (None: at the top); None when
    ``after_id`` is not among ``ids`` (the cell changed since the user saw it)."""
    if after_id is None:
        return [card_id, *ids]
    if after_id not in ids:
        return None
    index = ids.index(after_id) + 1
    return [*ids[:index], card_id, *ids[index:]]
