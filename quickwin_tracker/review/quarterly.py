"""The quarterly report (issue 14, item 7): one OPD's quick wins for one quarter, in the shape of
the monitoring forms (e-Monev, SAKIP) an OPD hands to Bappeda, as a stocktake ``Pack`` that
``pack_xlsx.workbook_bytes`` writes with the standard title block (city and title, the OPD, the
quarter in words, when it was generated). Plain functions; the views are ``report_views``.

**Which initiatives.** The unit's initiatives that existed by the period's end and are not
archived (the summary's scope, ``services._scope``), by dimension, then title.

**The main sheet, one row per quick win, then one per indicator.** A quick win's row carries
what belongs to the initiative: its number, title, dimension and stage, its budget (planned), the
budget realised to the period's end and the absorption, the health its latest update reported and
the notes of the period's updates. The rows below it carry its indicators (unit of measure,
baseline, final target, target for the period, realisation, achievement, band), with the
initiative's cells left empty. This is how SAKIP and Renja evaluation forms put a programme's
budget on the programme's row with its indicators under it, and it keeps every column summable:
a budget appears once (no double count when an analyst totals the column), a band once per
indicator. An initiative without indicators says so in the indicator column of its own row. With
budgets, a last row ("Total") sums the budget and its realisation.

**Period semantics** (the period is inclusive, in the city's dates):

- *target for the period*: the indicator's planned value on the period's last day
  (``lifecycle.trajectory``: the edited plan or the straight line), the final target when nothing
  is planned over time (``lifecycle.bands.planned_for``);
- *realisation*: the latest measurement **verified** (as of now) that was measured on or before
  the period's last day; submitted, returned and withdrawn ones never count, nor later ones;
- *achievement* (``lifecycle.bands.achievement``, SAKIP's direction-aware ratio) of the
  realisation against the period's target, rounded as the bands round it (two decimals) and
  written as a percentage; its *band* the configured label;
- *budget realised*: standing spending (withdrawn entries count nowhere, whenever withdrawn)
  spent on or before the period's last day: the realisation *to* the quarter's end against the
  budget, as monitoring forms report it; the "Anggaran" sheet lists the quarter's own entries;
- *reported health*: the latest progress update posted by the period's end (in it or before);
  *notes*: the period's updates, newest first, one line each (date, health, what moved, what
  blocks), each text cut to :data:`NOTE_CHARS`.

The other sheets: "Pembaruan", every progress update of those initiatives posted in the period;
"Anggaran" (only when the deployment tracks budgets, ``budget.services.enabled``), their standing
spending in the period, with a total. Without budgets the budget columns are left out.

**Queries**: a constant number whatever the unit's size: the initiatives (with their budgets),
the indicators, their plans, the latest verified value per indicator, the spending sums, the
period's spending, the updates (``tests/review/test_quarterly.py`` counts them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload, selectinload

from ..budget.services import absorption
from ..budget.services import enabled as budget_enabled
from ..domain.clock import local_date
from ..extensions import db
from ..lifecycle.bands import achievement, band_of, planned_for, rounded
from ..models import (
    Health,
    Indicator,
    Initiative,
    InitiativeBudget,
    Measurement,
    MeasurementStatus,
    ProgressUpdate,
    Spending,
    Unit,
)
from ..outcomes.plans import path_of
from .pack import Column, Pack, Table, generated_line, period_line
from .periods import Period, as_quarter
from .services import _scope

ROMAN = ("I", "II", "III", "IV")
NOTE_CHARS = 300  # what moved / what blocks, per update, in the notes cell
CELL_CHARS = 32_000  # Excel holds at most 32,767 characters in a cell


@dataclass
class _Initiative:
    initiative: Initiative
    planned: int | None = None
    program_code: str = ""
    realised: int = 0
    indicators: list[Indicator] = field(default_factory=list)
    latest: ProgressUpdate | None = None  # the latest update by the period's end
    updates: list[ProgressUpdate] = field(default_factory=list)  # the period's, newest first


# --------------------------------------------------------------------------- words


def period_words(period: Period) -> str:
    """"Triwulan IV 2026 (1 Okt – 31 Des 2026)" for a quarter, else the pack's period line."""
    whole = as_quarter(period)
    if whole is None:
        return period_line(period.start, period.end)
    year, number = whole
    return _("Quarter %(quarter)s %(year)s (%(start)s – %(end)s)", quarter=ROMAN[number - 1],
             year=str(year), start=format_date(period.start, "d MMM"),
             end=format_date(period.end, "d MMM yyyy"))


