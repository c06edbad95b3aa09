"""Kept statuses: each initiative's derived status (``status.assess``), its outcome progress and
its indicators' standing, kept in ``initiative_status`` so that the summary can count them in SQL
(one grouped query) instead of assessing every initiative of the city on every request.

The status rule stays the one in ``status.py``; this module only remembers its answers, and
never serves a stale one:

- A kept row records what it was computed from: the **basis** (``RULE_VERSION``, the city's date
  and time zone, the stages' settings that the rule reads: position, retired, rollout stage,
  expected days, and the achievement bands, ``QUICKWIN_ACHIEVEMENT_BANDS``) and the
  initiative's **inputs** (``facts_version``, which the database bumps on every change of its
  milestones, indicators, their plans or measurements, see migrations 0008 and 0015; its stage,
  stage entry and target date; its creation never changes).
- ``refresh`` recomputes, before any read, the rows whose basis or inputs differ from today's: in
  the morning every row (the date is in the basis: "3 days overdue" becomes 4), during the day
  only the initiatives someone changed. The nightly job (``refresh_statuses_job``, daily at
  ``STATUS_REFRESH_TIME``) does the morning's work before anyone asks.
- It records the basis and the ``change_clock`` tick it found every row current at
  (``status_refresh``); while both hold, nothing a status reads has changed (the clock moves
  with every change of an initiative, milestone, indicator, measurement or stage, migration
  0012) and a refresh is one small query.
- Besides the status, a kept row holds what the summary counts: outcome progress and the
  indicators met, behind and unmeasured, a standing measurement, the overdue milestones, and the
  latest rollout from the trail (a rollout moves the stage, so it is never missed), and the
  outcome against its plan for the basis's date (``planned_progress``, ``progress_variance``:
  means over the measured indicators with a planned path, ``Facts.against_plan``).
- It also counts the initiative's indicators per achievement band for the basis's date
  (``bands.py``: ``band_1`` the first configured band … ``unbanded``), so the summary sums bands
  per OPD and dimension in its one grouped query; the bands are in the basis.
- Bump ``RULE_VERSION`` whenever ``assess`` or the kept figures change meaning: every row is then
  computed again on its next read.

Refreshing writes in the reader's transaction (a GET of the summary writes here); the caller
commits (a page: ``keep_after_response``). Two readers refreshing the same rows at once both
write the same answer (an upsert).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask import Response, after_this_request, current_app
from sqlalchemy.dialects import postgresql, sqlite

from ..domain.clock import aware_utc, local_today
from ..extensions import db
from ..models import Activity, Initiative, InitiativeStatus, Stage, change_clock, status_refresh
from .bands import MAX_BANDS, band_counts
from .stages import RolledOut, ordered_stages, rolled_out
from .status import Facts, assess_many

RULE_VERSION = 3  # 2: outcome judged against the planned path; 3: bands kept (issue 14)
FACTS_FOR_SCOPE = 200  # more stale rows than this: read facts for the scope, not an id list
UPSERT_BATCH = 500


def basis(stages: Sequence[Stage], today: date) -> str:
    """What every kept status of ``today`` was computed under (see the module docstring)."""
    settings = ";".join(f"{s.id},{s.position},{int(s.retired)},{int(s.rollout)},{s.expected_days}"
                        for s in sorted(stages, key=lambda s: s.id))
    settings += "|" + current_app.config["ACHIEVEMENT_BANDS"]
    digest = hashlib.sha256(settings.encode()).hexdigest()[:16]
    return f"{RULE_VERSION}|{today.isoformat()}|{current_app.config['TIMEZONE']}|{digest}"[:80]


def _stale(current: str) -> sa.ColumnElement[bool]:
    """An initiative (joined to its kept row, if any) whose kept status is missing or stale."""
    k = InitiativeStatus
    return sa.or_(k.initiative_id.is_(None), k.basis != current,
                  k.facts_version != Initiative.facts_version, k.stage_id != Initiative.stage_id,
                  k.stage_entered_at != Initiative.stage_entered_at,
                  k.target_date.is_distinct_from(Initiative.target_date))


def refresh(today: date | None = None, stages: Sequence[Stage] | None = None) -> int:
    """Recompute the kept statuses of the initiatives (not archived) that are missing or stale;
    how many were. One query while nothing changed since the last refresh (the ``change_clock``
    tick and the basis are those ``status_refresh`` recorded); else one to find the stale rows,
    ``assess_many``'s two and one for their rollouts, and the upserts."""
    today = today or local_today()
    stages = list(stages) if stages is not None else ordered_stages()
    current = basis(stages, today)
    tick, marked_basis, marked_tick = db.session.execute(
        sa.select(change_clock.c.tick,
                  sa.select(status_refresh.c.basis).where(status_refresh.c.id == 1)
                  .scalar_subquery(),
                  sa.select(status_refresh.c.tick).where(status_refresh.c.id == 1)
                  .scalar_subquery())
        .where(change_clock.c.id == 1)
    ).one()
    if (marked_basis, marked_tick) == (current, tick):
        return 0
    scope = [Initiative.archived.is_(False)]
    stale = db.session.execute(
        sa.select(Initiative.id, Initiative.stage_id, Initiative.stage_entered_at,
                  Initiative.created_at, Initiative.target_date, Initiative.facts_version)
        .outerjoin(InitiativeStatus, InitiativeStatus.initiative_id == Initiative.id)
        .where(*scope, _stale(current))
    ).all()
    if stale:
        facts_scope = (sa.select(Initiative.id).where(*scope)
                       if len(stale) > FACTS_FOR_SCOPE else None)
        assessed = assess_many(stale, stages, today, scope=facts_scope)
        rollouts = _last_rollouts([row.id for row in stale], rolled_out(stages), facts_scope)
        rows = [_kept(row, current, today, *assessed[row.id], rollouts.get(row.id))
                for row in stale]
        for start in range(0, len(rows), UPSERT_BATCH):
            db.session.execute(_upsert(InitiativeStatus.__table__, "initiative_id"),
                               rows[start:start + UPSERT_BATCH])
    db.session.execute(_upsert(status_refresh, "id"), [{"id": 1, "basis": current, "tick": tick}])
    return len(stale)


