"""People and the units they work in: users and their roles, OPDs, and sign-in throttling."""

from __future__ import annotations

import enum
import functools
import hashlib
import secrets
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates
from werkzeug.security import check_password_hash, generate_password_hash

from ..domain.clock import utcnow
from ..extensions import db
from .base import JSONType, UTCDateTime


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

# Where a user signs in from (``User.auth_source``).
AUTH_LOCAL, AUTH_OIDC, AUTH_LDAP = "local", "oidc", "ldap"
AUTH_SOURCES = (AUTH_LOCAL, AUTH_OIDC, AUTH_LDAP)


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
        # One row per external identity (an OpenID subject, an LDAP entry).
        sa.Index("ix_user_auth_source_external_id", "auth_source", "external_id", unique=True),
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
    # Where each kind of message goes (issue 16, ``channels``): {"digest": "telegram", ...};
    # a kind not in it goes by email. Always replaced whole, never mutated.
    notification_channels: Mapped[dict] = mapped_column(JSONType, default=dict,
                                                        server_default=sa.text("'{}'"))
    # The Telegram chat linked through the bot (``channels.telegram``); None when not linked.
    telegram_chat_id: Mapped[int | None] = mapped_column(sa.BigInteger, unique=True, index=True)
    telegram_linked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When Telegram answered "bot was blocked by the user": the link was dropped then.
    telegram_blocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The secret every session and remember-me cookie of this user carries (``get_id``). A new
    # one (``auth.services.end_all_sessions``: logout, password change or reset, deactivation, an
    # admin's "sign out everywhere") ends them all at once. Empty loads nobody.
    session_token: Mapped[str] = mapped_column(sa.String(64), default=new_session_token,
                                               server_default="")

    # The board as this person left it (``board.settings``): density, collapsed lanes, and
    # whether it opens on their unit or the whole city. Always replaced whole, never mutated.
    board_settings: Mapped[dict] = mapped_column(JSONType, default=dict,
                                                 server_default=sa.text("'{}'"))

    # Where this person signs in from (``identity/``): ``local`` (a password kept here),
    # ``oidc`` (``external_id``: "<issuer> <subject>") or ``ldap`` (``external_id``: the entry's
    # DN); and which mapping rule last set the role and unit, when (``identity/mapping.py``).
    auth_source: Mapped[str] = mapped_column(sa.String(8), default=AUTH_LOCAL,
                                             server_default=AUTH_LOCAL)
    external_id: Mapped[str | None] = mapped_column(sa.String(500))
    identity_rule: Mapped[str | None] = mapped_column(sa.String(300))
    identity_applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

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


class LoginAttempt(db.Model):
    """Failed sign-ins per key (``account:<email>`` or ``address:<ip>``) in the current window,
    shared by every worker (``auth/throttle.py``). The count only grows by atomic UPDATEs."""

    __tablename__ = "login_attempt"

    key: Mapped[str] = mapped_column(sa.String(300), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    count: Mapped[int] = mapped_column(default=0, server_default="0")


class SecondFactor(db.Model):
    """A user's second factor (TOTP, RFC 6238), once confirmed by a first code (``auth/totp.py``).

    ``last_step`` is the 30-second time step of the last code accepted: a code of that step or an
    earlier one is refused, so a code seen over a shoulder or replayed is worth nothing. It only
    grows, by an UPDATE that checks it (two workers cannot both accept one code)."""

    __tablename__ = "second_factor"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"),
                                         primary_key=True)
    # Base32, as authenticator apps read it. Never logged; see docs/identity.md on backups.
    secret: Mapped[str] = mapped_column(sa.String(64))
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_step: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")

    def __repr__(self) -> str:
        return f"<SecondFactor user={self.user_id}>"


class RecoveryCode(db.Model):
    """One of a user's one-time recovery codes, for a lost phone: only its salted hash is kept;
    ``used_at`` is set once, by an UPDATE that checks it is still unset."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(256))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<RecoveryCode user={self.user_id} used={self.used_at is not None}>"