def file_stem(unit: Unit, period: Period) -> str:
    """``laporan-triwulan-DISKOMINFO-2026-T4`` (the file name Bappeda files it under)."""
    code = "".join(c if c.isalnum() or c in "-_" else "-" for c in unit.code)
    whole = as_quarter(period)
    if whole is None:
        return f"laporan-{code}-{period.start.isoformat()}-{period.end.isoformat()}"
    return f"laporan-triwulan-{code}-{whole[0]}-T{whole[1]}"


def _short(text: str) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= NOTE_CHARS else text[:NOTE_CHARS - 1].rstrip() + "…"


def _health(value: str | None) -> str | None:
    return Health(value).label if value in {h.value for h in Health} else value


def notes(updates: list[ProgressUpdate]) -> str:
    """The period's updates condensed, newest first, one line each."""
    lines = []
    for update in updates:
        line = _("%(date)s · %(health)s: %(moved)s",
                 date=format_date(local_date(update.created_at), "d MMM yyyy"),
                 health=_health(update.health), moved=_short(update.moved))
        if update.blocks.strip():
            line += " " + _("Blocks: %(blocks)s", blocks=_short(update.blocks))
        lines.append(line)
    text = "\n".join(lines)
    return text if len(text) <= CELL_CHARS else text[:CELL_CHARS - 1] + "…"


# --------------------------------------------------------------------------- reading


def _load(unit: Unit, period: Period, budgets: bool) -> list[_Initiative]:
    """Everything the report shows, a constant number of queries."""
    scope = [*_scope(period, unit)]
    in_scope = sa.select(Initiative.id).where(*scope)
    stmt = (sa.select(Initiative).where(*scope)
            .options(joinedload(Initiative.dimension), joinedload(Initiative.stage))
            .order_by(Initiative.id))
    if budgets:
        stmt = (stmt.add_columns(InitiativeBudget.planned, InitiativeBudget.program_code)
                .outerjoin(InitiativeBudget, InitiativeBudget.initiative_id == Initiative.id))
        loaded = {i.id: _Initiative(i, planned, code or "")
                  for i, planned, code in db.session.execute(stmt)}
    else:
        loaded = {i.id: _Initiative(i) for i in db.session.scalars(stmt)}
    if not loaded:
        return []
    # (in the dimensions' order, read from the joined-loaded dimensions)
    ordered = sorted(loaded.values(), key=lambda r: (r.initiative.dimension.position,
                                                     r.initiative.title, r.initiative.id))

    for indicator in db.session.scalars(
            sa.select(Indicator).where(Indicator.initiative_id.in_(in_scope))
            .options(selectinload(Indicator.plan))
            .order_by(Indicator.initiative_id, Indicator.position, Indicator.id)):
        loaded[indicator.initiative_id].indicators.append(indicator)

    if budgets:
        for initiative_id, total in db.session.execute(
                sa.select(Spending.initiative_id, sa.func.sum(Spending.amount))
                .where(Spending.initiative_id.in_(in_scope), Spending.withdrawn_at.is_(None),
                       Spending.spent_on <= period.end)
                .group_by(Spending.initiative_id)):
            loaded[initiative_id].realised = int(total or 0)

    ranked = (sa.select(ProgressUpdate.id, sa.func.row_number().over(
        partition_by=ProgressUpdate.initiative_id,
        order_by=(ProgressUpdate.created_at.desc(), ProgressUpdate.id.desc())).label("n"))
        .where(ProgressUpdate.initiative_id.in_(in_scope),
               ProgressUpdate.created_at < period.end_utc)
        .subquery())
    for update, n in db.session.execute(
            sa.select(ProgressUpdate, ranked.c.n).join(ranked, ranked.c.id == ProgressUpdate.id)
            .where(sa.or_(ranked.c.n == 1, ProgressUpdate.created_at >= period.start_utc))
            .options(joinedload(ProgressUpdate.author))
            .order_by(ProgressUpdate.created_at.desc(), ProgressUpdate.id.desc())):
        row = loaded[update.initiative_id]
        if n == 1:
            row.latest = update
        if update.created_at >= period.start_utc:
            row.updates.append(update)
    return ordered


