"""The stocktake pack: the Sekda's summary (or a review) as tables, for the workbook
(``pack_xlsx``) and the PDF (``pack_pdf``).

What it holds, in order: the headline figures, the dimension × stage matrix, the table per OPD,
outcome achievement per dimension, indicators by achievement band (``lifecycle.bands``) per OPD
and per dimension, the initiatives at risk or off track with their reasons, and review
decisions; then, when the deployment tracks budgets, absorption per OPD and per dimension and
"spent much, achieved little" (``budget/pack.py``; the summary's pack only: a review's frozen
snapshot holds no budget figures). Nothing is computed here that the pages do not show:

* for the summary (``summary_pack``), every figure comes from ``services.build_summary`` (the
  call the page makes, for the same period and sort), and the decisions are the latest review's
  (for a manager, those about their unit's initiatives);
* for a review (``review_pack``), the figures are its frozen ``snapshot``, the at-risk and
  off-track initiatives those of its ``agenda``, and the decisions its own, as on its page.

Cells keep their types (``Cell.kind``): counts are ints, shares are fractions shown as
percentages, so the workbook's numbers are numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import format_date, format_datetime, get_locale
from flask_babel import gettext as _

from ..domain.clock import utcnow
from ..extensions import db
from ..lifecycle.bands import Band
from ..lifecycle.status import Status
from ..models import Initiative, Review, ReviewDecision, Unit, User
from .services import Summary


@dataclass(frozen=True)
class Column:
    header: str
    kind: str  # text, int, number (one decimal), percent (a fraction), date, datetime
    width: float  # in characters (the workbook); the PDF shares its page width in proportion
    wrap: bool = False  # the workbook wraps long text (and line breaks) in its cells


@dataclass(frozen=True)
class Typed:
    """A cell whose kind differs from its column's (the headline: counts beside shares)."""

    value: Any
    kind: str


PDF_ATTENTION_ROWS = 60  # about three pages


@dataclass
class Table:
    key: str  # headline, matrix, units, outcomes, attention, decisions
    sheet: str  # the sheet's name (at most 31 characters)
    title: str
    columns: list[Column]
    rows: list[list[Any]]
    note: str = ""
    landscape: bool = False  # the PDF gives it a landscape page (the per-OPD table)
    # The PDF prints at most this many rows (the at-risk list of a large city runs to thousands:
    # the report shows the most urgent, the workbook every one); None: all.
    pdf_rows: int | None = None
    strong_rows: frozenset[int] = frozenset()  # rows (indexes into ``rows``) set in bold


@dataclass
class Pack:
    city: str
    title: str
    period: str
    scope: str  # the unit, or the review's title
    generated: str  # when, in the city's time zone
    file_stem: str
    tables: list[Table] = field(default_factory=list)

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)


def _named(item: dict[str, Any]) -> str:
    """A stage or dimension of a snapshot in the reader's language."""
    locale = get_locale()
    return item["name_en"] if locale is not None and locale.language == "en" else item["name_id"]


def _progress(value: float | None) -> float | None:
    """Outcome progress (percent points) as a fraction, so the workbook shows it as a percent."""
    return None if value is None else value / 100


def _header(pack_title: str, period_start: date, period_end: date, scope: str,
            stem: str, now: datetime | None) -> Pack:
    return Pack(
        city=current_app.config["CITY_NAME"],
        title=pack_title,
        period=period_line(period_start, period_end),
        scope=scope,
        generated=generated_line(now),
        file_stem=f"{stem}-{period_start.isoformat()}-{period_end.isoformat()}",
    )


def period_line(start: date, end: date) -> str:
    """The title block's period: "Period: 1 October 2026 – 31 December 2026"."""
    return _("Period: %(start)s – %(end)s", start=format_date(start, "long"),
             end=format_date(end, "long"))


def generated_line(now: datetime | None = None) -> str:
    """The title block's last line: when the pack was made, in the city's time zone."""
    return _("Generated %(when)s (%(zone)s)",
             when=format_datetime(now or utcnow(), "d MMMM yyyy HH:mm"),
             zone=current_app.config["TIMEZONE"])


