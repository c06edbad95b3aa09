"""Personal access tokens: how a program (a script, the city's planning system) speaks to the API
as a person, with that person's permissions and no more (issue 15).

Only the SHA-256 of a token's secret is kept: the secret is shown once, when it is made. A token
reads, or reads and writes; it ends on its expiry date or when it is revoked (by its owner or an
admin); it stops working while its owner's account is inactive. Its use is counted per minute
for the rate limit and its last use (when, from which address) is kept for the owner to see.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..domain.clock import to_local, utcnow
from ..extensions import db
from .base import UTCDateTime

if TYPE_CHECKING:
    from .people import User


class TokenScope(enum.StrEnum):
    READ = "read"
    WRITE = "write"


TOKEN_SCOPE_LABELS = {
    TokenScope.READ: _l("Read only"),
    TokenScope.WRITE: _l("Read and write"),
}


def token_scope_label(scope: str) -> str:
    try:
        return str(TOKEN_SCOPE_LABELS[TokenScope(scope)])
    except ValueError:
        return scope


class AccessToken(db.Model):
    __tablename__ = "access_token"
    __table_args__ = (
        sa.CheckConstraint("scope IN ('read', 'write')", name="scope_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    scope: Mapped[str] = mapped_column(sa.String(8))
    # The secret's first characters ("qwt_3fA9b2xK"): enough to tell tokens apart in a list or a
    # log, far too few to guess the rest.
    prefix: Mapped[str] = mapped_column(sa.String(16))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_from: Mapped[str | None] = mapped_column(sa.String(45))
    # The rate limit's current minute: when it began and how many requests it has seen.
    window_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    window_count: Mapped[int] = mapped_column(default=0, server_default="0")

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])

    @property
    def last_day(self) -> date | None:
        """The city's last day on which the token works (it ends at the next local midnight), or
        None for a token that does not expire."""
        if self.expires_at is None:
            return None
        return to_local(self.expires_at - timedelta(microseconds=1)).date()

    def can_write(self) -> bool:
        return self.scope == TokenScope.WRITE

    def state(self, now: datetime | None = None) -> str:
        """"active", "expired" or "revoked" (the owner's account aside)."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= (now or utcnow()):
            return "expired"
        return "active"

    def __repr__(self) -> str:
        return f"<AccessToken {self.prefix}… user={self.user_id} {self.scope}>"
