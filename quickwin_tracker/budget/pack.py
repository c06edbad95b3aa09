"""The budget tables of the stocktake pack (``review.pack.summary_pack``): absorption per OPD and
per dimension beside outcome progress, and "spent much, achieved little" (every one: the workbook
lists all, the PDF the first :data:`PDF_FLAGGED_ROWS`). Amounts are whole Rupiah as numbers
(columns headed "(Rp)"), absorption and progress fractions shown as percentages."""

from __future__ import annotations

from flask_babel import gettext as _

from ..domain.texts import percent
from ..review.pack import Column, Table
from .summary import BudgetRow, BudgetSummary

PDF_FLAGGED_ROWS = 60


def _fraction(points: float | None) -> float | None:
    return None if points is None else points / 100


def _columns(first: str) -> list[Column]:
    return [Column(first, "text", 28), Column(_("With a budget"), "int", 10),
            Column(_("Planned (Rp)"), "int", 20), Column(_("Realised (Rp)"), "int", 20),
            Column(_("Absorption"), "percent", 12),
            Column(_("Average outcome progress"), "percent", 12),
            Column(_("Spent much, achieved little"), "int", 12)]


def _cells(row: BudgetRow) -> list:
    return [row.initiatives, row.planned, row.realised, _fraction(row.absorption),
            _fraction(row.average_progress), row.flagged]


def budget_tables(budget: BudgetSummary) -> list[Table]:
    note = _("Absorption = realised ÷ planned; outcome progress counts verified measurements only.")
    units = Table("budget_units", _("Budget by OPD"), _("Budget absorption by unit (OPD)"),
                  _columns(_("Unit")),
                  [[row.key.code, *_cells(row)] for row in budget.units]
                  + [[_("Total"), *_cells(budget.total)]], note=note)
    dimensions = Table("budget_dimensions", _("Budget by dimension"),
                       _("Budget absorption by dimension"), _columns(_("Dimension")),
                       [[row.key.name, *_cells(row)] for row in budget.dimensions], note=note)
    flagged = Table(
        "budget_flagged", _("Spent, little achieved"), _("Spent much, achieved little"),
        [Column(_("ID"), "int", 8), Column(_("Initiative"), "text", 44),
         Column(_("Unit"), "text", 12), Column(_("Planned (Rp)"), "int", 20),
         Column(_("Realised (Rp)"), "int", 20), Column(_("Absorption"), "percent", 12),
         Column(_("Outcome progress"), "percent", 12)],
        [[f.id, f.title, f.unit_code, f.planned, f.realised, _fraction(f.absorption),
          _fraction(f.progress)] for f in budget.flagged],
        note=_("Absorption of %(absorption)s or more, and verified outcome progress below "
               "%(progress)s or not measured yet.", absorption=percent(budget.absorption_threshold),
               progress=percent(budget.progress_threshold)),
        pdf_rows=PDF_FLAGGED_ROWS)
    return [units, dimensions, flagged]
