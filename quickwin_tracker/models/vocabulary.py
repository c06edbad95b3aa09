"""The lifecycle vocabulary: dimensions (the board's lanes), stages (its columns) and plan tags."""

from __future__ import annotations

import enum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import JSONType, LocalizedName


class Dimension(LocalizedName, db.Model):
    """One of the six Smart City dimensions; the board's swim lanes. Created by a data migration."""

    __tablename__ = "dimension"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name_id: Mapped[str] = mapped_column(sa.String(80))
    name_en: Mapped[str] = mapped_column(sa.String(80))
    colour: Mapped[str] = mapped_column(sa.String(7))
    position: Mapped[int] = mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<Dimension {self.code}>"


class Stage(LocalizedName, db.Model):
    """A workflow column. Ordered by ``position``; retired stages leave the board.

    Exactly one active stage is the **rollout stage** (``rollout``): entering it is rolling a quick
    win out, and initiatives in it, or in any stage placed after it, count as rolled out (see
    ``lifecycle.status.rolled_out``). The admin services keep it exactly one and active; the
    partial unique index makes a second one impossible.
    """

    __tablename__ = "stage"
    __table_args__ = (
        sa.CheckConstraint("wip_limit IS NULL OR wip_limit > 0", name="wip_limit_positive"),
        sa.CheckConstraint("expected_days IS NULL OR expected_days > 0", name="expected_days_positive"),
        sa.Index("uq_stage_rollout", "rollout", unique=True,
                 sqlite_where=sa.text("rollout"), postgresql_where=sa.text("rollout")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name_id: Mapped[str] = mapped_column(sa.String(80))
    name_en: Mapped[str] = mapped_column(sa.String(80))
    position: Mapped[int] = mapped_column(default=0)
    wip_limit: Mapped[int | None]
    retired: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # How long an initiative is expected to stay here; past it, the initiative is "at risk".
    expected_days: Mapped[int | None]
    # How often its initiatives' owners post a progress update (days, at least 1: the admin form
    # and service check it); None: the deployment's ``UPDATE_CADENCE_DAYS``.
    update_cadence_days: Mapped[int | None]
    # Codes of the checks an initiative must pass to enter this stage (see ``lifecycle/gates.py``).
    gates: Mapped[list[str]] = mapped_column(JSONType, default=list, server_default=sa.text("'[]'"))
    # The rollout stage (exactly one active stage; see the class docstring).
    rollout: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    def __repr__(self) -> str:
        return f"<Stage {self.code}>"


class TagKind(enum.StrEnum):
    RPJMD = "rpjmd"  # a programme of the city's medium-term development plan
    RENSTRA = "renstra"  # an OPD's strategic plan
    SDG = "sdg"  # a Sustainable Development Goal target


TAG_KIND_LABELS = {
    TagKind.RPJMD: _l("RPJMD programme"),
    TagKind.RENSTRA: _l("OPD Renstra goal"),
    TagKind.SDG: _l("SDG target"),
}


class Tag(db.Model):
    """A plan an initiative serves: an RPJMD programme, an OPD Renstra goal or an SDG target."""

    __tablename__ = "tag"
    __table_args__ = (
        sa.UniqueConstraint("kind", "code", name="kind_code"),
        sa.CheckConstraint("kind IN ('rpjmd', 'renstra', 'sdg')", name="kind_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    code: Mapped[str] = mapped_column(sa.String(40))
    name: Mapped[str] = mapped_column(sa.String(200))

    @property
    def label(self) -> str:
        return f"{self.kind.upper()} {self.code}"

    def __repr__(self) -> str:
        return f"<Tag {self.kind}:{self.code}>"
