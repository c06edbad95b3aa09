"""Outcomes: indicators, their measurements, and the evidence behind them."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..domain.clock import utcnow
from ..extensions import db
from .base import UTCDateTime

if TYPE_CHECKING:
    from .initiatives import Initiative
    from .people import User


class Direction(enum.StrEnum):
    HIGHER = "higher"  # higher values are better
    LOWER = "lower"  # lower values are better


class PlanPeriod(enum.StrEnum):
    """How an indicator's trajectory is planned: a value at the end of each month or quarter."""

    MONTH = "month"
    QUARTER = "quarter"


class Indicator(db.Model):
    """An outcome indicator: what citizens feel, measured (baseline → target)."""

    __tablename__ = "indicator"
    __table_args__ = (
        sa.CheckConstraint("direction IN ('higher', 'lower')", name="direction_valid"),
        sa.Index("ix_indicator_initiative_position", "initiative_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(sa.ForeignKey("initiative.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(200))
    unit_of_measure: Mapped[str] = mapped_column(sa.String(40), default="")
    baseline: Mapped[float | None]
    target: Mapped[float | None]
    direction: Mapped[str] = mapped_column(sa.String(8), default=Direction.HIGHER.value)
    target_date: Mapped[date | None]
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The periods its trajectory is planned in (``outcomes.trajectory``); the planned values
    # themselves are ``plan`` rows, only once someone edited them (none: a straight line).
    plan_period: Mapped[str] = mapped_column(sa.String(8), default=PlanPeriod.QUARTER.value,
                                             server_default=PlanPeriod.QUARTER.value)

    initiative: Mapped[Initiative] = relationship(back_populates="indicators")
    measurements: Mapped[list[Measurement]] = relationship(
        back_populates="indicator", order_by=lambda: (Measurement.measured_on, Measurement.id),
        cascade="all, delete-orphan",
    )
    plan: Mapped[list[IndicatorPlan]] = relationship(
        back_populates="indicator", order_by=lambda: IndicatorPlan.period_end,
        cascade="all, delete-orphan", passive_deletes=True,
    )

    def __repr__(self) -> str:
        return f"<Indicator {self.id} {self.name!r}>"


class IndicatorPlan(db.Model):
    """A planned value of an indicator at the end of a period (its trajectory, edited). An
    indicator without rows follows the straight line from its baseline to its target
    (``outcomes.trajectory``). Changes bump the initiative's ``facts_version`` and move the
    ``change_clock`` (migration 0015), as indicator changes do."""

    __tablename__ = "indicator_plan"
    __table_args__ = (sa.UniqueConstraint("indicator_id", "period_end"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(sa.ForeignKey("indicator.id", ondelete="CASCADE"))
    period_end: Mapped[date]
    planned: Mapped[float]

    indicator: Mapped[Indicator] = relationship(back_populates="plan")

    def __repr__(self) -> str:
        return f"<IndicatorPlan {self.indicator_id} {self.period_end} {self.planned}>"


class MeasurementStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    VERIFIED = "verified"
    RETURNED = "returned"
    WITHDRAWN = "withdrawn"  # taken back with a reason: shown, never counted


# Measurements that stand as measured (returned and withdrawn ones do not): what "has a
# measurement" and "last measured on" read. Progress counts verified ones only.


STANDING_MEASUREMENT_STATUSES = (MeasurementStatus.SUBMITTED.value, MeasurementStatus.VERIFIED.value)


class Evidence(db.Model):
    """An uploaded evidence file, stored under the instance folder with a random name."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    stored_name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    original_name: Mapped[str] = mapped_column(sa.String(255))
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    uploaded_by: Mapped[User | None] = relationship()


class Measurement(db.Model):
    """A value of an indicator on a date, with its evidence. Counts toward progress only once a
    reviewer has verified it.

    Never edited silently: a correction (new value, date or note, with a reason) sends it back to
    "submitted" and is kept in the trail with old → new; a withdrawal (with a reason) makes it
    "withdrawn": still listed, counted nowhere."""

    __tablename__ = "measurement"
    __table_args__ = (
        sa.CheckConstraint("status IN ('submitted', 'verified', 'returned', 'withdrawn')",
                           name="status_valid"),
        sa.Index("ix_measurement_indicator_date", "indicator_id", "measured_on"),
        sa.Index("ix_measurement_status", "status"),
        # What was recorded lately (the summary's stale counts look back three weeks).
        sa.Index("ix_measurement_recorded_at", "recorded_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(sa.ForeignKey("indicator.id", ondelete="CASCADE"))
    value: Mapped[float]
    measured_on: Mapped[date]
    note: Mapped[str] = mapped_column(sa.Text, default="")
    link: Mapped[str] = mapped_column(sa.String(500), default="")
    evidence_id: Mapped[int | None] = mapped_column(sa.ForeignKey("evidence.id", ondelete="SET NULL"))
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(sa.String(12), default=MeasurementStatus.SUBMITTED.value)
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_note: Mapped[str] = mapped_column(sa.Text, default="")
    # The latest correction (the trail has every one, with old → new and the reason).
    corrected_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    corrected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_reason: Mapped[str] = mapped_column(sa.Text, default="", server_default="")

    indicator: Mapped[Indicator] = relationship(back_populates="measurements")
    evidence: Mapped[Evidence | None] = relationship()
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])
    corrected_by: Mapped[User | None] = relationship(foreign_keys=[corrected_by_id])
    withdrawn_by: Mapped[User | None] = relationship(foreign_keys=[withdrawn_by_id])
