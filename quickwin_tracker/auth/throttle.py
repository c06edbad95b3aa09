"""Login throttling shared by every worker: failed sign-ins are counted in the database.

Two counters per failure: the account (``account:<normalised email>``) and the client address
(``address:<request.remote_addr>``). Within ``LOGIN_WINDOW_MINUTES`` an account may fail
``LOGIN_MAX_FAILURES`` times and an address four times as often (several people behind one
office NAT); after that the login answers 429 without checking the password until the window
ends. A successful sign-in clears the account's counter.

Behind a reverse proxy ``remote_addr`` is the proxy's address unless ``QUICKWIN_PROXY_FIX`` says
how many proxies to trust (werkzeug's ProxyFix, applied in ``create_app``); without it, every
visitor shares one address counter.

Counting is one atomic statement (INSERT … ON CONFLICT DO UPDATE SET count = count + 1), so
concurrent workers never lose a failure. Nothing here commits: the login view does.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from ..clock import utcnow
from ..extensions import db
from ..models import LoginAttempt, User, UTCDateTime

ADDRESS_FACTOR = 4


def account_key(email: str) -> str:
    return "account:" + User.normalise_email(email)[:254]


def address_key(address: str | None) -> str:
    return "address:" + (address or "unknown")[:200]


def _window() -> timedelta:
    return timedelta(minutes=current_app.config["LOGIN_WINDOW_MINUTES"])


def _limit(key: str) -> int:
    limit = current_app.config["LOGIN_MAX_FAILURES"]
    return limit * ADDRESS_FACTOR if key.startswith("address:") else limit


def blocked_for(keys: Iterable[str], now: datetime | None = None) -> timedelta | None:
    """How long until these keys may try again, or None when none of them is over its limit."""
    now = now or utcnow()
    window = _window()
    rows = db.session.execute(
        sa.select(LoginAttempt.key, LoginAttempt.window_start, LoginAttempt.count).where(
            LoginAttempt.key.in_(list(keys)), LoginAttempt.window_start > now - window
        )
    ).all()
    waits = [start + window - now for key, start, count in rows if count >= _limit(key)]
    return max(waits) if waits else None


def minutes(wait: timedelta) -> int:
    """A wait in whole minutes, rounded up (at least 1)."""
    return max(1, math.ceil(wait.total_seconds() / 60))


def record_failure(keys: Iterable[str], now: datetime | None = None) -> None:
    """Count one failed sign-in for each key, starting a new window where the old one ended."""
    now = now or utcnow()
    cutoff = now - _window()
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    table = LoginAttempt.__table__
    expired = table.c.window_start <= sa.literal(cutoff, UTCDateTime())
    for key in keys:
        statement = insert(table).values(key=key, window_start=now, count=1)
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.key],
            set_={
                "count": sa.case((expired, 1), else_=table.c.count + 1),
                "window_start": sa.case(
                    (expired, sa.literal(now, UTCDateTime())), else_=table.c.window_start
                ),
            },
        )
        db.session.execute(statement)


def clear(key: str) -> None:
    db.session.execute(sa.delete(LoginAttempt).where(LoginAttempt.key == key))
