"""Throttling of sign-ins and password-reset emails, shared by every worker: counted in the database.

Sign-in: each failed sign-in counts once under three keys, each with its own limit within
``LOGIN_WINDOW_MINUTES`` (a window starts with the first failure under its key):

- ``pair:<address>|<account>``: the account from one client address, ``LOGIN_MAX_FAILURES``
  (default 5). This is the limit a guesser meets first, and it is keyed so that a stranger's
  failures from another address do not lock a colleague out of their own address;
- ``account:<account>``: the account from all addresses together,
  ``LOGIN_ACCOUNT_MAX_FAILURES`` (default 10 × ``LOGIN_MAX_FAILURES``): the ceiling for guessing
  spread over many addresses. Reaching it does lock the account out everywhere until its window
  ends, which takes that many addresses or that many failures;
- ``address:<address>``: one client address, whatever the accounts,
  ``LOGIN_ADDRESS_MAX_FAILURES`` (default 4 × ``LOGIN_MAX_FAILURES``: several people share an
  office NAT): one address trying many accounts.

When any key of a sign-in is over its limit, the login answers 429 *without checking the
password* (guessing gains nothing), saying in how many minutes and at what local time the
longest of the exceeded windows ends. A successful sign-in clears its pair key only: the account
and address counters keep counting what strangers did.

Password reset: every "forgot password" request counts once under ``reset-account:<account>``
(the email asked for, whether or not such an account exists) and ``reset-address:<address>``,
within an hour: ``PASSWORD_RESET_MAX_PER_ACCOUNT`` (default 3) and
``PASSWORD_RESET_MAX_PER_ADDRESS`` (default 10). Over either, no email is queued; the visitor's
answer is the same in every case (queued, throttled, unknown or inactive account).

Behind a reverse proxy ``remote_addr`` is the proxy's address unless ``QUICKWIN_PROXY_FIX`` says
how many proxies to trust (werkzeug's ProxyFix, applied in ``create_app``); without it, every
visitor shares one address.

Counting is one atomic statement per key (INSERT … ON CONFLICT DO UPDATE SET count = count + 1),
so concurrent workers never lose a failure. Nothing here commits: the views do.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from ..domain.clock import utcnow
from ..extensions import db
from ..models import LoginAttempt, User, UTCDateTime

RESET_WINDOW = timedelta(hours=1)


@dataclass(frozen=True)
class Rule:
    """At most ``limit`` counts under ``key`` within ``window``."""

    key: str
    limit: int
    window: timedelta


def _account(email: str) -> str:
    return User.normalise_email(email)[:254]


def _address(address: str | None) -> str:
    return (address or "unknown")[:40]  # an IPv6 address has at most 39 characters


def account_key(email: str) -> str:
    return "account:" + _account(email)


def address_key(address: str | None) -> str:
    return "address:" + _address(address)


def pair_key(email: str, address: str | None) -> str:
    return f"pair:{_address(address)}|{_account(email)}"


def login_rules(email: str, address: str | None) -> list[Rule]:
    """The three sign-in limits for ``email`` tried from ``address`` (see the module docstring)."""
    config = current_app.config
    window = timedelta(minutes=config["LOGIN_WINDOW_MINUTES"])
    return [
        Rule(pair_key(email, address), config["LOGIN_MAX_FAILURES"], window),
        Rule(account_key(email), config["LOGIN_ACCOUNT_MAX_FAILURES"], window),
        Rule(address_key(address), config["LOGIN_ADDRESS_MAX_FAILURES"], window),
    ]


def reset_rules(email: str, address: str | None) -> list[Rule]:
    """The two password-reset email limits (see the module docstring)."""
    config = current_app.config
    return [
        Rule("reset-account:" + _account(email), config["PASSWORD_RESET_MAX_PER_ACCOUNT"],
             RESET_WINDOW),
        Rule("reset-address:" + _address(address), config["PASSWORD_RESET_MAX_PER_ADDRESS"],
             RESET_WINDOW),
    ]


def blocked_for(rules: Iterable[Rule], now: datetime | None = None) -> timedelta | None:
    """How long until every rule allows again, or None when none is over its limit."""
    now = now or utcnow()
    rules = {rule.key: rule for rule in rules}
    rows = db.session.execute(
        sa.select(LoginAttempt.key, LoginAttempt.window_start, LoginAttempt.count)
        .where(LoginAttempt.key.in_(list(rules)))
    ).all()
    waits = []
    for key, start, count in rows:
        rule = rules[key]
        ends = start + rule.window
        if ends > now and count >= rule.limit:
            waits.append(ends - now)
    return max(waits) if waits else None


def minutes(wait: timedelta) -> int:
    """A wait in whole minutes, rounded up (at least 1)."""
    return max(1, math.ceil(wait.total_seconds() / 60))


def record(rules: Iterable[Rule], now: datetime | None = None) -> None:
    """Count one for each rule's key, starting a new window where the old one ended."""
    now = now or utcnow()
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    table = LoginAttempt.__table__
    for rule in rules:
        expired = table.c.window_start <= sa.literal(now - rule.window, UTCDateTime())
        statement = insert(table).values(key=rule.key, window_start=now, count=1)
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


def clear_account(email: str) -> None:
    """Forget the sign-in failures of an account (its own and those of every address): its owner
    has just proved who they are by choosing a new password through the emailed link."""
    account = _account(email)
    db.session.execute(sa.delete(LoginAttempt).where(sa.or_(
        LoginAttempt.key == "account:" + account,
        sa.and_(LoginAttempt.key.startswith("pair:", autoescape=True),
                LoginAttempt.key.endswith("|" + account, autoescape=True)),
    )))
