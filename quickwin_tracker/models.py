"""The domain model (SQLAlchemy 2.0 typed declarative).

The schema is created only by the migrations in ``migrations/``; every change here ships with a
reviewed revision (``quickwin db migrate``), and ``tests/test_migrations.py`` fails on drift.
"""

from __future__ import annotations

import enum
import functools
import hashlib
import secrets
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates
from werkzeug.security import check_password_hash, generate_password_hash

from .domain.clock import utcnow
from .extensions import db


class UTCDateTime(sa.TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend.

    PostgreSQL keeps ``timestamptz``; SQLite has no time zones, so values are stored as naive UTC
    and handed back aware. Naive input is refused: it is always a bug here.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware UTC datetime is required")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


MAX_ID = 2**31 - 1  # the largest value of the integer id columns (PostgreSQL ``integer``)

JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


class Role(enum.StrEnum):
    STAFF = "staff"
    MANAGER = "manager"
    REVIEWER = "reviewer"
    ADMIN = "admin"


ROLE_LABELS = {
    Role.STAFF: _l("OPD staff"),
    Role.MANAGER: _l("OPD head (manager)"),
    Role.REVIEWER: _l("Reviewer (Sekda's office)"),
    Role.ADMIN: _l("Administrator"),
}


def role_label(role: str) -> str:
    try:
        return str(ROLE_LABELS[Role(role)])
    except ValueError:
        return role


LOCALES = ("id", "en")


class LocalizedName:
    """Mixin for reference data named in both languages (``name_id``, ``name_en``)."""

    name_id: Mapped[str]
    name_en: Mapped[str]

    @property
    def name(self) -> str:
        locale = get_locale()
        return self.name_en if locale is not None and locale.language == "en" else self.name_id


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


class Unit(db.Model):
    """An OPD (organisasi perangkat daerah): a regional work unit that owns initiatives."""

    __tablename__ = "unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    head_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", use_alter=True, ondelete="SET NULL")
    )
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    head: Mapped[User | None] = relationship(foreign_keys=[head_id], post_update=True)

    @validates("code")
    def _normalise_code(self, key: str, value: str) -> str:
        return value.strip().upper()

    def __repr__(self) -> str:
        return f"<Unit {self.code}>"


def new_session_token() -> str:
    """A fresh random secret for ``User.session_token``."""
    return secrets.token_urlsafe(32)


@functools.cache
def _dummy_password_hash() -> str:
    """A hash of a random password, made once with the method real passwords get
    (``generate_password_hash``'s default, scrypt): what an unknown account is checked against."""
    return generate_password_hash(secrets.token_urlsafe(16))


def spend_password_check(password: str) -> bool:
    """Do the work of one password check, against the dummy hash, and fail: an unknown or inactive
    account, or one without a password, then costs what a known one costs (no timing difference
    tells who has an account). Always False."""
    check_password_hash(_dummy_password_hash(), password)
    return False


class User(UserMixin, db.Model):
    __tablename__ = "user"
    __table_args__ = (
        sa.CheckConstraint(
            "role IN ('staff', 'manager', 'reviewer', 'admin')", name="role_valid"
        ),
        sa.CheckConstraint("locale IN ('id', 'en')", name="locale_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased (see the validator), which makes uniqueness case-insensitive.
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    password_hash: Mapped[str] = mapped_column(sa.String(256), default="")
    role: Mapped[str] = mapped_column(sa.String(16), default=Role.STAFF.value)
    unit_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("unit.id", ondelete="SET NULL"), index=True
    )
    locale: Mapped[str] = mapped_column(sa.String(5), default="id", server_default="id")
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Secret for the user's iCalendar feed URLs; reset by the user to revoke old subscriptions.
    calendar_token: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    # Notification preferences (issue #4).
    digest_enabled: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    reminders_enabled: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    reminder_lead_days: Mapped[int] = mapped_column(default=3, server_default="3")
    # The secret every session and remember-me cookie of this user carries (``get_id``). A new
    # one (``auth.services.end_all_sessions``: logout, password change or reset, deactivation, an
    # admin's "sign out everywhere") ends them all at once. Empty loads nobody.
    session_token: Mapped[str] = mapped_column(sa.String(64), default=new_session_token,
                                               server_default="")

    unit: Mapped[Unit | None] = relationship(foreign_keys=[unit_id])

    @staticmethod
    def normalise_email(email: str) -> str:
        return email.strip().lower()

    @validates("email")
    def _normalise_email(self, key: str, value: str) -> str:
        return self.normalise_email(value)

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)  # scrypt, werkzeug's default

    def check_password(self, password: str) -> bool:
        if not self.password_hash:  # no password yet: as much work as a wrong one
            return spend_password_check(password)
        return check_password_hash(self.password_hash, password)

    @property
    def password_fingerprint(self) -> str:
        """A short digest of the password hash: it changes whenever the password does (the hash
        is salted), which voids password-reset links."""
        return hashlib.sha256(self.password_hash.encode()).hexdigest()[:16]

    def get_id(self) -> str:
        """``"<id>:<session token>"``: who this is, for as long as the token stands (Flask-Login's
        equality of users compares these)."""
        return f"{self.id}:{self.session_token}"

    def get_sign_in_id(self) -> str:
        """What a sign-in stores in the session and the remember-me cookie (Flask-Login's
        ``id_attribute``): ``get_id()`` plus the moment of signing in, so that a sign-in ends
        after ``QUICKWIN_REMEMBER_DAYS`` however its cookies are kept (``auth/sessions.py``)."""
        return f"{self.get_id()}:{int(utcnow().timestamp())}"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


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
    # Codes of the checks an initiative must pass to enter this stage (see ``lifecycle/gates.py``).
    gates: Mapped[list[str]] = mapped_column(JSONType, default=list, server_default=sa.text("'[]'"))
    # The rollout stage (exactly one active stage; see the class docstring).
    rollout: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    def __repr__(self) -> str:
        return f"<Stage {self.code}>"


