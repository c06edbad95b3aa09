"""Scheduler leadership: one scheduler process at a time runs jobs; the others wait.

Two implementations of the same small interface:

- ``AdvisoryLock`` (PostgreSQL): a dedicated connection holding the session-level
  ``pg_try_advisory_lock(LOCK_KEY)``. PostgreSQL releases it by itself when that connection ends,
  so a scheduler that dies (even ``kill -9``) frees the lock at once. While leading, the
  connection is pinged; if it is lost, so is leadership.
- ``LeaseLock`` (SQLite, or any database): the ``scheduler_lease`` row ``name='scheduler'``,
  taken with ``UPDATE … WHERE expires_at < now OR holder = me`` (inserted when missing) for
  ``lease_seconds`` and renewed every ``renew_seconds``. A dead holder's lease simply expires.

Interface: ``acquire(now=None) -> bool`` takes the lock, or keeps (renews/checks) it when already
held, and says whether we hold it; ``held(now=None) -> bool`` answers from what we know without
touching the database; ``release()`` gives it up; ``renew_seconds`` is how often a leader calls
``acquire`` to keep it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import uuid
from datetime import UTC, datetime, timedelta
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from ..domain.clock import utcnow
from ..models import SchedulerLease

log = logging.getLogger(__name__)

LOCK_NAME = "scheduler"
# A constant, app-specific 64-bit key: the bytes of "quickwin" (fits a signed bigint).
LOCK_KEY = int.from_bytes(b"quickwin", "big")
_LONG_AGO = datetime(1970, 1, 1, tzinfo=UTC)


class LeaderLock(Protocol):
    renew_seconds: float

    def acquire(self, now: datetime | None = None) -> bool: ...

    def held(self, now: datetime | None = None) -> bool: ...

    def release(self) -> None: ...


def holder_id() -> str:
    """Who holds a lease: host, process and a random part (two locks in one process differ)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class LeaseLock:
    def __init__(self, engine: sa.Engine, *, name: str = LOCK_NAME, holder: str | None = None,
                 lease_seconds: float = 60, renew_seconds: float | None = None):
        self.engine = engine
        self.name = name
        self.holder = holder or holder_id()
        self.lease = timedelta(seconds=lease_seconds)
        self.renew_seconds = renew_seconds if renew_seconds is not None else lease_seconds / 3
        self._expires_at: datetime | None = None

    def acquire(self, now: datetime | None = None) -> bool:
        now = now or utcnow()
        table = SchedulerLease.__table__
        expires = now + self.lease
        try:
            with self.engine.begin() as conn:
                taken = conn.execute(
                    sa.update(table)
                    .where(table.c.name == self.name,
                           sa.or_(table.c.expires_at < now, table.c.holder == self.holder))
                    .values(holder=self.holder, expires_at=expires)
                ).rowcount == 1
            if not taken:
                try:
                    with self.engine.begin() as conn:
                        conn.execute(sa.insert(table).values(
                            name=self.name, holder=self.holder, expires_at=expires))
                    taken = True
                except IntegrityError:
                    taken = False  # the row exists and someone else's lease is valid
        except SQLAlchemyError as exc:  # database locked or unreachable: keep what we had
            log.warning("scheduler lease %r: %s", self.name, exc)
            return self.held(now)
        was_held = self.held(now)
        self._expires_at = expires if taken else None
        if taken and not was_held:
            log.info("scheduler lease %r taken by %s", self.name, self.holder)
        return taken

    def held(self, now: datetime | None = None) -> bool:
        return self._expires_at is not None and (now or utcnow()) < self._expires_at

    def release(self) -> None:
        if self._expires_at is None:
            return
        table = SchedulerLease.__table__
        try:
            with self.engine.begin() as conn:
                conn.execute(sa.update(table)
                             .where(table.c.name == self.name, table.c.holder == self.holder)
                             .values(expires_at=_LONG_AGO))
        except SQLAlchemyError as exc:  # it expires by itself
            log.warning("could not release scheduler lease %r: %s", self.name, exc)
        self._expires_at = None
        log.info("scheduler lease %r released by %s", self.name, self.holder)


class AdvisoryLock:
    def __init__(self, url: sa.URL | str, *, key: int = LOCK_KEY, renew_seconds: float = 10):
        self.url = url
        self.key = key
        self.renew_seconds = renew_seconds
        self._engine: sa.Engine | None = None
        self._conn: sa.Connection | None = None
        self._held = False

    def _connect(self) -> sa.Connection:
        if self._conn is None:
            # Its own engine without a pool: the lock lives and dies with this one connection.
            self._engine = sa.create_engine(self.url, poolclass=NullPool)
            self._conn = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        return self._conn

    def _drop_connection(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):  # already broken
                self._conn.close()
        if self._engine is not None:
            self._engine.dispose()
        self._conn = None
        self._engine = None
        self._held = False

    def acquire(self, now: datetime | None = None) -> bool:
        try:
            conn = self._connect()
            if self._held:
                conn.execute(sa.text("SELECT 1"))  # the lock lives as long as this session
                return True
            self._held = bool(conn.scalar(sa.text("SELECT pg_try_advisory_lock(:key)"),
                                          {"key": self.key}))
            if self._held:
                log.info("scheduler advisory lock %s taken", self.key)
            return self._held
        except SQLAlchemyError as exc:  # connection lost, closed or refused
            if self._held:
                log.warning("scheduler advisory lock lost with its connection: %s", exc)
            else:
                log.warning("cannot try the scheduler advisory lock: %s", exc)
            self._drop_connection()
            return False

    def held(self, now: datetime | None = None) -> bool:
        return self._held

    def release(self) -> None:
        if self._held and self._conn is not None:
            try:
                self._conn.scalar(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
                log.info("scheduler advisory lock %s released", self.key)
            except SQLAlchemyError as exc:  # gone with the connection anyway
                log.warning("could not unlock the scheduler advisory lock: %s", exc)
        self._drop_connection()


def make_lock(engine: sa.Engine, *, lease_seconds: float = 60) -> LeaderLock:
    """The right lock for the database behind ``engine``."""
    if engine.dialect.name == "postgresql":
        return AdvisoryLock(engine.url)
    return LeaseLock(engine, lease_seconds=lease_seconds)