def _realisations(rows: list[_Initiative], period: Period) -> dict[int, float]:
    """The latest verified value measured by the period's end, per indicator (one query)."""
    ids = [i.id for row in rows for i in row.indicators]
    if not ids:
        return {}
    ranked = (sa.select(Measurement.indicator_id, Measurement.value, sa.func.row_number().over(
        partition_by=Measurement.indicator_id,
        order_by=(Measurement.measured_on.desc(), Measurement.id.desc())).label("n"))
        .where(Measurement.indicator_id.in_(ids),
               Measurement.status == MeasurementStatus.VERIFIED.value,
               Measurement.measured_on <= period.end)
        .subquery())
    return {indicator_id: value for indicator_id, value, _n in
            db.session.execute(sa.select(ranked).where(ranked.c.n == 1))}


def _spending(rows: list[_Initiative], period: Period) -> list[tuple[Spending, _Initiative]]:
    """The standing entries spent in the period, by date (one query)."""
    by_id = {row.initiative.id: row for row in rows}
    if not by_id:
        return []
    return [(entry, by_id[entry.initiative_id]) for entry in db.session.scalars(
        sa.select(Spending).where(Spending.initiative_id.in_(list(by_id)),
                                  Spending.withdrawn_at.is_(None),
                                  Spending.spent_on >= period.start,
                                  Spending.spent_on <= period.end)
        .order_by(Spending.spent_on, Spending.id))]


# --------------------------------------------------------------------------- the tables


def main_columns(budgets: bool, quarterly: bool) -> list[Column]:
    columns = [
        Column(_("No"), "int", 5),
        Column(_("Quick win"), "text", 36, wrap=True),
        Column(_("Dimension"), "text", 16, wrap=True),
        Column(_("Stage"), "text", 14, wrap=True),
        Column(_("Indicator"), "text", 34, wrap=True),
        Column(_("Unit of measure"), "text", 12, wrap=True),
        Column(_("Baseline"), "measure", 11),
        Column(_("Final target"), "measure", 11),
        Column(_("Target for the quarter") if quarterly else _("Target for the period"),
               "measure", 11),
        Column(_("Realisation"), "measure", 11),
        Column(_("Achievement (%)"), "percent2", 12),
        Column(_("Band"), "text", 13),
    ]
    if budgets:
        columns += [
            Column(_("Budget (Rp)"), "int", 18),
            Column(_("Budget realised to the period's end (Rp)"), "int", 18),
            Column(_("Absorption (%)"), "percent", 12),
        ]
    columns += [
        Column(_("Reported health"), "text", 13, wrap=True),
        Column(_("Notes from the updates"), "text", 70, wrap=True),
    ]
    return columns


