"""The stocktake pack: the workbook read back equals the page's figures (the same service call),
for the summary and for a review; the PDF holds the title and every per-OPD header; bad inputs."""

import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook

from quickwin_tracker.extensions import db
from quickwin_tracker.models import ReviewDecision
from quickwin_tracker.review.cycle import start_review
from quickwin_tracker.review.pack_xlsx import HEADER_ROW
from quickwin_tracker.review.periods import Period
from quickwin_tracker.review.services import build_summary
from tests.review.test_summary import NOW, city  # noqa: F401  (the known city)

YEAR = Period("custom", date(2026, 1, 1), date(2026, 12, 31))
YEAR_ARGS = "period=custom&start=2026-01-01&end=2026-12-31"
SHEETS = ["Ringkasan", "Matriks", "Per OPD", "Capaian", "Predikat per OPD", "Predikat per dimensi",
          "Perhatian", "Keputusan"]
# The summary's pack when the deployment tracks budgets (QUICKWIN_BUDGET, on by default); a
# review's pack is its frozen snapshot, which holds no budget figures.
BUDGET_SHEETS = ["Anggaran per OPD", "Anggaran per Dimensi", "Serapan tinggi"]


def _sheets(response, budget: bool | None = None) -> dict[str, list[tuple]]:
    """The workbook's rows by sheet; ``budget``: whether it holds the budget sheets (by default,
    a summary's pack does and a review's does not)."""
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype.endswith("spreadsheetml.sheet")
    wb = load_workbook(io.BytesIO(response.data))
    if budget is None:
        budget = "/summary/" in response.request.path
    assert wb.sheetnames == SHEETS + (BUDGET_SHEETS if budget else [])
    for ws in wb.worksheets:
        assert ws.freeze_panes == f"A{HEADER_ROW + 1}"  # title block and header stay in view
        assert "Kota Balikpapan" in ws["A1"].value
        assert ws.column_dimensions["A"].width >= 8
    return {ws.title: [tuple(r) for r in ws.iter_rows(min_row=HEADER_ROW, values_only=True)]
            for ws in wb.worksheets}


def _body(rows: list[tuple]) -> dict[str, tuple]:
    """The rows under the header, by their first cell."""
    return {r[0]: r[1:] for r in rows[1:]}


def test_summary_workbook_equals_the_page(city, auth, client):  # noqa: F811
    reviewer = city["users"]["reviewer"]
    review = start_review(city["users"]["admin"], YEAR, "Rapat Desember", now=NOW)
    b = city["initiatives"][1]
    db.session.add(ReviewDecision(review=review, initiative=b, decision="escalate",
                                  note="Butuh operator", follow_up_on=date(2027, 1, 10),
                                  decided_by=city["users"]["admin"], decided_at=NOW))
    db.session.commit()
    auth.login(reviewer)
    sheets = _sheets(client.get(f"/summary/stocktake.xlsx?{YEAR_ARGS}&sort=total&dir=desc"))
    s = build_summary(reviewer, YEAR, sort="total", descending=True)
    h = s.headline

    headline = [value for _label, value in sheets["Ringkasan"][1:]]
    assert headline[:4] == [h.active, h.rolled_out_period, h.rolled_out_quarter, h.rolled_out_year]
    assert all(isinstance(v, int) for v in headline[:4])  # numbers, not text
    assert headline[4] == pytest.approx(h.with_measurement_share)
    assert headline[5] == pytest.approx(h.on_track_share)
    assert headline[6] == h.overdue_milestones
    assert headline[7] == pytest.approx(h.average_days_to_rollout)

    matrix = _body(sheets["Matriks"])
    assert sheets["Matriks"][0] == ("Dimensi", *[st.name for st in s.stages], "Total")
    for dim in s.dimensions:
        assert matrix[dim.name] == (*[s.matrix.get((dim.id, st.id), 0) for st in s.stages],
                                    s.matrix_row_totals.get(dim.id, 0))
    assert matrix["Total"][-1] == sum(s.matrix.values())

    units = sheets["Per OPD"][1:]
    assert [r[0] for r in units] == [r.unit.code for r in s.unit_rows]  # the page's order
    for row, unit_row in zip(units, s.unit_rows, strict=True):
        stage_counts = row[2:2 + len(s.stages)]
        assert stage_counts == tuple(unit_row.by_stage.get(st.id, 0) for st in s.stages)
        total, on_track, at_risk, off_track, overdue, stale, progress, updates, variance = row[
            2 + len(s.stages):]
        assert variance == (None if unit_row.average_variance is None
                            else pytest.approx(unit_row.average_variance))
        assert updates == (None if unit_row.updates_on_time is None
                           else pytest.approx(unit_row.updates_on_time))
        assert (total, on_track, at_risk, off_track, overdue, stale) == (
            unit_row.total, unit_row.by_status.get("on_track", 0),
            unit_row.by_status.get("at_risk", 0), unit_row.by_status.get("off_track", 0),
            unit_row.overdue_milestones, unit_row.stale)
        if unit_row.average_progress is None:
            assert progress is None
        else:
            assert progress * 100 == pytest.approx(unit_row.average_progress)

    outcomes = _body(sheets["Capaian"])
    for o in s.outcomes:
        assert outcomes[o.dimension.name][:3] == (o.met, o.behind, o.unmeasured)
        assert outcomes[o.dimension.name][3] == (None if o.average_variance is None
                                                 else pytest.approx(o.average_variance))

    attention = sheets["Perhatian"][1:]
    assert [(r[1], r[2], r[3], r[4]) for r in attention] == [
        (row.id, row.title, row.unit_code, a.reasons_text) for row, a in s.attention]
    assert attention  # b at risk, d off track

    decisions = sheets["Keputusan"][1:]
    assert [(r[0], r[3], r[4], r[5].date()) for r in decisions] == [
        (b.id, "eskalasi", "Butuh operator", date(2027, 1, 10))]


