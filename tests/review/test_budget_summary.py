"""The summary's budget block on a known fixture: absorption per OPD and per dimension beside
verified outcome progress, "spent much, achieved little", the page and the stocktake workbook
(read back with openpyxl) showing the same figures."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from quickwin_tracker.domain.clock import local_today
from quickwin_tracker.extensions import db
from quickwin_tracker.models import Indicator, InitiativeBudget, Measurement, Spending
from quickwin_tracker.review.pack_xlsx import HEADER_ROW
from quickwin_tracker.review.periods import preset
from quickwin_tracker.review.services import build_summary

M = 1_000_000


@pytest.fixture
def budgets(team, make_initiative, make_unit):
    """DINKES: A (governance) 100 M planned, 80 M spent (+5 M withdrawn), verified progress 10 %
    (flagged); B (living) 200 M, 50 M, unmeasured; F (living) 10 M, 9 M, unmeasured (flagged).
    DISHUB: C (governance) 50 M, 45 M, progress 60 %; D (living) 0 planned, 1 M spent.
    E (economy, DISHUB): spending but no budget: not counted."""
    dishub = team.outsider.unit
    made = {}
    for key, unit, dimension, planned, spent, progress in (
            ("A", team.unit, "governance", 100 * M, [80 * M], 10.0),
            ("B", team.unit, "living", 200 * M, [50 * M], None),
            ("F", team.unit, "living", 10 * M, [9 * M], None),
            ("C", dishub, "governance", 50 * M, [45 * M], 60.0),
            ("D", dishub, "living", 0, [M], None),
            ("E", dishub, "economy", None, [3 * M], None)):
        initiative = make_initiative(unit=unit, dimension=dimension, title=f"Inisiatif {key}")
        if planned is not None:
            db.session.add(InitiativeBudget(initiative_id=initiative.id, planned=planned,
                                            program_code="1.02.02.2.01.0001"))
        for amount in spent:
            db.session.add(Spending(initiative_id=initiative.id, amount=amount,
                                    spent_on=date(2026, 11, 1)))
        if progress is not None:
            indicator = Indicator(initiative=initiative, name="Warga terlayani", baseline=0.0,
                                  target=100.0)
            db.session.add(Measurement(indicator=indicator, value=progress,
                                       measured_on=date(2026, 11, 1), status="verified"))
        made[key] = initiative
    db.session.add(Spending(initiative_id=made["A"].id, amount=5 * M, spent_on=date(2026, 11, 2),
                            withdrawn_at=made["A"].created_at, withdrawn_reason="Dobel"))
    db.session.commit()
    return made


def _summary(user):
    return build_summary(user, preset("year", local_today()))


def test_absorption_per_opd_and_dimension(team, budgets):
    b = _summary(team.reviewer).budget
    units = {row.key.code: row for row in b.units}
    assert set(units) == {"DINKES", "DISHUB"}
    dinkes, dishub = units["DINKES"], units["DISHUB"]
    assert (dinkes.initiatives, dinkes.planned, dinkes.realised) == (3, 310 * M, 139 * M)
    assert dinkes.absorption == pytest.approx(139 / 310 * 100)
    assert dinkes.average_progress == pytest.approx(10.0) and dinkes.flagged == 2
    assert (dishub.initiatives, dishub.planned, dishub.realised) == (2, 50 * M, 46 * M)
    assert dishub.absorption == pytest.approx(92.0)
    assert dishub.average_progress == pytest.approx(60.0) and dishub.flagged == 0

    dims = {row.key.code: row for row in b.dimensions}
    governance, living, economy = dims["governance"], dims["living"], dims["economy"]
    assert (governance.planned, governance.realised) == (150 * M, 125 * M)
    assert governance.absorption == pytest.approx(125 / 150 * 100)
    assert governance.average_progress == pytest.approx(35.0)
    assert (living.initiatives, living.planned, living.realised) == (3, 210 * M, 60 * M)
    assert living.average_progress is None and living.flagged == 1
    assert economy.initiatives == 0 and economy.absorption is None  # E has no budget

    assert (b.total.initiatives, b.total.planned, b.total.realised) == (5, 360 * M, 185 * M)


def test_spent_much_achieved_little(team, budgets, app):
    b = _summary(team.reviewer).budget
    assert b.flagged_total == 2
    assert [(f.title, f.planned, f.realised, f.progress) for f in b.flagged] == [
        ("Inisiatif F", 10 * M, 9 * M, None), ("Inisiatif A", 100 * M, 80 * M, 10.0)]
    app.config.update(BUDGET_FLAG_ABSORPTION=85, BUDGET_FLAG_PROGRESS=5)
    b = _summary(team.reviewer).budget
    assert [f.title for f in b.flagged] == ["Inisiatif F"] and b.flagged_total == 1


def test_a_manager_sees_their_unit(team, budgets):
    b = _summary(team.manager).budget
    assert [row.key.code for row in b.units] == ["DINKES"]
    assert b.total.realised == 139 * M


def test_the_page_and_the_workbook_show_the_figures(team, budgets, auth, client):
    auth.sign_in(team.reviewer)
    html = client.get("/summary?period=year").get_data(as_text=True)
    block = html[html.index('class="budget-summary"'):]
    row = block[block.index('data-unit="DINKES"'):]
    row = row[:row.index("</tr>")]
    assert "Rp 310.000.000" in row and "Rp 139.000.000" in row and ">45%<" in row
    assert 'class="budget-flagged"' in block and "Inisiatif F" in block

    response = client.get("/summary/stocktake.xlsx?period=year")
    wb = load_workbook(io.BytesIO(response.data))
    assert wb.sheetnames[-3:] == ["Anggaran per OPD", "Anggaran per Dimensi", "Serapan tinggi"]
    units = {r[0]: r[1:] for r in wb["Anggaran per OPD"].iter_rows(min_row=HEADER_ROW + 1,
                                                                     values_only=True)}
    assert units["DINKES"][:3] == (3, 310 * M, 139 * M)
    assert units["DINKES"][3] == pytest.approx(139 / 310)
    assert units["DISHUB"][4] == pytest.approx(0.6)
    flagged = [r for r in wb["Serapan tinggi"].iter_rows(min_row=HEADER_ROW + 1,
                                                          values_only=True)]
    assert [r[1] for r in flagged] == ["Inisiatif F", "Inisiatif A"]
    assert flagged[0][5] == pytest.approx(0.9) and flagged[0][6] is None
    assert client.get("/summary/stocktake.pdf?period=year").status_code == 200
