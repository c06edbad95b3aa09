"""Initiatives, their team and plan tags, and their milestones."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..domain.clock import utcnow
from ..extensions import db
from .base import UTCDateTime
from .outcomes import Indicator
from .people import Unit, User
from .vocabulary import Dimension, Stage, Tag


class Initiative(db.Model):
    """A quick win, from proposal to rollout.

    ``version`` is SQLAlchemy's optimistic-locking counter: every ORM UPDATE checks and bumps it,
    so two people saving the same initiative cannot silently overwrite each other.
    """

    __tablename__ = "initiative"
    __table_args__ = (
        # The board reads cards cell by cell in order; the filters narrow by unit and owner.
        sa.Index("ix_initiative_board", "archived", "dimension_id", "stage_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    benefit: Mapped[str] = mapped_column(sa.Text, default="")
    description: Mapped[str] = mapped_column(sa.Text, default="")
    dimension_id: Mapped[int] = mapped_column(sa.ForeignKey("dimension.id"))
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    owner_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    stage_id: Mapped[int] = mapped_column(sa.ForeignKey("stage.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    target_date: Mapped[date | None]
    stage_entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    archived: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Bumped by the database (triggers, migration 0008) whenever one of its milestones, indicators
    # or measurements is inserted, changed or deleted: what its status is computed from. The board
    # reuses a card's computed status while this (and the card's own fields) stay the same.
    # Never written by the app.
    facts_version: Mapped[int] = mapped_column(default=0, server_default="0")

    dimension: Mapped[Dimension] = relationship()
    unit: Mapped[Unit] = relationship()
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    stage: Mapped[Stage] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    # Team members may edit the initiative too, whatever their unit.
    members: Mapped[list[User]] = relationship(secondary=lambda: initiative_member,
                                               order_by=lambda: User.name)
    tags: Mapped[list[Tag]] = relationship(secondary=lambda: initiative_tag,
                                           order_by=lambda: (Tag.kind, Tag.code))
    milestones: Mapped[list[Milestone]] = relationship(
        back_populates="initiative", order_by=lambda: (Milestone.position, Milestone.id),
        cascade="all, delete-orphan",
    )
    indicators: Mapped[list[Indicator]] = relationship(
        back_populates="initiative", order_by=lambda: (Indicator.position, Indicator.id),
        cascade="all, delete-orphan",
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def member_ids(self) -> set[int]:
        return {m.id for m in self.members}

    def __repr__(self) -> str:
        return f"<Initiative {self.id} {self.title!r}>"


class InitiativeStatus(db.Model):
    """An initiative's derived status as last computed, with what it was computed from: a kept
    result of ``lifecycle.status.assess`` that the summary counts in SQL (``lifecycle.kept``).

    A row is current while its ``basis`` (the rule's version, the city's date and zone, the
    stages' settings) and its inputs (``facts_version`` and the initiative's stage, stage entry
    and target date) equal today's; otherwise it is computed again before it is read. Written
    only by ``lifecycle.kept``; not clocked (a refresh moves no open board)."""

    __tablename__ = "initiative_status"

    initiative_id: Mapped[int] = mapped_column(
        sa.ForeignKey("initiative.id", ondelete="CASCADE"), primary_key=True)
    basis: Mapped[str] = mapped_column(sa.String(80))
    facts_version: Mapped[int]
    stage_id: Mapped[int]
    stage_entered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    target_date: Mapped[date | None]
    status: Mapped[str] = mapped_column(sa.String(16))
    progress: Mapped[float | None]  # mean verified outcome progress, None: nothing measured
    # Over the measured indicators that have a planned path (``outcomes.trajectory``): the mean
    # planned progress for the basis's date, and the mean of (verified − planned) progress, in
    # points (negative: behind the plan). None: no measured indicator with a plan.
    planned_progress: Mapped[float | None]
    progress_variance: Mapped[float | None]
    # Its indicators by achievement band (``lifecycle.bands``) for the basis's date: ``band_1``
    # counts those in the first configured band (the highest), and so on (at most
    # ``bands.MAX_BANDS``; the bands are in the basis, so a row always means the current ones);
    # ``unbanded``: those with no achievement (nothing verified, nothing to compare with).
    band_1: Mapped[int] = mapped_column(default=0, server_default="0")
    band_2: Mapped[int] = mapped_column(default=0, server_default="0")
    band_3: Mapped[int] = mapped_column(default=0, server_default="0")
    band_4: Mapped[int] = mapped_column(default=0, server_default="0")
    band_5: Mapped[int] = mapped_column(default=0, server_default="0")
    band_6: Mapped[int] = mapped_column(default=0, server_default="0")
    band_7: Mapped[int] = mapped_column(default=0, server_default="0")
    band_8: Mapped[int] = mapped_column(default=0, server_default="0")
    unbanded: Mapped[int] = mapped_column(default=0, server_default="0")
    indicators_met: Mapped[int] = mapped_column(default=0)
    indicators_behind: Mapped[int] = mapped_column(default=0)
    indicators_unmeasured: Mapped[int] = mapped_column(default=0)
    measured: Mapped[bool] = mapped_column(default=False)  # a standing measurement of any indicator
    overdue_milestones: Mapped[int] = mapped_column(default=0)  # open, due before the basis's date
    # The latest move that rolled it out, from the trail (None: never rolled out); a rollout
    # changes the stage, so the row is computed again whenever this could change.
    rolled_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<InitiativeStatus {self.initiative_id} {self.status}>"


# One row (id 1): the basis and the ``change_clock`` tick at which every initiative's kept status
# was last found current (``lifecycle.kept``). While both still hold, nothing a status reads has
# changed, and the check of every row is skipped.
status_refresh = sa.Table(
    "status_refresh",
    db.metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("basis", sa.String(80), nullable=False),
    sa.Column("tick", sa.BigInteger, nullable=False),
    sa.CheckConstraint("id = 1", name="one_row"),
)


initiative_member = sa.Table(
    "initiative_member",
    db.metadata,
    sa.Column("initiative_id", sa.ForeignKey("initiative.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True),
)


initiative_tag = sa.Table(
    "initiative_tag",
    db.metadata,
    sa.Column("initiative_id", sa.ForeignKey("initiative.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("tag_id", sa.ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Milestone(db.Model):
    """A step of an initiative's plan. Overdue = not done and due before today *in the city*."""

    __tablename__ = "milestone"
    __table_args__ = (sa.Index("ix_milestone_initiative_position", "initiative_id", "position"),
                      sa.Index("ix_milestone_open_due", "done_on", "due_date"),
                      # The open milestones of given initiatives, by due date (status, board).
                      sa.Index("ix_milestone_initiative_open", "initiative_id", "done_on",
                               "due_date"))

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(sa.ForeignKey("initiative.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(sa.String(200))
    due_date: Mapped[date]
    responsible_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    done_on: Mapped[date | None]
    done_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    initiative: Mapped[Initiative] = relationship(back_populates="milestones")
    responsible: Mapped[User | None] = relationship(foreign_keys=[responsible_id])
    done_by: Mapped[User | None] = relationship(foreign_keys=[done_by_id])

    @property
    def done(self) -> bool:
        return self.done_on is not None

    def __repr__(self) -> str:
        return f"<Milestone {self.id} {self.title!r}>"
