"""The live board: a cheap version tag that open boards poll (``GET /board/version``).

Every open board carries the tag it was rendered with (``#board[data-board-version]``) and polls
with ``If-None-Match``; the answer is 304 until something changed, then 200 with the new tag and
app.js re-fetches the board fragment (pausing while a card is dragged or the move dialog is open).
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa

from ..extensions import db
from ..models import Activity, Initiative


def board_version() -> str:
    """A tag that changes whenever what a board shows may have changed. One query.

    - moves, reorders, edits and (un)archiving bump an initiative's ``version`` (the ORM's
      ``version_id_col``) and ``updated_at``: their sum and maximum change;
    - creating or deleting an initiative changes the count;
    - everything else that shows on a card (milestones, measurements, status) and every move
      records an Activity: the newest Activity id changes.

    The tag is global, not per filter: a change anywhere refreshes every board, which is cheap
    and never misses a change a filter would hide or reveal.
    """
    newest_activity = sa.select(sa.func.max(Activity.id)).scalar_subquery()
    row = db.session.execute(
        sa.select(
            sa.func.count(Initiative.id),
            sa.func.coalesce(sa.func.sum(Initiative.version), 0),
            sa.func.max(Initiative.updated_at),
            newest_activity,
        )
    ).one()
    return hashlib.sha256(repr(tuple(row)).encode()).hexdigest()[:20]
