"""The Sekda's periodic reviews and what they decided."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..domain.clock import utcnow
from ..extensions import db
from .base import JSONType, UTCDateTime

if TYPE_CHECKING:
    from .initiatives import Initiative
    from .people import User


class ReviewDecisionKind(enum.StrEnum):
    CONTINUE = "continue"
    ESCALATE = "escalate"
    STOP = "stop"
    SCALE_UP = "scale_up"  # replicate in other units


REVIEW_DECISION_LABELS = {
    ReviewDecisionKind.CONTINUE: _l("continue"),
    ReviewDecisionKind.ESCALATE: _l("escalate"),
    ReviewDecisionKind.STOP: _l("stop"),
    ReviewDecisionKind.SCALE_UP: _l("scale up to other units"),
}


class Review(db.Model):
    """A periodic review by the Sekda's office. ``snapshot`` freezes the summary of its period
    when it starts, and ``agenda`` the initiatives to discuss; neither changes afterwards."""

    __tablename__ = "review"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    period_kind: Mapped[str] = mapped_column(sa.String(10))
    period_start: Mapped[date]
    period_end: Mapped[date]
    started_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    agenda: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)

    started_by: Mapped[User | None] = relationship()
    decisions: Mapped[list[ReviewDecision]] = relationship(
        back_populates="review", order_by=lambda: ReviewDecision.id, cascade="all, delete-orphan"
    )


class ReviewDecision(db.Model):
    """What a review decided about one initiative."""

    __tablename__ = "review_decision"
    __table_args__ = (
        sa.UniqueConstraint("review_id", "initiative_id", name="review_initiative"),
        sa.CheckConstraint("decision IN ('continue', 'escalate', 'stop', 'scale_up')",
                           name="decision_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("review.id", ondelete="CASCADE"))
    initiative_id: Mapped[int] = mapped_column(
        sa.ForeignKey("initiative.id", ondelete="CASCADE"), index=True
    )
    decision: Mapped[str] = mapped_column(sa.String(12))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    follow_up_on: Mapped[date | None]
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    review: Mapped[Review] = relationship(back_populates="decisions")
    initiative: Mapped[Initiative] = relationship()
    decided_by: Mapped[User | None] = relationship()

    @property
    def label(self) -> str:
        return str(REVIEW_DECISION_LABELS[ReviewDecisionKind(self.decision)])
