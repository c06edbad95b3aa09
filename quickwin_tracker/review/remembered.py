"""Remembered summaries: the summary page counts the city once per change, not once per read.

The summary's figures (``services.count_summary``) change only when the city does, or when a new
day begins. Both are known without counting anything: the database moves the ``change_clock``
tick on every write to what the summary reads (initiatives, milestones, indicators, measurements,
progress updates, budgets and spending, stages, dimensions, units, people; migrations 0012,
0014 and 0016), and the kept
statuses' basis (``lifecycle.kept.basis``) names the city's day, time zone, the status rule's
version and the stages' settings. So each process remembers the last few summaries it counted,
keyed by that tick, that basis, the reader's scope (the city or a manager's unit), the period,
the list cap, the language (reasons and status words are in it) and the settings the figures
read (``SETTINGS``: the update cadence, the budget's switch and flag thresholds); a read
that finds its key costs two small queries, the stale counts (``services.with_stale``, which
move with the time alone and read the trail and comments, which no clock follows) and the
template. Any write anywhere makes the next read count again, exactly as before.

What is remembered holds rows of the request that counted it (stages, dimensions, units); a later
read binds them to its own session by identity before the page reads them (``_rebound``), so no
object outlives its session. The stocktake pack and a review's snapshot (whole lists, rare) always
count afresh, as does any read in a transaction that has written (its writes may not have moved
the clock yet: PostgreSQL moves it at commit).
"""

from __future__ import annotations

import copy
import dataclasses
import threading
from collections import OrderedDict
from collections.abc import Hashable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import get_locale

from ..domain.clock import local_today, utcnow
from ..extensions import db
from ..lifecycle import kept
from ..lifecycle.stages import ordered_stages
from ..models import Dimension, Unit, User, change_clock
from .periods import Period
from .services import Summary, count_summary, scope_unit, with_stale

REMEMBERED = 16  # summaries kept per process (a key per scope, period and language in use)
# The settings the counted figures read: part of the key, so a change (in a test, say) counts anew.
SETTINGS = ("UPDATE_CADENCE_DAYS", "BUDGET", "BUDGET_FLAG_ABSORPTION", "BUDGET_FLAG_PROGRESS")
EXTENSION = "quickwin_summaries"


class Memory:
    """The last ``size`` summaries counted, least recently read dropped first; thread-safe."""

    def __init__(self, size: int = REMEMBERED) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, Summary] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Summary | None:
        with self._lock:
            summary = self._items.get(key)
            if summary is not None:
                self._items.move_to_end(key)
            return summary

    def put(self, key: Hashable, summary: Summary) -> None:
        with self._lock:
            self._items[key] = summary
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


def memory() -> Memory:
    """This app's memory (one per process and app)."""
    return current_app.extensions.setdefault(EXTENSION, Memory())


def remembered_summary(user: User, period: Period, sort: str = "code",
                       descending: bool = False, attention_limit: int = 10,
                       now: datetime | None = None) -> Summary:
    """``services.build_summary`` for the summary page, counted only when the city changed since
    the same summary was last counted (see the module docstring)."""
    now = now or utcnow()
    key = _key(user, period, attention_limit, now)
    remembered = memory().get(key) if key is not None else None
    if remembered is None:
        counted = count_summary(user, period, now, attention_limit)
        if key is not None:
            memory().put(key, counted)
    else:
        counted = _rebound(remembered)
    return with_stale(counted, now, sort, descending)


def _key(user: User, period: Period, attention_limit: int, now: datetime) -> Hashable | None:
    """What the counted figures depend on, or None when they cannot be remembered."""
    session = db.session
    if session.new or session.dirty or session.deleted:
        return None
    tick = session.scalar(sa.select(change_clock.c.tick).where(change_clock.c.id == 1))
    unit = scope_unit(user)
    return (tick, kept.basis(ordered_stages(), local_today(now)),
            unit.id if unit is not None else None, period, attention_limit, str(get_locale()),
            tuple(repr(current_app.config.get(name)) for name in SETTINGS))


def _rebound(summary: Summary) -> Summary:
    """``summary`` with every row of the database in it replaced by this session's (the same
    identity): dimensions, units and stages are read in three queries."""
    session = db.session
    # (held while rebinding: the session's identity map holds its rows weakly)
    held = [*session.scalars(sa.select(Dimension)), *session.scalars(sa.select(Unit)),
            *ordered_stages()]
    rebound = _rebind(summary, session)
    del held
    return rebound


def _rebind(value: Any, session: Any) -> Any:
    if isinstance(value, db.Model):
        identity = sa.inspect(value).identity_key
        return session.get(identity[0], identity[1]) if identity is not None else value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: _rebind(getattr(value, f.name), session)
                   for f in dataclasses.fields(value) if f.init}
        return dataclasses.replace(value, **changes)
    if isinstance(value, list):
        return [_rebind(v, session) for v in value]
    if isinstance(value, tuple) and type(value) is tuple:
        return tuple(_rebind(v, session) for v in value)
    if isinstance(value, dict):
        rebound = copy.copy(value)  # (of its own type: a Counter stays a Counter)
        for k, v in value.items():
            rebound[k] = _rebind(v, session)
        return rebound
    return value