def _last_rollouts(ids: list[int], done: RolledOut,
                   scope: sa.Select[Any] | None) -> dict[int, datetime]:
    """The latest trail entry that rolled each initiative out (``RolledOut.rollout_moves``)."""
    if not done.codes:
        return {}
    return dict(db.session.execute(
        sa.select(Activity.initiative_id, sa.func.max(Activity.created_at))
        .where(done.rollout_moves(), Activity.initiative_id.in_(ids if scope is None else scope))
        .group_by(Activity.initiative_id)
    ).all())


def _kept(row: Any, current: str, today: date, assessment: Any, facts: Facts,
          rolled_out_at: datetime | None) -> dict[str, Any]:
    indicators = facts.indicator_progress
    measured = [p for p in indicators if p is not None]
    planned, variance = facts.against_plan(today)
    return {
        "initiative_id": row.id, "basis": current, "facts_version": row.facts_version,
        "stage_id": row.stage_id, "stage_entered_at": row.stage_entered_at,
        "target_date": row.target_date, "status": assessment.status.value,
        "progress": facts.progress,
        "planned_progress": planned, "progress_variance": variance,
        **band_columns(facts.indicator_achievements),
        "indicators_met": sum(1 for p in measured if p >= 100),
        "indicators_behind": sum(1 for p in measured if p < 100),
        "indicators_unmeasured": len(indicators) - len(measured),
        "measured": bool(facts.pending or facts.verified),
        "overdue_milestones": sum(1 for _title, due in facts.overdue if due < today),
        "rolled_out_at": aware_utc(rolled_out_at),
    }


def band_columns(achievements: Sequence[float | None]) -> dict[str, int]:
    """``band_1`` … ``band_8`` and ``unbanded`` of a kept row (``bands.band_counts``)."""
    counts, unbanded = band_counts(achievements)
    columns = {f"band_{n}": 0 for n in range(1, MAX_BANDS + 1)}
    columns.update({f"band_{n}": k for n, k in enumerate(counts, start=1)})
    columns["unbanded"] = unbanded
    return columns


def _upsert(table: sa.Table, key: str) -> sa.Insert:
    """INSERT … ON CONFLICT (key) DO UPDATE, in the session's dialect (Core: one executemany,
    whatever is None)."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(table)
    return stmt.on_conflict_do_update(index_elements=[key], set_={
        c.name: stmt.excluded[c.name] for c in table.columns if c.name != key})


def keep_after_response() -> None:
    """In a request that reads (a GET of the summary, its pack), commit what ``refresh`` wrote
    once the response is made: committing earlier would expire every object the page still
    reads, and a reader's refresh is a cache worth keeping for the next reader."""
    @after_this_request
    def _commit(response: Response) -> Response:
        db.session.commit()
        return response


def refresh_statuses_job(now: datetime) -> dict[str, int]:
    """The nightly job: every initiative's kept status for the new day, before the first reader."""
    refreshed = refresh(local_today(now))
    db.session.commit()
    return {"refreshed": refreshed}