# --------------------------------------------------------------------------- the tables


def _headline_table(h: dict[str, Any]) -> Table:
    figures = (
        (_("Active quick wins"), h.get("active"), "int"),
        (_("Rolled out in the period"), h.get("rolled_out_period"), "int"),
        (_("Rolled out this quarter"), h.get("rolled_out_quarter"), "int"),
        (_("Rolled out this year"), h.get("rolled_out_year"), "int"),
        (_("With at least one measurement"), h.get("with_measurement_share"), "percent"),
        (_("On track (or done)"), h.get("on_track_share"), "percent"),
        (_("Overdue milestones"), h.get("overdue_milestones"), "int"),
        (_("Average days from proposal to rollout"), h.get("average_days_to_rollout"), "number"),
        (_("Progress updates on time"), h.get("updates_on_time_share"), "percent"),
    )
    return Table("headline", _("Headline"), _("Headline figures"),
                 [Column(_("Figure"), "text", 44), Column(_("Value"), "number", 14)],
                 [[label, Typed(value, kind)] for label, value, kind in figures])


def _matrix_table(stages: list[tuple[str, str]], dimensions: list[tuple[str, str]],
                  counts: dict[tuple[str, str], int]) -> Table:
    """``stages`` and ``dimensions`` as (code, name); ``counts`` by (dimension, stage) code."""
    columns = [Column(_("Dimension"), "text", 28)]
    columns += [Column(name, "int", max(10, min(len(name) + 2, 18))) for _c, name in stages]
    columns.append(Column(_("Total"), "int", 10))
    rows = []
    for dim_code, dim_name in dimensions:
        values = [counts.get((dim_code, stage_code), 0) for stage_code, _n in stages]
        rows.append([dim_name, *values, sum(values)])
    totals = [sum(counts.get((d, s), 0) for d, _n in dimensions) for s, _m in stages]
    rows.append([_("Total"), *totals, sum(totals)])
    return Table("matrix", _("Matrix"), _("Dimensions and stages"), columns, rows)


def unit_columns(stage_names: list[str]) -> list[Column]:
    """The per-OPD table's columns (the PDF test looks for every header)."""
    return [
        Column(_("Unit"), "text", 12),
        Column(_("Unit name"), "text", 30),
        *[Column(name, "int", max(9, min(len(name) + 2, 16))) for name in stage_names],
        Column(_("Total"), "int", 8),
        Column(_("On track"), "int", 10),
        Column(_("At risk"), "int", 10),
        Column(_("Off track"), "int", 10),
        Column(_("Overdue milestones"), "int", 12),
        Column(_("Stale"), "int", 8),
        Column(_("Average outcome progress"), "percent", 12),
        Column(_("Updates on time"), "percent", 10),
        Column(_("Against plan (points)"), "number", 10),
    ]


def _units_table(stages: list[tuple[str, str]], units: list[dict[str, Any]]) -> Table:
    """``units`` in the snapshot's shape (``cycle.snapshot_of``): by_stage by stage code."""
    rows = [[u["code"], u["name"], *[u["by_stage"].get(code, 0) for code, _n in stages],
             u["total"], u["by_status"].get("on_track", 0), u["by_status"].get("at_risk", 0),
             u["by_status"].get("off_track", 0), u["overdue_milestones"], u["stale"],
             _progress(u["average_progress"]), u.get("updates_on_time"),
             u.get("average_variance")] for u in units]
    return Table("units", _("By OPD"), _("By unit (OPD)"),
                 unit_columns([name for _c, name in stages]), rows, landscape=True)


def _outcomes_table(outcomes: list[tuple[str, int, int, int, float | None]]) -> Table:
    return Table("outcomes", _("Outcomes"), _("Outcome achievement by dimension"),
                 [Column(_("Dimension"), "text", 28), Column(_("Target met"), "int", 14),
                  Column(_("Behind target"), "int", 14), Column(_("Not measured yet"), "int", 16),
                  Column(_("Against plan (points)"), "number", 14)],
                 [list(o) for o in outcomes],
                 note=_("Indicators counted by their latest verified measurement; against plan: "
                        "mean of verified minus planned progress for today, in points."))