class Initiative(db.Model):
    """A quick win, from proposal to rollout.

    ``version`` is SQLAlchemy's optimistic-locking counter: every ORM UPDATE checks and bumps it,
    so two people saving the same initiative cannot silently overwrite each other.
    """

    __tablename__ = "initiative"
    __table_args__ = (
        # The board reads cards cell by cell in order; the filters narrow by unit and owner.
        sa.Index("ix_initiative_board", "archived", "dimension_id", "stage_id", "position"),
        # The live board's version tag (count, sum of versions, latest update) from the index
        # alone: its cost does not grow with the width of the rows.
        sa.Index("ix_initiative_changes", "updated_at", "version"),
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


class Activity(db.Model):
    """The append-only trail. Rows are only ever inserted: the ORM refuses updates and deletes
    (see ``activity.py``) and database triggers refuse them too (migration 0001)."""

    __tablename__ = "activity"
    __table_args__ = (sa.Index("ix_activity_initiative_created", "initiative_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int | None] = mapped_column(sa.ForeignKey("initiative.id"))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    verb: Mapped[str] = mapped_column(sa.String(40))
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    initiative: Mapped[Initiative | None] = relationship()
    actor: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<Activity {self.verb} initiative={self.initiative_id}>"


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


class Direction(enum.StrEnum):
    HIGHER = "higher"  # higher values are better
    LOWER = "lower"  # lower values are better


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

    initiative: Mapped[Initiative] = relationship(back_populates="indicators")
    measurements: Mapped[list[Measurement]] = relationship(
        back_populates="indicator", order_by=lambda: (Measurement.measured_on, Measurement.id),
        cascade="all, delete-orphan",
    )

    def __repr__(self) -> str:
        return f"<Indicator {self.id} {self.name!r}>"


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


class Comment(db.Model):
    """A comment on an initiative: plain text, editable by its author for a short while."""

    __tablename__ = "comment"
    __table_args__ = (sa.Index("ix_comment_initiative_created", "initiative_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(sa.ForeignKey("initiative.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    initiative: Mapped[Initiative] = relationship()
    author: Mapped[User | None] = relationship()


class Notification(db.Model):
    """Something a user should see: for now an @mention in a comment."""

    __tablename__ = "notification"
    __table_args__ = (sa.Index("ix_notification_user_read", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(20))
    initiative_id: Mapped[int | None] = mapped_column(sa.ForeignKey("initiative.id", ondelete="CASCADE"))
    comment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("comment.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the mention email was queued (issue #4), so each mention is mailed once.
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    initiative: Mapped[Initiative | None] = relationship()
    comment: Mapped[Comment | None] = relationship()


class OutboxStatus(enum.StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"


class OutboxMessage(db.Model):
    """Every email, stored first in the transaction that decided to send it, then delivered by
    the outbox job. ``dedupe_key`` (e.g. ``digest:<user>:<ISO week>``) is unique, so the same
    digest or reminder can never be queued twice."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        sa.CheckConstraint("status IN ('queued', 'sent', 'failed')", name="status_valid"),
        sa.Index("ix_outbox_message_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(30))
    dedupe_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    to_address: Mapped[str] = mapped_column(sa.String(254))
    to_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    subject: Mapped[str] = mapped_column(sa.String(300))
    text_body: Mapped[str] = mapped_column(sa.Text)
    html_body: Mapped[str] = mapped_column(sa.Text, default="")
    headers: Mapped[dict[str, str]] = mapped_column(JSONType, default=dict)
    status: Mapped[str] = mapped_column(sa.String(10), default=OutboxStatus.QUEUED.value)
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    to_user: Mapped[User | None] = relationship()


class JobRun(db.Model):
    """One row per scheduled job per slot (e.g. ``weekly_digest`` / ``2026-W48``): a job whose
    slot already has a row does not run again, which makes catch-up after downtime idempotent."""

    __tablename__ = "job_run"
    __table_args__ = (sa.UniqueConstraint("job", "slot", name="job_slot"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(sa.String(50))
    slot: Mapped[str] = mapped_column(sa.String(50))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)


class SchedulerLease(db.Model):
    """The scheduler's leadership lease where no advisory lock exists (SQLite): one row per
    lock name, held by the process that renews it before ``expires_at``."""

    __tablename__ = "scheduler_lease"

    name: Mapped[str] = mapped_column(sa.String(50), primary_key=True)
    holder: Mapped[str] = mapped_column(sa.String(200))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


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


class LoginAttempt(db.Model):
    """Failed sign-ins per key (``account:<email>`` or ``address:<ip>``) in the current window,
    shared by every worker (``auth/throttle.py``). The count only grows by atomic UPDATEs."""

    __tablename__ = "login_attempt"

    key: Mapped[str] = mapped_column(sa.String(300), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    count: Mapped[int] = mapped_column(default=0, server_default="0")
