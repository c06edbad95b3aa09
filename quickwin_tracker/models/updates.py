"""Progress updates: the owner's own account of an initiative, posted on a cadence (issue 14)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..domain.clock import utcnow
from ..extensions import db
from .base import UTCDateTime

if TYPE_CHECKING:
    from .initiatives import Initiative
    from .outcomes import Evidence
    from .people import User


class Health(enum.StrEnum):
    """What the owner reports: the same words as the derived status, without "done"."""

    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"

    @property
    def label(self) -> str:
        return str(HEALTH_LABELS[self])

    @property
    def icon(self) -> str:
        """The derived status's symbol for the same word (never colour alone)."""
        from ..lifecycle.status import STATUS_ICONS, Status

        return STATUS_ICONS[Status(self.value)]


HEALTH_LABELS = {Health.ON_TRACK: _l("on track"), Health.AT_RISK: _l("at risk"),
                 Health.OFF_TRACK: _l("off track")}
HEALTH_VALUES = tuple(h.value for h in Health)


class ProgressUpdate(db.Model):
    """An update: the reported health, what moved, what blocks, what comes next, a link and a file.
    Part of the trail (an "update_posted" entry); its author may edit it for 15 minutes."""

    __tablename__ = "progress_update"
    __table_args__ = (
        sa.Index("ix_progress_update_initiative_created", "initiative_id", "created_at"),
        sa.CheckConstraint("health IN ('on_track', 'at_risk', 'off_track')", name="health_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(sa.ForeignKey("initiative.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    health: Mapped[str] = mapped_column(sa.String(16))
    moved: Mapped[str] = mapped_column(sa.Text)
    blocks: Mapped[str] = mapped_column(sa.Text, default="")
    next_steps: Mapped[str] = mapped_column(sa.Text, default="")
    link: Mapped[str] = mapped_column(sa.String(500), default="")
    # A file that shows it (a report, photos as PDF), attached when posting (migration 0018).
    evidence_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("evidence.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    initiative: Mapped[Initiative] = relationship()
    author: Mapped[User | None] = relationship()
    evidence: Mapped[Evidence | None] = relationship()

    @property
    def reported(self) -> Health:
        return Health(self.health)

    def __repr__(self) -> str:
        return f"<ProgressUpdate {self.id} {self.health} initiative={self.initiative_id}>"
