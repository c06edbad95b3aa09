"""The quarterly report (issue 14 item 7): the workbook read back equals the known data cell by
cell, typed; who may download it; bad parameters; without budgets; a constant number of queries.
"""

from __future__ import annotations

import io
import itertools
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook

from quickwin_tracker.extensions import db
from quickwin_tracker.models import (
    Indicator,
    IndicatorPlan,
    InitiativeBudget,
    Measurement,
    ProgressUpdate,
    Spending,
)
from quickwin_tracker.review.pack_xlsx import HEADER_ROW
from quickwin_tracker.review.periods import quarter
from quickwin_tracker.review.quarterly import quarterly_pack

Q4 = "year=2026&quarter=4"
CREATED = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)

HEADERS = ("No", "Quick win", "Dimensi", "Tahap", "Indikator", "Satuan", "Nilai awal (baseline)",
           "Target akhir", "Target triwulan", "Realisasi", "Capaian (%)", "Predikat",
           "Pagu (Rp)", "Realisasi anggaran s.d. akhir periode (Rp)", "Penyerapan (%)",
           "Kondisi dilaporkan", "Catatan pembaruan")
NO_BUDGET = {"Pagu (Rp)", "Realisasi anggaran s.d. akhir periode (Rp)", "Penyerapan (%)"}


def at(day: date, hour: int = 2) -> datetime:
    """10:00 in Balikpapan (WITA, UTC+8) on ``day``."""
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=UTC)


@pytest.fixture
def known(team, make_initiative, make_user, dimensions, stages):
    """DINKES: "Antrean online" (two indicators, one lower-is-better with an edited plan; a
    budget with spending before, in, after the quarter and a withdrawn entry; updates before, in
    and after the quarter) and "Posyandu digital" (no indicator, no budget, one update before the
    quarter); an archived one, one created after the quarter and one of DISHUB, none reported."""
    unit = team.unit
    staff = team.staff
    a = make_initiative(unit, stage="in_progress", dimension="governance",
                        title="Antrean online puskesmas", created_at=CREATED,
                        target_date=date(2026, 12, 31))
    b = make_initiative(unit, stage="proposed", dimension="society", title="Posyandu digital",
                        created_at=CREATED, target_date=date(2027, 6, 30))
    make_initiative(unit, title="Diarsipkan", archived=True, created_at=CREATED)
    make_initiative(unit, title="Dibuat terlambat", created_at=at(date(2027, 1, 2)))
    other = make_initiative(team.outsider.unit, title="Milik Dishub", created_at=CREATED)

    wait = Indicator(initiative=a, name="Waktu tunggu", unit_of_measure="menit", baseline=60,
                     target=20, direction="lower", position=0)
    online = Indicator(initiative=a, name="Pendaftar online", unit_of_measure="orang",
                       baseline=0, target=1000, direction="higher", position=1)
    db.session.add_all([wait, online])
    db.session.flush()
    # The edited plan: 30 minutes by the end of December (the straight line would say 20).
    db.session.add_all([IndicatorPlan(indicator=wait, period_end=d, planned=v) for d, v in (
        (date(2026, 3, 31), 55), (date(2026, 6, 30), 45), (date(2026, 9, 30), 35),
        (date(2026, 12, 31), 30))])
    for indicator, value, day, status in (
            (wait, 40, date(2026, 9, 15), "verified"),
            (wait, 33, date(2026, 12, 10), "verified"),  # the realisation
            (wait, 25, date(2026, 12, 20), "submitted"),  # not verified: does not count
            (wait, 22, date(2027, 1, 5), "verified"),  # after the quarter
            (online, 950, date(2026, 11, 30), "verified"),  # the realisation
            (online, 2000, date(2026, 12, 15), "returned")):
        db.session.add(Measurement(indicator=indicator, value=value, measured_on=day,
                                   status=status))
    other_indicator = Indicator(initiative=other, name="Bus", baseline=0, target=10)
    db.session.add(other_indicator)
    db.session.add(Measurement(indicator=other_indicator, value=5, measured_on=date(2026, 11, 1),
                               status="verified"))

    db.session.add(InitiativeBudget(initiative=a, planned=200_000_000,
                                    program_code="1.02.02.2.01.0001"))
    db.session.add(InitiativeBudget(initiative=other, planned=1_000_000))
    for initiative, amount, day, withdrawn, note in (
            (a, 50_000_000, date(2026, 8, 10), False, "Server"),  # before: realised to date
            (a, 30_000_000, date(2026, 10, 15), False, "Pelatihan operator"),  # in the quarter
            (a, 40_000_000, date(2026, 11, 20), True, "Salah input"),  # withdrawn
            (a, 10_000_000, date(2027, 1, 10), False, "Januari"),  # after the quarter
            (other, 500_000, date(2026, 11, 1), False, "Dishub")):
        db.session.add(Spending(initiative=initiative, amount=amount, spent_on=day, note=note,
                                recorded_by=staff,
                                withdrawn_at=at(date(2026, 11, 21)) if withdrawn else None,
                                withdrawn_reason="salah" if withdrawn else ""))

    for initiative, day, health, moved, blocks, next_steps in (
            (a, date(2026, 9, 20), "on_track", "Server dipesan", "", ""),  # before
            (a, date(2026, 10, 20), "at_risk", "Server baru dipasang", "Jaringan lambat",
             "Tambah bandwidth"),
            (a, date(2026, 12, 5), "on_track", "Uji coba di 5 puskesmas", "", "Semua puskesmas"),
            (a, date(2027, 1, 3), "off_track", "Januari", "", ""),  # after
            (b, date(2026, 8, 1), "at_risk", "Belum ada kader", "Anggaran", ""),  # before
            (other, date(2026, 11, 1), "on_track", "Bus jalan", "", "")):
        db.session.add(ProgressUpdate(initiative=initiative, author=staff, health=health,
                                      moved=moved, blocks=blocks, next_steps=next_steps,
                                      link="https://contoh.go.id/x" if blocks else "",
                                      created_at=at(day)))
    db.session.commit()
    return {"a": a, "b": b, "other": other}