def _bands_table(key: str, sheet: str, title: str, heads: list[Column],
                 bands: list[tuple[str, str]], rows: list[tuple[list[Any], dict[str, int]]]) -> Table:
    """Indicators by achievement band: ``heads`` (the row's names), a column per band of
    ``bands`` (key, label), not banded, total; ``rows``: (names, counts by band key, "" for not
    banded)."""
    columns = [*heads, *[Column(label, "int", max(10, min(len(label) + 2, 16)))
                         for _k, label in bands],
               Column(_("Not banded"), "int", 12), Column(_("Total"), "int", 8)]
    body = []
    for names, counts in rows:
        values = [counts.get(k, 0) for k, _label in bands] + [counts.get("", 0)]
        body.append([*names, *values, sum(values)])
    return Table(key, sheet, title, columns, body,
                 note=_("Indicators by achievement (latest verified value against the value "
                        "planned for today) in the configured bands."))


def _band_tables(bands: list[tuple[str, str]], by_unit: list[tuple[str, str, dict[str, int]]],
                 by_dimension: list[tuple[str, dict[str, int]]]) -> list[Table]:
    return [
        _bands_table("bands_units", _("Bands by OPD"), _("Achievement bands by unit (OPD)"),
                     [Column(_("Unit"), "text", 12), Column(_("Unit name"), "text", 30)],
                     bands, [([code, name], counts) for code, name, counts in by_unit]),
        _bands_table("bands_dimensions", _("Bands by dimension"),
                     _("Achievement bands by dimension"), [Column(_("Dimension"), "text", 28)],
                     bands, [([name], counts) for name, counts in by_dimension]),
    ]


def _band_counts(counts: dict[Any, int]) -> dict[str, int]:
    return {(str(k) if k is not None else ""): n for k, n in counts.items()}


def _attention_table(items: list[tuple[str, int, str, str, str]]) -> Table:
    """``items``: (status label, initiative id, title, unit code, reasons), worst first."""
    return Table("attention", _("Attention"), _("Needs attention: at risk and off track"),
                 [Column(_("Status"), "text", 12), Column(_("ID"), "int", 8),
                  Column(_("Initiative"), "text", 44), Column(_("Unit"), "text", 12),
                  Column(_("Reasons"), "text", 60)],
                 [list(i) for i in items], pdf_rows=PDF_ATTENTION_ROWS)


def _decisions_table(review: Review | None, unit: Unit | None) -> Table:
    """The decisions of ``review`` (about ``unit``'s initiatives only, when given), by title."""
    columns = [Column(_("ID"), "int", 8), Column(_("Initiative"), "text", 40),
               Column(_("Unit"), "text", 12), Column(_("Decision"), "text", 14),
               Column(_("Note"), "text", 48), Column(_("Follow-up date"), "date", 14),
               Column(_("Decided by"), "text", 22), Column(_("Decided at"), "datetime", 17)]
    if review is None:
        return Table("decisions", _("Decisions"), _("Review decisions"), columns, [],
                     note=_("No review has been started yet."))
    stmt = (sa.select(ReviewDecision, Initiative.title, Unit.code, User.name)
            .join(Initiative, Initiative.id == ReviewDecision.initiative_id)
            .join(Unit, Unit.id == Initiative.unit_id)
            .outerjoin(User, User.id == ReviewDecision.decided_by_id)
            .where(ReviewDecision.review_id == review.id)
            .order_by(Initiative.title, Initiative.id))
    if unit is not None:
        stmt = stmt.where(Initiative.unit_id == unit.id)
    rows = [[d.initiative_id, title, unit_code, d.label, d.note, d.follow_up_on, who or "",
             d.decided_at] for d, title, unit_code, who in db.session.execute(stmt)]
    return Table("decisions", _("Decisions"), _("Review decisions"), columns, rows,
                 note=_("Review: %(title)s", title=review.title))


# --------------------------------------------------------------------------- the packs


def latest_review() -> Review | None:
    return db.session.scalar(sa.select(Review).order_by(Review.started_at.desc(),
                                                        Review.id.desc()).limit(1))


