"""Budget and realisation (issue 14 item 6, optional per deployment: ``QUICKWIN_BUDGET``).

- ``InitiativeBudget``: an initiative's planned budget (APBD) and its programme/activity code
  (kode program/kegiatan/sub-kegiatan, e.g. ``1.02.02.2.01.0001``); one row per initiative, in
  its own table so that setting it neither bumps the initiative's ``version`` (a concurrent move
  or edit is not refused for it) nor touches the initiative's form.
- ``Spending``: money realised on a date, with a note, a link and an evidence file (the
  ``evidence`` table of outcome measurements). Never edited: a wrong entry is withdrawn with a
  reason (it stays listed, counted nowhere) and recorded again.

Amounts are whole Rupiah in ``BIGINT`` (APBD lines run to hundreds of billions; never floats).
Both tables move the database's ``change_clock`` (migration 0016), as every table a page or the
summary reads does.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..domain.clock import utcnow
from ..extensions import db
from .base import UTCDateTime
from .outcomes import Evidence

if TYPE_CHECKING:
    from .initiatives import Initiative
    from .people import User


class InitiativeBudget(db.Model):
    """The planned budget of one initiative (whole Rupiah) and its programme/activity code."""

    __tablename__ = "initiative_budget"
    __table_args__ = (sa.CheckConstraint("planned >= 0", name="planned_not_negative"),)

    initiative_id: Mapped[int] = mapped_column(
        sa.ForeignKey("initiative.id", ondelete="CASCADE"), primary_key=True)
    planned: Mapped[int] = mapped_column(sa.BigInteger)
    program_code: Mapped[str] = mapped_column(sa.String(60), default="")
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    initiative: Mapped[Initiative] = relationship()
    updated_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<InitiativeBudget {self.initiative_id} {self.planned}>"


class Spending(db.Model):
    """Money realised for an initiative on ``spent_on``; standing until withdrawn."""

    __tablename__ = "spending"
    __table_args__ = (
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.Index("ix_spending_initiative_spent_on", "initiative_id", "spent_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(sa.ForeignKey("initiative.id", ondelete="CASCADE"))
    spent_on: Mapped[date]
    amount: Mapped[int] = mapped_column(sa.BigInteger)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    link: Mapped[str] = mapped_column(sa.String(500), default="")
    evidence_id: Mapped[int | None] = mapped_column(sa.ForeignKey("evidence.id", ondelete="SET NULL"))
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_reason: Mapped[str] = mapped_column(sa.Text, default="")

    initiative: Mapped[Initiative] = relationship()
    evidence: Mapped[Evidence | None] = relationship()
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])
    withdrawn_by: Mapped[User | None] = relationship(foreign_keys=[withdrawn_by_id])

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    def __repr__(self) -> str:
        return f"<Spending {self.id} {self.amount} initiative={self.initiative_id}>"