def test_review_workbook_equals_its_page(city, auth, client):  # noqa: F811
    review = start_review(city["users"]["admin"], YEAR, "Rapat Desember", now=NOW)
    db.session.commit()
    auth.login(city["users"]["reviewer"])
    page = client.get(f"/reviews/{review.id}").get_data(as_text=True)
    assert f"/reviews/{review.id}/stocktake.xlsx" in page
    sheets = _sheets(client.get(f"/reviews/{review.id}/stocktake.xlsx"))
    snap = review.snapshot
    headline = [value for _label, value in sheets["Ringkasan"][1:]]
    assert headline[0] == snap["headline"]["active"]
    assert headline[1] == snap["headline"]["rolled_out_period"]
    assert headline[5] == pytest.approx(snap["headline"]["on_track_share"])
    units = {r[0]: r for r in sheets["Per OPD"][1:]}
    assert set(units) == {u["code"] for u in snap["units"]}
    for u in snap["units"]:
        assert units[u["code"]][2 + len(snap["stages"])] == u["total"]
    assert [r[1] for r in sheets["Perhatian"][1:]] == [
        i["initiative_id"] for i in review.agenda if i["status"] in ("at_risk", "off_track")]


def test_summary_page_links_to_the_pack_for_its_period(city, auth, client):  # noqa: F811
    auth.login(city["users"]["reviewer"])
    page = client.get(f"/summary?{YEAR_ARGS}").get_data(as_text=True)
    assert re.search(r'href="/summary/stocktake\.xlsx\?[^"]*start=2026-01-01', page)


def test_manager_pack_holds_their_unit_only(city, auth, client):  # noqa: F811
    auth.login(city["users"]["manager"])
    sheets = _sheets(client.get(f"/summary/stocktake.xlsx?{YEAR_ARGS}"))
    assert [r[0] for r in sheets["Per OPD"][1:]] == ["DUKCAPIL"]


@pytest.mark.parametrize("query", [
    "period=decade", "period=custom&start=2026-13-01&end=2026-12-31",
    "period=custom&start=2026-12-31&end=2026-01-01", "period=custom", "sort=nope",
])
def test_bad_inputs_are_400_with_a_reason(city, auth, client, query):  # noqa: F811
    auth.login(city["users"]["reviewer"])
    response = client.get(f"/summary/stocktake.xlsx?{query}")
    assert response.status_code == 400


def test_pack_permissions(city, auth, client):  # noqa: F811
    review = start_review(city["users"]["admin"], YEAR, now=NOW)
    db.session.commit()
    assert client.get("/summary/stocktake.xlsx").status_code in (302, 401)
    auth.login(city["users"]["staff"])
    assert client.get("/summary/stocktake.xlsx").status_code == 403
    assert client.get(f"/reviews/{review.id}/stocktake.xlsx").status_code == 403
    auth.logout()
    auth.login(city["users"]["reviewer"])
    assert client.get("/reviews/999999/stocktake.xlsx").status_code == 404