def summary_pack(summary: Summary, now: datetime | None = None) -> Pack:
    """The summary as the page shows it (the per-OPD rows in the page's order)."""
    pack = _header(_("Quick-win stocktake"), summary.period.start, summary.period.end,
                   summary.unit.code if summary.unit else _("Whole city"), "stocktake", now)
    stages = [(s.code, s.name) for s in summary.stages]
    dims = [(d.code, d.name) for d in summary.dimensions]
    stage_codes = {s.id: s.code for s in summary.stages}
    dim_codes = {d.id: d.code for d in summary.dimensions}
    h = summary.headline
    units = [{
        "code": r.unit.code, "name": r.unit.name, "total": r.total,
        "by_stage": {stage_codes[s]: n for s, n in r.by_stage.items() if s in stage_codes},
        "by_status": {str(k): v for k, v in r.by_status.items()},
        "overdue_milestones": r.overdue_milestones, "stale": r.stale,
        "average_progress": r.average_progress, "updates_on_time": r.updates_on_time,
        "average_variance": r.average_variance,
    } for r in summary.unit_rows if r.total or not summary.unit]
    pack.tables = [
        _headline_table(vars(h)),
        _matrix_table(stages, dims, {(dim_codes[d], stage_codes[s]): n
                                     for (d, s), n in summary.matrix.items()
                                     if d in dim_codes and s in stage_codes}),
        _units_table(stages, units),
        _outcomes_table([(o.dimension.name, o.met, o.behind, o.unmeasured, o.average_variance)
                         for o in summary.outcomes]),
        *_band_tables([(b.key, b.label) for b in summary.bands],
                      [(r.unit.code, r.unit.name,
                        _band_counts(summary.bands_by_unit.get(r.unit.id, {})))
                       for r in summary.unit_rows if r.total or not summary.unit],
                      [(d.name, _band_counts(summary.bands_by_dimension.get(d.id, {})))
                       for d in summary.dimensions]),
        _attention_table([(summary.status_labels[a.status], row.id, row.title, row.unit_code,
                           a.reasons_text) for row, a in summary.attention]),
        _decisions_table(latest_review(), summary.unit),
    ]
    if summary.budget is not None:  # the deployment tracks budgets (``budget/pack.py``)
        from ..budget.pack import budget_tables

        pack.tables += budget_tables(summary.budget)
    return pack


def review_pack(review: Review, now: datetime | None = None) -> Pack:
    """A review as its page shows it: the frozen snapshot, its agenda and its decisions."""
    snapshot = review.snapshot or {}
    pack = _header(_("Quick-win stocktake"), review.period_start, review.period_end,
                   review.title, f"review-{review.id}", now)
    stages = [(s["code"], _named(s)) for s in snapshot.get("stages", [])]
    dims = [(d["code"], _named(d)) for d in snapshot.get("dimensions", [])]
    dim_names = dict(dims)
    labels = {str(s): s.label for s in Status}
    attention = [(labels[item["status"]], item["initiative_id"], item["title"], item["unit"],
                  "; ".join(item.get("reasons") or []))
                 for item in review.agenda or [] if item.get("status") in ("at_risk", "off_track")]
    pack.tables = [
        _headline_table(snapshot.get("headline", {})),
        _matrix_table(stages, dims, {(c["dimension"], c["stage"]): c["count"]
                                     for c in snapshot.get("matrix", [])}),
        _units_table(stages, snapshot.get("units", [])),
        _outcomes_table([(dim_names.get(o["dimension"], o["dimension"]), o["met"], o["behind"],
                          o["unmeasured"], o.get("average_variance"))
                         for o in snapshot.get("outcomes", [])]),
        *(_band_tables([(b["key"], Band(b["key"], b["minimum"]).label)
                        for b in snapshot["bands"]],
                       [(u["code"], u["name"], u["counts"])
                        for u in snapshot.get("bands_by_unit", [])],
                       [(dim_names.get(d["dimension"], d["dimension"]), d["counts"])
                        for d in snapshot.get("bands_by_dimension", [])])
          if snapshot.get("bands") else []),
        _attention_table(attention),
        _decisions_table(review, None),
    ]
    return pack
