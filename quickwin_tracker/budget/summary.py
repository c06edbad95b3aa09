"""Budget on the Sekda's summary: absorption (penyerapan = realised ÷ planned) per OPD and per
dimension, beside the verified outcome progress of the same initiatives, and the initiatives that
spent much and achieved little. Called by ``review.services.build_summary`` (when the deployment
tracks budgets) with the summary's scope, after the kept statuses are refreshed.

What is counted:
- the initiatives in the summary's scope (not archived, existing by the period's end, the
  manager's unit) **that have a budget**; spending is every standing (not withdrawn) entry to
  date, whatever the period (absorption is of the year's budget, not of a window of it);
- absorption of a group = its realised sum ÷ its planned sum (a big budget weighs more than a
  small one), ``None`` when nothing is planned;
- outcome progress = the mean of the kept ``initiative_status.progress`` (verified measurements
  only) over the group's measured initiatives, as the per-OPD table's "average outcome progress";
- **spent much, achieved little**: planned > 0, absorption ≥ ``BUDGET_FLAG_ABSORPTION`` % (75)
  and verified progress < ``BUDGET_FLAG_PROGRESS`` % (25) or nothing verified yet; listed by
  absorption, highest first.

Two queries, whatever the city's size: one grouped by unit and dimension (the tables, the totals
and the flag count) and the flag list (``LIMIT``ed like the summary's other lists).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import current_app

from ..extensions import db
from ..models import Dimension, Initiative, InitiativeBudget, InitiativeStatus, Spending, Unit
from .services import absorption


@dataclass
class BudgetRow:
    """The budgeted initiatives of one unit, one dimension, or the whole scope."""

    key: Any  # a Unit, a Dimension, or None for the total
    initiatives: int = 0
    planned: int = 0
    realised: int = 0
    progress_sum: float = 0.0
    progress_count: int = 0
    flagged: int = 0

    @property
    def absorption(self) -> float | None:
        return absorption(self.planned, self.realised)

    @property
    def average_progress(self) -> float | None:
        return self.progress_sum / self.progress_count if self.progress_count else None

    def add(self, other: BudgetRow) -> None:
        self.initiatives += other.initiatives
        self.planned += other.planned
        self.realised += other.realised
        self.progress_sum += other.progress_sum
        self.progress_count += other.progress_count
        self.flagged += other.flagged


@dataclass(frozen=True, slots=True)
class Flagged:
    """An initiative that spent much of its budget with little verified outcome."""

    id: int
    title: str
    unit_code: str
    planned: int
    realised: int
    progress: float | None  # None: no verified measurement

    @property
    def absorption(self) -> float | None:
        return absorption(self.planned, self.realised)


@dataclass
class BudgetSummary:
    units: list[BudgetRow]  # units with a budgeted initiative, by code
    dimensions: list[BudgetRow]  # every dimension, in order
    total: BudgetRow
    flagged: list[Flagged] = field(default_factory=list)  # the first ``limit``
    absorption_threshold: int = 75
    progress_threshold: int = 25

    @property
    def flagged_total(self) -> int:
        return self.total.flagged


def thresholds() -> tuple[int, int]:
    """(absorption at or above, progress below), in percent points."""
    config = current_app.config
    return int(config["BUDGET_FLAG_ABSORPTION"]), int(config["BUDGET_FLAG_PROGRESS"])


def _realised() -> Any:
    """Standing spending per initiative (a subquery)."""
    return (sa.select(Spending.initiative_id, sa.func.sum(Spending.amount).label("realised"))
            .where(Spending.withdrawn_at.is_(None))
            .group_by(Spending.initiative_id).subquery())


def build_budget_summary(scope: list[sa.ColumnElement[bool]], units: list[Unit],
                         dimensions: list[Dimension], limit: int | None) -> BudgetSummary:
    """The budget figures of the initiatives ``scope`` selects (see the module docstring)."""
    spent_at_least, progress_below = thresholds()
    k, b, spent = InitiativeStatus, InitiativeBudget, _realised()
    realised = sa.func.coalesce(spent.c.realised, 0)
    flag = sa.and_(b.planned > 0, realised * 100 >= b.planned * spent_at_least,
                   sa.or_(k.progress.is_(None), k.progress < progress_below))

    def joined(stmt: sa.Select) -> sa.Select:
        return (stmt.select_from(Initiative)
                .join(b, b.initiative_id == Initiative.id)
                .outerjoin(k, k.initiative_id == Initiative.id)
                .outerjoin(spent, spent.c.initiative_id == Initiative.id)
                .where(*scope))

    by_unit = {u.id: BudgetRow(u) for u in units}
    by_dimension = {d.id: BudgetRow(d) for d in dimensions}
    total = BudgetRow(None)
    for (unit_id, dimension_id, n, planned, realised_sum, progress_sum, progress_count,
         flagged) in db.session.execute(joined(sa.select(
            Initiative.unit_id, Initiative.dimension_id, sa.func.count(), sa.func.sum(b.planned),
            sa.func.sum(realised), sa.func.sum(k.progress), sa.func.count(k.progress),
            sa.func.sum(sa.case((flag, 1), else_=0))))
            .group_by(Initiative.unit_id, Initiative.dimension_id)):
        group = BudgetRow(None, n, int(planned or 0), int(realised_sum or 0),
                          float(progress_sum or 0.0), progress_count or 0, int(flagged or 0))
        for row in (by_unit.get(unit_id), by_dimension.get(dimension_id), total):
            if row is not None:
                row.add(group)

    share = sa.cast(realised, sa.Float) / b.planned  # (planned > 0 where the flag holds)
    stmt = joined(sa.select(Initiative.id, Initiative.title, Unit.code, b.planned, realised,
                            k.progress)).join(Unit, Unit.id == Initiative.unit_id).where(flag)
    stmt = stmt.order_by(share.desc(), Initiative.id)
    if limit is not None:
        stmt = stmt.limit(limit)
    flagged_rows = [Flagged(i, title, code, int(planned), int(realised_value), progress)
                    for i, title, code, planned, realised_value, progress
                    in db.session.execute(stmt)]
    return BudgetSummary(
        units=[row for row in by_unit.values() if row.initiatives],
        dimensions=list(by_dimension.values()), total=total, flagged=flagged_rows,
        absorption_threshold=spent_at_least, progress_threshold=progress_below)
