"""Exports of the board: the XLSX workbook and the CSV, read back and compared with the data."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from quickwin_tracker.domain.clock import local_today, to_local
from quickwin_tracker.extensions import db
from quickwin_tracker.models import (
    Indicator,
    Initiative,
    Measurement,
    Milestone,
    Tag,
)

CREATED = datetime(2026, 1, 5, 1, 30, tzinfo=UTC)  # 09:30 in Balikpapan (WITA, UTC+8)
CREATED_LOCAL = datetime(2026, 1, 5, 9, 30)


def recent() -> datetime:
    """Two days ago, to the minute (status: not too long in its stage)."""
    return (datetime.now(UTC) - timedelta(days=2)).replace(second=0, microsecond=0)


@pytest.fixture
def city(make_unit, make_user, make_initiative):
    dinkes = make_unit("DINKES", "Dinas Kesehatan")
    dishub = make_unit("DISHUB", "Dinas Perhubungan")
    staff = make_user("staff", dinkes, name="Sari Staf", email="sari@balikpapan.go.id",
                      locale="en")
    other = make_user("staff", dishub, name="Budi Dishub", email="budi@balikpapan.go.id")
    reviewer = make_user("reviewer", name="Rina Reviewer", locale="en")
    today = local_today()
    entered = recent()
    antrean = make_initiative(
        dinkes, stage="proposed", dimension="living", title="Antrean online puskesmas",
        benefit="Warga tidak perlu antre sejak subuh.", owner=staff,
        target_date=today + timedelta(days=3000), created_at=CREATED, stage_entered_at=entered,
    )
    antrean.members = [other]
    tag = Tag(kind="sdg", code="3.8", name="Cakupan kesehatan")
    db.session.add(tag)
    antrean.tags = [tag]
    # Rolled out: done.
    bus = make_initiative(dishub, stage="rolled_out", dimension="economy",
                          title="Bus sekolah gratis", benefit="Anak sekolah berangkat tanpa biaya.",
                          created_at=CREATED, stage_entered_at=CREATED, target_date=None)
    # Off track: a milestone 20 days overdue.
    halte = make_initiative(dishub, stage="approved", dimension="living", title="Halte pintar",
                            benefit="Jadwal bus terlihat di halte.", created_at=CREATED,
                            stage_entered_at=datetime.now(UTC),
                            target_date=today + timedelta(days=60))
    archived = make_initiative(dinkes, stage="proposed", dimension="living",
                               title="Lama diarsipkan", archived=True,
                               archived_at=datetime.now(UTC))
    db.session.add_all([
        Milestone(initiative=halte, title="Pasang papan", due_date=today - timedelta(days=20),
                  position=0),
        Milestone(initiative=halte, title="Uji coba", due_date=today + timedelta(days=5),
                  position=1, responsible=other),
        Milestone(initiative=antrean, title="Rapat awal", due_date=today - timedelta(days=3),
                  done_on=today - timedelta(days=4), position=0),
    ])
    indicator = Indicator(initiative=antrean, name="Waktu tunggu", unit_of_measure="menit",
                          baseline=120.0, target=20.0, direction="lower",
                          target_date=date(2027, 6, 30))
    db.session.add(indicator)
    db.session.flush()
    db.session.add_all([
        Measurement(indicator=indicator, value=100.0, measured_on=date(2026, 2, 1),
                    status="verified"),
        Measurement(indicator=indicator, value=70.0, measured_on=date(2026, 3, 1),
                    status="verified"),
        Measurement(indicator=indicator, value=10.0, measured_on=date(2026, 4, 1),
                    status="submitted"),  # not verified: not the latest verified one
    ])
    db.session.commit()
    return {"dinkes": dinkes, "dishub": dishub, "staff": staff, "other": other,
            "reviewer": reviewer, "antrean": antrean, "bus": bus, "halte": halte,
            "archived": archived, "today": today, "entered": entered}


def workbook(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=quick-wins-")
    return load_workbook(io.BytesIO(response.data))


def sheet_rows(ws):
    rows = list(ws.iter_rows(values_only=True))
    return rows[0], rows[1:]


def by_header(header, row):
    return dict(zip(header, row, strict=True))


def test_xlsx_holds_the_data_with_real_types(city, auth, client):
    auth.login(city["staff"])
    wb = workbook(client.get("/transfer/initiatives.xlsx?unit=all"))
    assert wb.sheetnames == ["Initiatives", "Milestones", "Indicators"]

    ws = wb["Initiatives"]
    assert ws.freeze_panes == "A2"
    header, rows = sheet_rows(ws)
    assert ws.auto_filter.ref == f"A1:Q{len(rows) + 1}"
    assert ws.column_dimensions["B"].width == 40
    assert header == (
        "ID", "Title", "Citizen benefit", "Unit code", "Unit", "Dimension", "Stage", "Status",
        "Status reasons", "Owner", "Owner's email", "Team", "Plans it serves",
        "Target rollout date", "Created", "In this stage since", "Archived",
    )
    # Board order: by dimension lane, then stage, then position; archived ones left out.
    assert [r[0] for r in rows] == [city["bus"].id, city["antrean"].id, city["halte"].id]
    antrean = by_header(header, rows[1])
    assert antrean == {
        "ID": city["antrean"].id,
        "Title": "Antrean online puskesmas",
        "Citizen benefit": "Warga tidak perlu antre sejak subuh.",
        "Unit code": "DINKES",
        "Unit": "Dinas Kesehatan",
        "Dimension": "Smart living",
        "Stage": "Proposed",
        "Status": "on track",
        "Status reasons": None,
        "Owner": "Sari Staf",
        "Owner's email": "sari@balikpapan.go.id",
        "Team": "Budi Dishub",
        "Plans it serves": "SDG 3.8",
        "Target rollout date": datetime.combine(city["today"] + timedelta(days=3000),
                                                datetime.min.time()),
        "Created": CREATED_LOCAL,
        "In this stage since": to_local(city["entered"]).replace(tzinfo=None),
        "Archived": False,
    }
    # Dates are dates (Excel has no date-only type: a date cell with a date format).
    row2 = ws[3]
    assert isinstance(row2[0].value, int)
    for cell in (row2[13], row2[14], row2[15]):
        assert cell.is_date
    assert isinstance(row2[16].value, bool)
    halte = by_header(header, rows[2])
    assert halte["Status"] == "off track"
    assert "“Pasang papan” is 20 days overdue" in halte["Status reasons"]
    bus = by_header(header, rows[0])
    assert bus["Status"] == "done"
    assert bus["Target rollout date"] is None
    assert bus["Owner"] is None

    ws = wb["Milestones"]
    assert ws.freeze_panes == "A2"
    header, rows = sheet_rows(ws)
    assert ws.auto_filter.ref == f"A1:G{len(rows) + 1}"
    assert header == ("Initiative ID", "Initiative", "Milestone", "Due", "Responsible", "Done on",
                      "Days overdue")
    today = city["today"]
    midnight = datetime.min.time()
    assert rows == [
        (city["antrean"].id, "Antrean online puskesmas", "Rapat awal",
         datetime.combine(today - timedelta(days=3), midnight), None,
         datetime.combine(today - timedelta(days=4), midnight), None),
        (city["halte"].id, "Halte pintar", "Pasang papan",
         datetime.combine(today - timedelta(days=20), midnight), None, None, 20),
        (city["halte"].id, "Halte pintar", "Uji coba",
         datetime.combine(today + timedelta(days=5), midnight), "Budi Dishub", None, None),
    ]
    assert ws["D2"].is_date and ws["F2"].is_date

    ws = wb["Indicators"]
    assert ws.freeze_panes == "A2"
    header, rows = sheet_rows(ws)
    assert ws.auto_filter.ref == "A1:K2"
    assert header == ("Initiative ID", "Initiative", "Indicator", "Unit of measure", "Baseline",
                      "Target", "Direction", "Target date", "Latest verified value",
                      "Measured on", "Progress")
    assert rows == [(city["antrean"].id, "Antrean online puskesmas", "Waktu tunggu", "menit",
                     120, 20, "Lower is better", datetime(2027, 6, 30), 70, datetime(2026, 3, 1),
                     pytest.approx(0.5))]
    assert ws["K2"].number_format == "0.0%"
    assert ws["H2"].is_date and ws["J2"].is_date


def test_headers_and_names_follow_the_users_language(city, auth, client):
    city["staff"].locale = "id"
    db.session.commit()
    auth.login(city["staff"])
    ws = workbook(client.get("/transfer/initiatives.xlsx?unit=all")).worksheets[0]
    header, rows = sheet_rows(ws)
    antrean = by_header(header, rows[1])
    assert "Smart Living (Kehidupan)" in antrean.values()
    assert "Usulan" in antrean.values()


def test_text_is_never_a_formula(city, auth, client):
    city["antrean"].title = '=HYPERLINK("http://example.com","klik")'
    db.session.commit()
    auth.login(city["staff"])
    ws = workbook(client.get("/transfer/initiatives.xlsx?unit=all")).worksheets[0]
    assert ws["B3"].value == '=HYPERLINK("http://example.com","klik")'
    assert ws["B3"].data_type == "s"
    text = client.get("/transfer/initiatives.csv?unit=all").data.decode("utf-8-sig")
    assert "'=HYPERLINK" in text


def test_csv_is_the_same_list_with_a_bom(city, auth, client):
    auth.login(city["staff"])
    response = client.get("/transfer/initiatives.csv?unit=all")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=quick-wins-")
    assert response.headers["Content-Disposition"].endswith(".csv")
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    header, rows = rows[0], rows[1:]
    assert header[:3] == ["ID", "Title", "Citizen benefit"]
    assert [int(r[0]) for r in rows] == [city["bus"].id, city["antrean"].id, city["halte"].id]
    antrean = dict(zip(header, rows[1], strict=True))
    assert antrean["Title"] == "Antrean online puskesmas"
    assert antrean["Unit code"] == "DINKES"
    assert antrean["Owner"] == "Sari Staf"
    assert antrean["Team"] == "Budi Dishub"
    assert antrean["Plans it serves"] == "SDG 3.8"
    assert antrean["Target rollout date"] == (city["today"] + timedelta(days=3000)).isoformat()
    assert antrean["Created"] == "2026-01-05 09:30"
    assert antrean["Archived"] == "no"
    assert antrean["Status"] == "on track"


# A field of a CSV line as written: a bare number, or a quoted text ("" for a quote inside).
FIELD = r'(?:-?\d+(?:\.\d+)?|"(?:[^"]|"")*")'


def csv_lines(response):
    """The raw lines of a CSV response (no field in these tests holds a line break)."""
    text = response.data.decode("utf-8-sig")
    lines = text.split("\r\n")
    assert lines[-1] == ""
    return lines[:-1]


def test_csv_quotes_every_text_field_and_leaves_numbers_and_dates_readable(city, auth, client):
    auth.login(city["staff"])
    response = client.get("/transfer/initiatives.csv?unit=all")
    lines = csv_lines(response)
    for line in lines:
        assert re.fullmatch(f"{FIELD}(?:,{FIELD})*", line), line
    assert lines[0].startswith('"ID","Title","Citizen benefit",')
    antrean = lines[2]
    assert antrean.startswith(f'{city["antrean"].id},"Antrean online puskesmas",')
    assert ',"no"' in antrean  # the archived flag is text
    # Read back: numbers are numbers, dates and times ISO, as before.
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")),
                           quoting=csv.QUOTE_NONNUMERIC))
    header, values = rows[0], dict(zip(rows[0], rows[2], strict=True))
    assert header[0] == "ID" and values["ID"] == city["antrean"].id  # (a float: unquoted)
    assert date.fromisoformat(values["Target rollout date"]) == city["today"] + timedelta(days=3000)
    assert datetime.fromisoformat(values["Created"]) == CREATED_LOCAL
    bus = dict(zip(header, rows[1], strict=True))
    assert bus["Target rollout date"] == "" and bus["Owner"] == ""


def test_csv_neutralises_formulas_wherever_a_cell_could_start(city, auth, client):
    city["antrean"].title = '=HYPERLINK("http://example.com","klik")'
    city["antrean"].benefit = "Hemat antre;=cmd|' /C calc'!A0;x"
    city["staff"].name = "@Sari, +Staf"
    city["other"].name = 'Budi;"-Dishub'
    city["dinkes"].name = "Dinas Kesehatan\t=1+1\n-2"
    db.session.commit()
    auth.login(city["staff"])
    for sep, delimiter in (("comma", ","), ("semicolon", ";")):
        response = client.get(f"/transfer/initiatives.csv?unit=all&sep={sep}")
        text = response.data.decode("utf-8-sig")
        header, *rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        antrean = dict(zip(header, rows[1], strict=True))
        assert antrean["Title"] == "'=HYPERLINK(\"http://example.com\",\"klik\")"
        assert antrean["Citizen benefit"] == "Hemat antre;'=cmd|' /C calc'!A0;x"
        assert antrean["Owner"] == "'@Sari, '+Staf"
        assert antrean["Team"] == "Budi;\"'-Dishub"
        assert antrean["Unit"] == "Dinas Kesehatan\t'=1+1\n'-2"
        # A reader that ignores the quotes and splits on any separator still finds no cell
        # that starts a formula.
        for piece in re.split(r'[,;\t\r\n]', text):
            assert not piece.lstrip(' "').startswith(("=", "+", "-", "@")), piece


def test_csv_content_type_has_one_charset(city, auth, client):
    auth.login(city["staff"])
    for path in ("/transfer/initiatives.csv", "/transfer/initiatives.csv?sep=semicolon",
                 "/transfer/import-template.csv"):
        response = client.get(path)
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
        assert response.headers["Content-Type"].count("charset") == 1
    xlsx = client.get("/transfer/initiatives.xlsx").headers["Content-Type"]
    assert xlsx == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_csv_separated_by_semicolons_for_indonesian_excel(city, auth, client):
    auth.login(city["staff"])
    comma = client.get("/transfer/initiatives.csv?unit=DINKES")
    semicolon = client.get("/transfer/initiatives.csv?unit=DINKES&sep=semicolon")
    assert semicolon.status_code == 200
    assert semicolon.headers["Content-Disposition"].endswith(".csv")
    assert csv_lines(semicolon)[0].startswith('"ID";"Title";"Citizen benefit";')
    read = [list(csv.reader(io.StringIO(r.data.decode("utf-8-sig")), delimiter=d))
            for r, d in ((comma, ","), (semicolon, ";"))]
    assert read[0] == read[1]
    assert client.get("/transfer/initiatives.csv?sep=tab").status_code == 400
    html = client.get("/board/?unit=DINKES").get_data(as_text=True)
    assert 'href="/transfer/initiatives.csv?sep=semicolon&amp;unit=DINKES"' in html


@pytest.mark.parametrize(
    "query, expected",
    [
        ("unit=DINKES", ["antrean"]),
        ("unit=dishub", ["bus", "halte"]),
        ("unit=all&dimension=living", ["antrean", "halte"]),
        ("unit=all&q=halte", ["halte"]),
        ("unit=all&q=ANTRE&dimension=living", ["antrean"]),
        ("unit=all&status=off_track", ["halte"]),
        ("archived=1&unit=DINKES", ["antrean", "archived"]),
        ("unit=all&archived=1&q=lama", ["archived"]),
    ],
)
def test_exports_respect_the_board_filters(city, auth, client, query, expected):
    auth.login(city["staff"])
    wanted = sorted(city[name].id for name in expected)
    ws = workbook(client.get(f"/transfer/initiatives.xlsx?{query}")).worksheets[0]
    assert sorted(r[0] for r in list(ws.iter_rows(values_only=True))[1:]) == wanted
    text = client.get(f"/transfer/initiatives.csv?{query}").data.decode("utf-8-sig")
    assert sorted(int(r[0]) for r in list(csv.reader(io.StringIO(text)))[1:]) == wanted


def test_milestones_and_indicators_follow_the_filters(city, auth, client):
    auth.login(city["staff"])
    wb = workbook(client.get("/transfer/initiatives.xlsx?unit=DISHUB"))
    assert {r[0] for r in list(wb["Milestones"].iter_rows(values_only=True))[1:]} == {
        city["halte"].id}
    assert list(wb["Indicators"].iter_rows(values_only=True))[1:] == []


def test_archived_ones_are_marked(city, auth, client):
    auth.login(city["staff"])
    ws = workbook(client.get("/transfer/initiatives.xlsx?unit=all&archived=1")).worksheets[0]
    archived = {r[0]: r[16] for r in list(ws.iter_rows(values_only=True))[1:]}
    assert archived == {city["bus"].id: False, city["antrean"].id: False,
                        city["halte"].id: False, city["archived"].id: True}


@pytest.mark.parametrize("path", ["/transfer/initiatives.xlsx", "/transfer/initiatives.csv"])
def test_bad_filters_are_a_400(city, auth, client, path):
    auth.login(city["staff"])
    assert client.get(f"{path}?owner=abc").status_code == 400
    assert client.get(f"{path}?status=nonsense").status_code == 400


@pytest.mark.parametrize("path", ["/transfer/initiatives.xlsx", "/transfer/initiatives.csv"])
def test_exports_need_a_signed_in_user_and_reviewers_may_export(city, auth, client, path):
    response = client.get(path)
    assert response.status_code in (302, 303)
    assert "/auth/login" in response.headers["Location"]
    auth.login(city["reviewer"])
    assert client.get(path).status_code == 200


def test_the_board_links_to_exports_with_its_filters(city, auth, client, hx):
    auth.login(city["reviewer"])
    html = client.get("/board/?unit=DINKES&q=antre").get_data(as_text=True)
    assert 'href="/transfer/initiatives.xlsx?unit=DINKES&amp;q=antre"' in html
    assert 'href="/transfer/initiatives.csv?unit=DINKES&amp;q=antre"' in html
    assert "/transfer/import" not in html  # reviewers change nothing
    # The links refresh themselves from the filter form (htmx), keeping the new filters.
    fragment = client.get("/transfer/links?unit=DISHUB&status=at_risk", headers=hx)
    assert fragment.status_code == 200
    text = fragment.get_data(as_text=True)
    assert "<html" not in text
    assert 'id="transfer-links"' in text
    assert 'href="/transfer/initiatives.xlsx?unit=DISHUB&amp;status=at_risk"' in text
    auth.logout()
    auth.login(city["staff"])
    html = client.get("/board/").get_data(as_text=True)
    assert 'href="/transfer/import"' in html


def _add_initiatives(n, city, dimensions, stages, offset):
    now = datetime.now(UTC)
    ids = db.session.scalars(
        sa.insert(Initiative).returning(Initiative.id),
        [{"title": f"Massal {offset + i}", "benefit": "b", "description": "",
          "dimension_id": list(dimensions.values())[i % 6].id,
          "unit_id": city["dinkes"].id, "owner_id": city["staff"].id,
          "stage_id": list(stages.values())[i % 5].id, "position": 1000 + offset + i,
          "stage_entered_at": now, "created_at": now, "updated_at": now, "version": 1,
          "archived": False} for i in range(n)],
    ).all()
    tag = db.session.scalar(sa.select(Tag))
    for i in ids:
        db.session.add(Milestone(initiative_id=i, title="M", due_date=date(2026, 1, 1)))
        indicator = Indicator(initiative_id=i, name="I", baseline=0.0, target=10.0)
        db.session.add(indicator)
        db.session.flush()
        db.session.add(Measurement(indicator_id=indicator.id, value=5.0,
                                   measured_on=date(2026, 1, 2), status="verified"))
        db.session.execute(sa.insert(Initiative.tags.property.secondary),
                           [{"initiative_id": i, "tag_id": tag.id}])
        db.session.execute(sa.insert(Initiative.members.property.secondary),
                           [{"initiative_id": i, "user_id": city["other"].id}])
    db.session.commit()


@pytest.mark.parametrize("path", ["/transfer/initiatives.xlsx?unit=all",
                                  "/transfer/initiatives.csv?unit=all"])
def test_query_count_does_not_grow_with_initiatives(city, auth, client, count_queries,
                                                    dimensions, stages, path):
    auth.login(city["staff"])
    _add_initiatives(5, city, dimensions, stages, 0)
    with count_queries() as small:
        assert client.get(path).status_code == 200
    _add_initiatives(45, city, dimensions, stages, 5)
    with count_queries() as large:
        response = client.get(path)
        assert response.status_code == 200
    assert small.count == large.count, large.statements
    assert large.count <= 12, large.statements
    if ".xlsx" in path:
        wb = load_workbook(io.BytesIO(response.data), read_only=True)
        assert sum(1 for _ in wb["Initiatives"].iter_rows(min_row=2)) == 53
        wb.close()