def _pdf_text(response) -> tuple[str, int]:
    from pypdf import PdfReader

    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(response.data))
    text = " ".join(page.extract_text() for page in reader.pages)
    return re.sub(r"\s+", " ", text), len(reader.pages)


def _unit_headers(stages) -> list[str]:
    from quickwin_tracker.review.pack import unit_columns

    return [c.header for c in unit_columns(stages)]


def test_summary_pdf_holds_title_and_every_unit_header(city, auth, client, app):  # noqa: F811
    auth.login(city["users"]["reviewer"])
    text, pages = _pdf_text(client.get(f"/summary/stocktake.pdf?{YEAR_ARGS}"))
    assert "Kota Balikpapan" in text and "Laporan capaian quick win" in text
    assert "1 Januari 2026" in text  # the period
    s = build_summary(city["users"]["reviewer"], YEAR)
    with app.test_request_context(headers={"Accept-Language": "id"}):
        headers = _unit_headers([st.name for st in s.stages])
    for header in headers:
        assert header in text, header
    for row in s.unit_rows:
        assert row.unit.code in text
    assert f"Halaman 1 dari {pages}" in text


def test_review_pdf_and_links(city, auth, client):  # noqa: F811
    review = start_review(city["users"]["admin"], YEAR, "Rapat Desember", now=NOW)
    db.session.commit()
    auth.login(city["users"]["reviewer"])
    page = client.get(f"/reviews/{review.id}").get_data(as_text=True)
    assert f"/reviews/{review.id}/stocktake.pdf" in page
    summary_page = client.get(f"/summary?{YEAR_ARGS}").get_data(as_text=True)
    assert re.search(r'href="/summary/stocktake\.pdf\?[^"]*start=2026-01-01', summary_page)
    text, _pages = _pdf_text(client.get(f"/reviews/{review.id}/stocktake.pdf"))
    assert "Rapat Desember" in text and "Laporan capaian quick win" in text


def test_pdf_falls_back_without_the_font(city, auth, client, app):  # noqa: F811
    app.config["PDF_FONT"] = "/nonexistent/font.ttf"
    auth.login(city["users"]["reviewer"])
    text, _pages = _pdf_text(client.get(f"/summary/stocktake.pdf?{YEAR_ARGS}"))
    assert "Laporan capaian quick win" in text


def test_bad_period_for_the_pdf_is_400(city, auth, client):  # noqa: F811
    auth.login(city["users"]["reviewer"])
    response = client.get("/summary/stocktake.pdf?period=custom&start=2026-12-31&end=2026-01-01")
    assert response.status_code == 400
    assert "Tanggal akhir lebih awal daripada tanggal mulai." in response.get_data(as_text=True)
    assert client.get(f"/reviews/999999/stocktake.pdf?{YEAR_ARGS}").status_code == 404


def test_a_long_at_risk_list_is_cut_in_the_pdf_and_whole_in_the_workbook(
        city, auth, client, make_initiative, monkeypatch):  # noqa: F811
    from datetime import UTC, datetime

    from quickwin_tracker.review import pack

    monkeypatch.setattr(pack, "PDF_ATTENTION_ROWS", 3)
    _dukcapil, dinkes = city["units"]
    for n in range(6):  # off track: the target date has passed
        make_initiative(dinkes, stage="pilot", dimension="living", title=f"Terlambat {n}",
                        created_at=datetime(2026, 1, 5, tzinfo=UTC), target_date=date(2026, 9, 1))
    auth.login(city["users"]["reviewer"])
    text, _pages = _pdf_text(client.get(f"/summary/stocktake.pdf?{YEAR_ARGS}"))
    assert "3 pertama dari 8, yang paling mendesak" in text  # 6 + d (off track) + b (at risk)
    # The most urgent: the oldest target dates (all six share theirs, then the longest known).
    assert [n for n in range(6) if f"Terlambat {n}" in text] == [0, 1, 2]
    attention = _sheets(client.get(f"/summary/stocktake.xlsx?{YEAR_ARGS}"))["Perhatian"]
    assert sum(1 for row in attention if row and row[1] and "Terlambat" in str(row[2])) == 6
