"""What a person keeps of the board: named filter sets ("saved views"). The board's other
remembered settings (density, collapsed lanes, the default scope) are ``User.board_settings``.

Also the live board's ``change_clock``: one row whose ``tick`` the database moves on whenever a
row a board shows changes (triggers, migration 0012; see ``board.live``)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..domain.clock import utcnow
from ..extensions import db
from .base import UTCDateTime


class SavedView(db.Model):
    """A named set of board filters, e.g. "Diskominfo, at risk": the board's query string."""

    __tablename__ = "saved_view"
    __table_args__ = (sa.UniqueConstraint("user_id", "name", name="uq_saved_view_user_name"),)

    NAME_LENGTH = 60
    QUERY_LENGTH = 600

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(NAME_LENGTH))
    query: Mapped[str] = mapped_column(sa.String(QUERY_LENGTH), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# One row (id 1). Never written by the app: triggers on every table a board shows bump ``tick``
# once per committing transaction on PostgreSQL (at commit), once per changed row on SQLite
# (migration 0012). ``board.live.board_version`` reads it.
change_clock = sa.Table(
    "change_clock",
    db.metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("tick", sa.BigInteger, nullable=False, server_default="0"),
    sa.CheckConstraint("id = 1", name="one_row"),
)
