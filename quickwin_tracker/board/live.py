"""The live board: a cheap version tag that open boards poll (``GET /board/version``).

Every open board carries the tag it was rendered with (``#board[data-board-version]``) and polls
with ``If-None-Match``; the answer is 304 until something changed, then 200 with the new tag and
app.js re-fetches the board fragment (pausing while a card is dragged or the move dialog is open).
"""

from __future__ import annotations

import sqlalchemy as sa

from ..domain.clock import local_today
from ..extensions import db
from ..models import change_clock


def board_version() -> str:
    """A tag that changes whenever what a board shows may have changed. One query.

    It is the ``change_clock`` tick (migration 0012), which the database itself moves on whenever
    a row a board shows is inserted, changed or deleted, whoever writes it (the app, an import,
    the CLI, hand-written SQL): initiatives, their milestones, indicators, measurements, team and
    tags, the stages, dimensions, units and tags, and people's names, roles, units and "active".
    On PostgreSQL the tick is bumped at COMMIT, once per transaction, under the clock row's lock:
    each commit's tick is the previous committed tick + 1, so a change that commits after a tag
    was read always gives a new tag, whatever order its ids were taken in. On SQLite writers are
    serialised, and a row trigger bumps it.

    The city's date is part of the tag: at midnight a card's days in stage and its status
    (overdue milestones) change without any write, so every open board refreshes once.

    Read it *before* the board it goes with (``views.index``): a change committed in between is
    then in the board but not in the tag, which costs one extra refresh, never a missed one.

    The tag is global, not per filter: a change anywhere refreshes every board, which is cheap
    and never misses a change a filter would hide or reveal.
    """
    tick = db.session.scalar(sa.select(change_clock.c.tick).where(change_clock.c.id == 1))
    return f"{tick}-{local_today():%Y%m%d}"