def _workbook(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype.endswith("spreadsheetml.sheet")
    return load_workbook(io.BytesIO(response.data))


def _rows(ws) -> list[tuple]:
    return [tuple(r) for r in ws.iter_rows(min_row=HEADER_ROW, values_only=True)]


def _cell_formats(ws, row: int) -> list[str]:
    return [c.number_format for c in ws[HEADER_ROW + row]]


def test_the_workbook_read_back_equals_the_data(known, team, auth, client):
    auth.sign_in(team.reviewer)
    response = client.get(f"/reports/quarterly.xlsx?unit=dinkes&{Q4}")
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=laporan-triwulan-DINKES-2026-T4.xlsx")
    wb = _workbook(response)
    assert wb.sheetnames == ["Laporan triwulanan", "Pembaruan", "Anggaran"]

    ws = wb["Laporan triwulanan"]
    assert ws["A1"].value == ("Kota Balikpapan · Laporan triwulanan capaian quick win: "
                              "Indikator, target dan anggaran")
    assert ws["A2"].value == "DINKES · Dinas Kesehatan"
    assert ws["A3"].value == "Triwulan IV 2026 (1 Okt – 31 Des 2026)"
    assert ws["A4"].value.startswith("Dibuat ")
    assert ws.freeze_panes == f"A{HEADER_ROW + 1}"
    rows = _rows(ws)
    assert rows[0] == HEADERS
    notes_a = ("5 Des 2026 · sesuai rencana: Uji coba di 5 puskesmas\n"
               "20 Okt 2026 · berisiko: Server baru dipasang Kendala: Jaringan lambat")
    # lower is better: (2 × 30 − 33) / 30 = 90 % (good); higher: 950 / 1000 = 95 % (very good)
    assert rows[1:] == [
        (1, "Antrean online puskesmas", "Smart Governance (Tata Kelola)", "Pelaksanaan",
         None, None, None, None, None, None, None, None,
         200_000_000, 80_000_000, 0.4, "sesuai rencana", notes_a),
        (None, None, None, None, "Waktu tunggu", "menit", 60, 20, 30, 33, 0.9, "Baik",
         None, None, None, None, None),
        (None, None, None, None, "Pendaftar online", "orang", 0, 1000, 1000, 950, 0.95,
         "Sangat Baik", None, None, None, None, None),
        (2, "Posyandu digital", "Smart Society (Masyarakat)", "Usulan", "Belum ada indikator",
         None, None, None, None, None, None, None, None, 0, None, "berisiko", None),
        (None, "Total", None, None, None, None, None, None, None, None, None, None,
         200_000_000, 80_000_000, 0.4, None, None),
    ]
    # Typed: numbers are numbers, shares are fractions shown as percentages, the budget whole
    # Rupiah; the quick win's row and the total are bold.
    indicator_row = _cell_formats(ws, 2)
    assert indicator_row[10] == "0.00%" and indicator_row[6:10] == ["General"] * 4
    assert all(isinstance(v, int | float) for v in rows[2][6:11])
    first = _cell_formats(ws, 1)
    assert first[12:15] == ["#,##0", "#,##0", "0.0%"]
    assert isinstance(rows[1][12], int) and isinstance(rows[1][13], int)
    assert ws.cell(HEADER_ROW + 1, 2).font.bold and not ws.cell(HEADER_ROW + 2, 5).font.bold
    assert ws.cell(HEADER_ROW + 1, 17).alignment.wrap_text

    updates = _rows(wb["Pembaruan"])
    assert updates[0] == ("Dikirim pada", "Quick win", "Penulis", "Kondisi dilaporkan",
                          "Yang bergerak", "Kendala", "Langkah berikutnya", "Tautan")
    assert updates[1:] == [
        (datetime(2026, 12, 5, 10, 0), "Antrean online puskesmas", "Staf Dinkes",
         "sesuai rencana", "Uji coba di 5 puskesmas", None, "Semua puskesmas", None),
        (datetime(2026, 10, 20, 10, 0), "Antrean online puskesmas", "Staf Dinkes", "berisiko",
         "Server baru dipasang", "Jaringan lambat", "Tambah bandwidth",
         "https://contoh.go.id/x"),
    ]  # (local time; updates before and after the quarter and of DISHUB are not listed)

    spending = _rows(wb["Anggaran"])
    assert spending[0] == ("Tanggal", "Quick win", "Kode program", "Jumlah (Rp)", "Catatan")
    assert spending[1:] == [
        (datetime(2026, 10, 15), "Antrean online puskesmas", "1.02.02.2.01.0001", 30_000_000,
         "Pelatihan operator"),
        (None, "Total", None, 30_000_000, None),
    ]


def test_the_pack_reads_the_quarter_it_is_given(known, team):
    """The third quarter: the plan's value at 30 September, the realisation then, the budget
    realised to then; the notes are the third quarter's updates."""
    pack = quarterly_pack(team.unit, quarter(2026, 3))
    main = pack.table("quarterly")
    assert pack.period == "Triwulan III 2026 (1 Jul – 30 Sep 2026)"
    assert pack.file_stem == "laporan-triwulan-DINKES-2026-T3"
    a, wait, online, b, total = main.rows
    assert a[12:16] == [200_000_000, 50_000_000, 0.25, "sesuai rencana"]
    assert a[16] == "20 Sep 2026 · sesuai rencana: Server dipesan"
    # 35 planned, 40 verified on 15 September: (70 − 40) / 35 = 85.71 %
    assert wait[8:12] == [35, 40, pytest.approx(0.8571), "Baik"]
    # the straight line from 5 January to 31 December, on 30 September; nothing verified yet
    assert online[8] == pytest.approx(1000 * (date(2026, 9, 30) - date(2026, 1, 5)).days
                                      / (date(2026, 12, 31) - date(2026, 1, 5)).days)
    assert online[9:12] == [None, None, None]
    assert b[15:] == ["berisiko", "1 Agu 2026 · berisiko: Belum ada kader Kendala: Anggaran"]
    assert total[12:14] == [200_000_000, 50_000_000]


@pytest.fixture
def app_config(request):
    return getattr(request, "param", {})


@pytest.mark.parametrize("app_config", [{"BUDGET": False}], indirect=True)
def test_without_budgets_no_budget_columns_nor_sheet(known, team, auth, client):
    auth.sign_in(team.reviewer)
    wb = _workbook(client.get(f"/reports/quarterly.xlsx?unit=DINKES&{Q4}"))
    assert wb.sheetnames == ["Laporan triwulanan", "Pembaruan"]
    rows = _rows(wb["Laporan triwulanan"])
    assert rows[0] == tuple(h for h in HEADERS if h not in NO_BUDGET)
    assert [r[4] for r in rows[1:]] == [None, "Waktu tunggu", "Pendaftar online",
                                        "Belum ada indikator"]  # and no total row
    assert rows[2][6:12] == (60, 20, 30, 33, 0.9, "Baik")


@pytest.mark.parametrize("person, unit, expected", [
    ("reviewer", "DINKES", 200), ("reviewer", "DISHUB", 200), ("admin", "DISHUB", 200),
    ("manager", "DINKES", 200), ("manager", "", 200), ("manager", "DISHUB", 403),
    ("staff", "DINKES", 403), ("outsider", "DINKES", 403),
])
def test_who_may_download(known, team, auth, client, person, unit, expected):
    auth.sign_in(getattr(team, person))
    response = client.get(f"/reports/quarterly.xlsx?unit={unit}&{Q4}")
    assert response.status_code == expected
    page = client.get(f"/reports/quarterly?unit={unit}")
    assert page.status_code == expected
    if expected == 200:
        assert (unit or "DINKES") in response.headers["Content-Disposition"]


def test_anonymous_is_sent_to_sign_in(known, client):
    for url in ("/reports/quarterly", f"/reports/quarterly.xlsx?unit=DINKES&{Q4}"):
        response = client.get(url)
        assert response.status_code == 302 and "/auth/login" in response.location


def test_the_page_offers_a_manager_their_own_unit_only(known, team, auth, client, make_unit):
    auth.sign_in(team.manager)
    page = client.get("/reports/quarterly?year=2026&quarter=4").get_data(as_text=True)
    assert '<option value="DINKES" selected>' in page and "DISHUB" not in page
    assert 'value="2026"' in page
    assert '<option value="4" selected>Triwulan IV (1 Okt – 31 Des)</option>' in page
    auth.logout()
    auth.sign_in(team.reviewer)
    page = client.get("/reports/quarterly").get_data(as_text=True)
    assert '<option value="DINKES"' in page and '<option value="DISHUB"' in page


def test_the_summary_and_the_nav_link_to_the_report(known, team, auth, client):
    auth.sign_in(team.manager)
    page = client.get("/summary").get_data(as_text=True)
    assert 'href="/reports/quarterly?unit=DINKES"' in page
    assert 'href="/reports/quarterly"' in page  # the nav


@pytest.mark.parametrize("query, reason", [
    ("unit=NOPE&year=2026&quarter=4", "Tidak ada OPD dengan kode NOPE."),
    ("unit=DINKES&year=2026&quarter=5", "Triwulan harus 1, 2, 3 atau 4."),
    ("unit=DINKES&year=2026&quarter=x", "Triwulan harus 1, 2, 3 atau 4."),
    ("unit=DINKES&year=abc&quarter=4", "Tahun harus berupa angka"),
    ("unit=DINKES&year=99999&quarter=4", "Tahun harus berupa angka"),
    ("year=2026&quarter=4", "Pilih OPD."),  # a reviewer must choose
])
def test_bad_parameters_are_a_400_with_a_reason(known, team, auth, client, query, reason):
    auth.sign_in(team.reviewer)
    response = client.get(f"/reports/quarterly.xlsx?{query}")
    assert response.status_code == 400
    assert reason in response.get_data(as_text=True)


def test_a_constant_number_of_queries(team, make_initiative, count_queries):
    counter = itertools.count()

    def grow(n: int) -> None:
        for _i in range(n):
            k = next(counter)
            initiative = make_initiative(team.unit, created_at=CREATED, title=f"QW {k}")
            indicator = Indicator(initiative=initiative, name="I", baseline=0, target=10)
            db.session.add_all([
                indicator, IndicatorPlan(indicator=indicator, period_end=date(2026, 6, 30),
                                         planned=5),
                Measurement(indicator=indicator, value=4, measured_on=date(2026, 11, 1),
                            status="verified"),
                InitiativeBudget(initiative=initiative, planned=1_000),
                Spending(initiative=initiative, amount=10, spent_on=date(2026, 11, 2)),
                ProgressUpdate(initiative=initiative, author=team.staff, health="on_track",
                               moved="x", created_at=at(date(2026, 11, 3))),
            ])
        db.session.commit()

    def count() -> int:
        db.session.expire_all()
        with count_queries() as queries:
            quarterly_pack(team.unit, quarter(2026, 4))
        return queries.count

    grow(5)
    small = count()
    grow(45)
    assert count() == small
    assert small <= 8


def test_the_pdf_writer_reads_the_report_too(known, team):
    """(Not offered as a download: the pack's cell kinds and bold rows are the PDF's too.)"""
    from quickwin_tracker.review.pack_pdf import pdf_bytes

    assert pdf_bytes(quarterly_pack(team.unit, quarter(2026, 4))).startswith(b"%PDF")