def _main_table(rows: list[_Initiative], realisations: dict[int, float], period: Period,
                budgets: bool) -> Table:
    body: list[list[Any]] = []
    strong: set[int] = set()
    gap = [None] * 3 if budgets else []
    for n, row in enumerate(rows, start=1):
        initiative = row.initiative
        first = [n, initiative.title, initiative.dimension.name, initiative.stage.name,
                 None if row.indicators else _("No indicator yet"), None, None, None, None, None,
                 None, None]
        if budgets:
            first += [row.planned, row.realised, _fraction(absorption(row.planned, row.realised))]
        first += [_health(row.latest.health) if row.latest else None, notes(row.updates)]
        strong.add(len(body))
        body.append(first)
        for indicator in row.indicators:
            planned = planned_for(path_of(indicator), indicator.target, period.end)
            value = realisations.get(indicator.id)
            score = achievement(value, planned, indicator.direction)
            band = band_of(score)
            body.append([None, None, None, None, indicator.name, indicator.unit_of_measure or None,
                         indicator.baseline, indicator.target,
                         None if planned is None else round(planned, 6), value,
                         None if score is None else round(rounded(score) / 100, 6),
                         band.label if band else None, *gap, None, None])
    if budgets and rows:
        planned_total = sum(r.planned or 0 for r in rows)
        realised_total = sum(r.realised for r in rows)
        strong.add(len(body))
        body.append([None, _("Total"), *[None] * 10, planned_total, realised_total,
                     _fraction(absorption(planned_total, realised_total)), None, None])
    note = _("Each quick win's row carries its budget and updates; its indicators follow on the "
             "rows below it. Realisation: the latest verified measurement up to the period's end; "
             "achievement: against the target for the period (SAKIP).")
    return Table("quarterly", _("Quarterly report"), _("Indicators, targets and budget"),
                 main_columns(budgets, as_quarter(period) is not None), body, note=note,
                 landscape=True, strong_rows=frozenset(strong))


def _fraction(points: float | None) -> float | None:
    """Percent points as the fraction a percent cell holds, without binary noise (0.7362, not
    0.7362000000000001)."""
    return None if points is None else round(points / 100, 6)


def _updates_table(rows: list[_Initiative]) -> Table:
    updates = sorted(((u, row) for row in rows for u in row.updates),
                     key=lambda pair: (pair[0].created_at, pair[0].id), reverse=True)
    return Table(
        "updates", _("Updates"), _("Progress updates in the period"),
        [Column(_("Posted at"), "datetime", 17), Column(_("Quick win"), "text", 36, wrap=True),
         Column(_("Author"), "text", 20), Column(_("Reported health"), "text", 13),
         Column(_("What moved"), "text", 50, wrap=True),
         Column(_("What blocks"), "text", 40, wrap=True),
         Column(_("Next steps"), "text", 40, wrap=True), Column(_("Link"), "text", 30)],
        [[u.created_at, row.initiative.title, u.author.name if u.author else None,
          _health(u.health), u.moved, u.blocks, u.next_steps, u.link] for u, row in updates],
        landscape=True)


def _spending_table(entries: list[tuple[Spending, _Initiative]]) -> Table:
    body: list[list[Any]] = [[entry.spent_on, row.initiative.title, row.program_code or None,
                              entry.amount, entry.note] for entry, row in entries]
    strong = frozenset()
    if body:
        strong = frozenset({len(body)})
        body.append([None, _("Total"), None, sum(entry.amount for entry, _row in entries), None])
    return Table("spending", _("Budget"), _("Spending in the period"),
                 [Column(_("Date"), "date", 12), Column(_("Quick win"), "text", 36, wrap=True),
                  Column(_("Programme code"), "text", 20), Column(_("Amount (Rp)"), "int", 18),
                  Column(_("Note"), "text", 50, wrap=True)],
                 body, note=_("Standing entries spent in the period; withdrawn ones count nowhere."),
                 strong_rows=strong)


def quarterly_pack(unit: Unit, period: Period, now: datetime | None = None) -> Pack:
    """The report of ``unit`` for ``period`` (see the module docstring)."""
    budgets = budget_enabled()
    rows = _load(unit, period, budgets)
    pack = Pack(city=current_app.config["CITY_NAME"],
                title=_("Quarterly report on quick-win achievement"),
                period=period_words(period), scope=f"{unit.code} · {unit.name}",
                generated=generated_line(now), file_stem=file_stem(unit, period))
    pack.tables = [_main_table(rows, _realisations(rows, period), period, budgets),
                   _updates_table(rows)]
    if budgets:
        pack.tables.append(_spending_table(_spending(rows, period)))
    return pack
