"""Importing initiatives from XLSX or CSV: preview, all-or-nothing confirmation, the trail."""

from __future__ import annotations

import csv
import functools
import io
import re
import time
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from quickwin_tracker.domain.activity import describe
from quickwin_tracker.extensions import db
from quickwin_tracker.models import Activity, Initiative, Tag
from tests.conftest import t

HEADERS = ["Judul / Title", "Manfaat bagi warga / Citizen benefit", "Deskripsi / Description",
           "Dimensi / Dimension", "OPD / Unit", "Penanggung jawab (email) / Owner (email)",
           "Target peluncuran / Target date", "Tag"]
COLUMN = {"title": HEADERS[0], "benefit": HEADERS[1], "dimension": HEADERS[3], "unit": HEADERS[4],
          "owner": HEADERS[5], "target_date": HEADERS[6], "tags": HEADERS[7]}


@pytest.fixture
def city(make_unit, make_user):
    dinkes = make_unit("DINKES", "Dinas Kesehatan")
    dishub = make_unit("DISHUB", "Dinas Perhubungan")
    tag = Tag(kind="sdg", code="3.8", name="Cakupan kesehatan")
    db.session.add(tag)
    db.session.commit()
    return {
        "dinkes": dinkes, "dishub": dishub, "tag": tag,
        "staff": make_user("staff", dinkes, name="Sari Staf", email="sari@balikpapan.go.id",
                           locale="en"),
        "colleague": make_user("staff", dinkes, name="Dedi Dinkes", email="dedi@balikpapan.go.id"),
        "other": make_user("staff", dishub, name="Budi Dishub", email="budi@balikpapan.go.id"),
        "admin": make_user("admin", name="Ana Admin", locale="en"),
        "reviewer": make_user("reviewer", name="Rina Reviewer", locale="en"),
    }


def row(title="Antrean online puskesmas", benefit="Warga tidak perlu antre sejak subuh.",
        description="Lewat WhatsApp.", dimension="living", unit="DINKES",
        owner="sari@balikpapan.go.id", target_date="2027-03-31", tags=""):
    return [title, benefit, description, dimension, unit, owner, target_date, tags]


def csv_bytes(rows, headers=HEADERS, delimiter=",", encoding="utf-8-sig"):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows, headers=HEADERS):
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for r in rows:
        ws.append(r)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def upload(client, content, name="inisiatif.csv"):
    return client.post("/transfer/import", data={"file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")


def token_of(response):
    html = response.get_data(as_text=True)
    match = re.search(r'name="upload" type="hidden" value="([^"]+)"', html)
    return match.group(1) if match else None


def confirm(client, token):
    return client.post("/transfer/import/confirm", data={"upload": token})


def count(model=Initiative):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def stored_uploads(app):
    folder = Path(app.instance_path) / "imports"
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def errors_of(response):
    """(row, column, message) of every error listed on the preview."""
    html = response.get_data(as_text=True)
    found = re.findall(
        r'<tr class="import-error" data-row="(\d+)"><td>\d+</td><td>(.*?)</td><td>(.*?)</td></tr>',
        html)
    return [(int(r), re.sub(r" \([A-Z]+\)$", "", c).replace("&amp;", "&"), m) for r, c, m in found]


# --------------------------------------------------------------------------- the happy paths


def test_a_valid_csv_imports_every_row_at_the_bottom_of_its_cell(app, city, auth, client,
                                                                  make_initiative, stages):
    existing = make_initiative(city["dinkes"], stage="proposed", dimension="living",
                               title="Sudah ada")
    auth.login(city["staff"])
    content = csv_bytes([
        row(),
        row(title="Posyandu digital", dimension="Smart living", owner="", target_date="31/03/2027"),
        row(title="Klinik keliling", dimension="SMART GOVERNANCE (TATA KELOLA)", unit="",
            tags="SDG 3.8", target_date=""),
    ])
    preview = upload(client, content, "Usulan Dinkes.csv")
    assert preview.status_code == 200, preview.get_data(as_text=True)
    html = preview.get_data(as_text=True)
    assert "Import 3 initiatives" in html
    assert "Posyandu digital" in html
    assert count() == 1  # the preview writes nothing
    token = token_of(preview)
    assert token and stored_uploads(app) == [f"{token}.csv"]

    done = confirm(client, token)
    assert done.status_code == 303
    assert done.headers["Location"].endswith("/board/")
    assert stored_uploads(app) == []  # deleted after use
    created = list(db.session.scalars(
        sa.select(Initiative).where(Initiative.id != existing.id).order_by(Initiative.id)))
    assert [i.title for i in created] == ["Antrean online puskesmas", "Posyandu digital",
                                          "Klinik keliling"]
    antrean, posyandu, klinik = created
    assert {i.stage_id for i in created} == {stages["proposed"].id}
    assert (antrean.dimension.code, antrean.position) == ("living", existing.position + 1)
    assert (posyandu.dimension.code, posyandu.position) == ("living", existing.position + 2)
    assert (klinik.dimension.code, klinik.position) == ("governance", 0)
    assert antrean.owner_id == city["staff"].id and posyandu.owner_id is None
    assert antrean.target_date == date(2027, 3, 31) == posyandu.target_date
    assert klinik.target_date is None
    assert klinik.unit_id == city["dinkes"].id  # empty unit: the importer's own
    assert [t.code for t in klinik.tags] == ["3.8"]
    assert antrean.description == "Lewat WhatsApp."
    assert antrean.created_by_id == city["staff"].id
    assert antrean.version == 1

    trail = list(db.session.scalars(
        sa.select(Activity).where(Activity.initiative_id.in_([i.id for i in created]))
        .order_by(Activity.initiative_id)))
    assert [(a.initiative_id, a.verb, a.actor_id) for a in trail] == [
        (i.id, "imported", city["staff"].id) for i in created]
    assert trail[0].data["source"] == "import"
    assert trail[0].data["file"] == "Usulan Dinkes.csv"
    assert trail[1].data["row"] == 3
    with app.test_request_context():
        assert describe(trail[0]) == t("imported it from the file %(file)s", file="Usulan Dinkes.csv")

    board = client.get("/board/").get_data(as_text=True)
    assert "3 initiatives imported from Usulan Dinkes.csv." in board
    detail = client.get(f"/initiatives/{antrean.id}").get_data(as_text=True)
    assert "imported it from the file Usulan Dinkes.csv" in detail


def test_a_valid_xlsx_with_english_headers_in_another_order(city, auth, client, stages):
    auth.login(city["staff"])
    headers = ["Dimension", "TITLE", "citizen benefit", "Unit", "Owner (email)", "Target date",
               "No.", "Tags"]
    content = xlsx_bytes([
        ["economy", "Pasar digital", "Pedagang menerima QRIS.", "dinkes", "SARI@balikpapan.go.id",
         datetime(2027, 5, 1), 1, "sdg:3.8"],
        ["economy", "Parkir tanpa tunai", "Tidak perlu uang pas.", "DINKES", None, 46600, 2, None],
        ["living", 2024, "Judul berupa angka.", "DINKES", None, "01/02/2027", 3, None],
    ], headers)
    preview = upload(client, content, "initiatives.xlsx")
    assert preview.status_code == 200, preview.get_data(as_text=True)
    assert "Columns not used (ignored): No." in preview.get_data(as_text=True)
    assert confirm(client, token_of(preview)).status_code == 303
    created = {i.title: i for i in db.session.scalars(sa.select(Initiative))}
    assert set(created) == {"Pasar digital", "Parkir tanpa tunai", "2024"}
    assert created["Pasar digital"].target_date == date(2027, 5, 1)
    assert created["Pasar digital"].owner_id == city["staff"].id
    assert [t.code for t in created["Pasar digital"].tags] == ["3.8"]
    assert created["Parkir tanpa tunai"].target_date == date(2027, 8, 1)  # an Excel date number
    assert created["2024"].target_date == date(2027, 2, 1)
    assert [created[t].position for t in ("Pasar digital", "Parkir tanpa tunai")] == [0, 1]


def test_indonesian_headers_any_case_semicolons_and_windows_encoding(city, auth, client):
    auth.login(city["staff"])
    headers = ["JUDUL", "manfaat bagi warga", "Dimensi", "opd", "Penanggung Jawab"]
    content = csv_bytes([["Layanan pengaduan", "Warga melapor lewat ponsel.", "governance",
                          "DINKES", ""],
                         ["Kartu sehat café", "Berobat tanpa antre.", "living", "DINKES", ""]],
                        headers, delimiter=";", encoding="cp1252")
    preview = upload(client, content, "daftar.csv")
    assert preview.status_code == 200, preview.get_data(as_text=True)
    assert confirm(client, token_of(preview)).status_code == 303
    assert set(db.session.scalars(sa.select(Initiative.title))) == {
        "Layanan pengaduan", "Kartu sehat café"}


def test_a_title_row_above_the_header_is_skipped(city, auth, client):
    auth.login(city["staff"])
    wb = Workbook()
    ws = wb.active
    ws.append(["DAFTAR QUICK WIN DINAS KESEHATAN 2026"])
    ws.append([])
    ws.append(HEADERS)
    ws.append(row())
    buffer = io.BytesIO()
    wb.save(buffer)
    preview = upload(client, buffer.getvalue(), "judul.xlsx")
    assert preview.status_code == 200, preview.get_data(as_text=True)
    assert 'data-row="4"' in preview.get_data(as_text=True)


def test_the_template_has_both_languages_and_imports_as_is(city, auth, client):
    auth.login(city["staff"])
    response = client.get("/transfer/import-template.xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    wb = load_workbook(io.BytesIO(response.data))
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS
    assert len(rows) == 2 and rows[1][4] == "DINKES" and rows[1][5] == "sari@balikpapan.go.id"
    assert isinstance(rows[1][6], datetime)
    assert wb.worksheets[0].freeze_panes == "A2"
    codes = [r[0] for r in wb.worksheets[1].iter_rows(values_only=True)]
    assert "governance" in codes and "DINKES" in codes and "SDG 3.8" in codes

    csv_template = client.get("/transfer/import-template.csv")
    assert csv_template.status_code == 200
    assert csv_template.data.startswith(b"\xef\xbb\xbf")
    parsed = list(csv.reader(io.StringIO(csv_template.data.decode("utf-8-sig"))))
    assert parsed[0] == HEADERS and len(parsed) == 2

    for content, name in ((response.data, "template.xlsx"), (csv_template.data, "template.csv")):
        preview = upload(client, content, name)
        assert preview.status_code == 200, preview.get_data(as_text=True)
    assert confirm(client, token_of(preview)).status_code == 303
    assert count() == 1


# --------------------------------------------------------------------------- errors


def test_one_bad_row_imports_nothing_and_is_reported(app, city, auth, client):
    auth.login(city["staff"])
    content = csv_bytes([row(), row(title="Baris dua", dimension="smart parking"),
                         row(title="Baris tiga")])
    preview = upload(client, content)
    assert preview.status_code == 422
    assert errors_of(preview) == [
        (3, COLUMN["dimension"], "Unknown dimension “smart parking”.")]
    html = preview.get_data(as_text=True)
    assert "1 problem found. Nothing has been imported" in html
    assert "(D)" in html  # the column's letter
    assert 'name="upload"' not in html  # no way to confirm
    assert stored_uploads(app) == []
    assert count() == 0 and count(Activity) == 0


@pytest.mark.parametrize(
    "overrides, column, message",
    [
        ({"unit": "DINSOS"}, "unit", "Unknown unit (OPD) “DINSOS”."),
        ({"unit": "DISHUB", "owner": ""}, "unit",
         "You can only add initiatives for your own unit."),
        ({"dimension": ""}, "dimension", "The dimension is missing."),
        ({"dimension": "smart parking"}, "dimension", "Unknown dimension “smart parking”."),
        ({"target_date": "31/02/2027"}, "target_date", "“31/02/2027” is not a date"),
        ({"target_date": "next week"}, "target_date", "“next week” is not a date"),
        ({"target_date": "12/31/2027"}, "target_date", "“12/31/2027” is not a date"),
        ({"target_date": "1899-01-01"}, "target_date",
         "1899-01-01 is outside the accepted years: 2000 to 2100."),
        ({"target_date": "31/03/2207"}, "target_date",
         "2207-03-31 is outside the accepted years: 2000 to 2100."),
        ({"title": ""}, "title", "The title is missing."),
        ({"title": "x" * 201}, "title", "At most 200 characters (this has 201)."),
        ({"benefit": "  "}, "benefit", "The citizen benefit is missing."),
        ({"owner": "siapa@contoh.id"}, "owner", "No account has the email “siapa@contoh.id”."),
        ({"owner": "budi@balikpapan.go.id"}, "owner", "The owner must belong to the owning unit."),
        ({"tags": "SDG 3.8; RPJMD 9"}, "tags", "Unknown plan tag “RPJMD 9”."),
    ],
)
def test_each_kind_of_error_names_its_row_and_column(city, auth, client, overrides, column,
                                                      message):
    auth.login(city["staff"])
    content = csv_bytes([row(title="Baris baik"), row(**overrides)])
    preview = upload(client, content)
    assert preview.status_code == 422
    errors = errors_of(preview)
    assert len(errors) == 1, errors
    assert errors[0][:2] == (3, COLUMN[column])
    assert errors[0][2].startswith(message)
    assert count() == 0


def test_inactive_owner_and_unit_follow_the_create_rules(city, auth, client, make_unit):
    city["colleague"].active = False
    closed = make_unit("LAMA", "Dinas lama", active=False)
    db.session.commit()
    auth.login(city["admin"])
    preview = upload(client, csv_bytes([row(owner="dedi@balikpapan.go.id"),
                                        row(title="Unit tutup", unit="LAMA", owner="")]))
    assert errors_of(preview) == [
        (2, COLUMN["owner"], "The owner&#39;s account is inactive."),
        (3, COLUMN["unit"], "This unit is inactive."),
    ]
    assert closed.id


def test_duplicates_in_the_file_and_among_existing_initiatives(city, auth, client,
                                                             make_initiative):
    make_initiative(city["dinkes"], title="Antrean Online  Puskesmas")
    make_initiative(city["dinkes"], title="Diarsipkan dulu", archived=True,
                    archived_at=datetime.now(UTC))
    auth.login(city["admin"])
    content = csv_bytes([
        row(),  # exists already (case and spaces aside)
        row(title="Baru"),
        row(title="baru"),  # same as row 3
        row(title="Baru", unit="DISHUB", owner=""),  # another unit: fine
        row(title="Diarsipkan dulu"),  # only an archived one has it: fine
    ])
    preview = upload(client, content)
    assert errors_of(preview) == [
        (2, COLUMN["title"], "DINKES already has an initiative with this title."),
        (4, COLUMN["title"], "Same title and unit as row 3."),
    ]


def test_every_row_is_checked_and_all_errors_listed(city, auth, client):
    auth.login(city["staff"])
    content = csv_bytes([row(title="", dimension="x"), row(), row(unit="NOPE", target_date="x")])
    errors = errors_of(upload(client, content))
    assert [(r, c) for r, c, _m in errors] == [
        (2, COLUMN["title"]), (2, COLUMN["dimension"]),
        (4, COLUMN["unit"]), (4, COLUMN["target_date"]),
    ]


def test_staff_import_for_their_own_unit_only_admins_for_any(city, auth, client):
    content = csv_bytes([row(), row(title="Terminal pintar", unit="DISHUB", owner="")])
    auth.login(city["staff"])
    errors = errors_of(upload(client, content))
    assert errors == [(3, COLUMN["unit"], "You can only add initiatives for your own unit.")]
    auth.logout()
    auth.login(city["admin"])
    preview = upload(client, content)
    assert preview.status_code == 200
    assert confirm(client, token_of(preview)).status_code == 303
    assert sorted(db.session.scalars(sa.select(Initiative.unit_id))) == sorted(
        [city["dinkes"].id, city["dishub"].id])


# --------------------------------------------------------------------------- refused files


def _zip_with(name, data):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "content, name, message",
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\n", "laporan.xlsx",
         "not a spreadsheet"),
        (bytes(range(256)) * 20, "acak.csv", "not a spreadsheet"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "foto.xlsx", "not a spreadsheet"),
        (_zip_with("word/document.xml", "<w/>"), "surat.xlsx", "not a spreadsheet"),
        (b"PK\x03\x04 this is no zip at all", "rusak.xlsx", "not a spreadsheet"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "lama.xlsx", "old Excel file"),
        (b"%PDF-1.7\n", "laporan.pdf", "Upload an Excel workbook (.xlsx) or a CSV file"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "laporan.csv", "not a spreadsheet"),
        (b"Judul,Manfaat,Dimensi\nA,B,living\n", "teks.xlsx", "not a spreadsheet"),
        (b"", "kosong.csv", "The file is empty."),
        (b"nama,alamat\nA,B\n", "lain.csv", "No row names the expected columns"),
        (b"Judul,Dimensi\nA,living\n", "kurang.csv", "lacks: Manfaat bagi warga / Citizen benefit"),
        (csv_bytes([]), "hanya-judul.csv", "no rows to import"),
    ],
)
def test_a_file_that_is_not_a_usable_spreadsheet_is_refused(app, city, auth, client, content,
                                                            name, message):
    auth.login(city["staff"])
    response = upload(client, content, name)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    error = re.search(r'<p class="error" id="file-error">(.*?)</p>', html, re.S)
    assert error and message in error.group(1).replace("&#39;", "'"), html
    assert 'aria-invalid="true"' in html
    assert stored_uploads(app) == [] and count() == 0


def test_no_file_chosen(city, auth, client):
    auth.login(city["staff"])
    response = client.post("/transfer/import", data={}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Choose a file to import." in response.get_data(as_text=True)


@pytest.mark.parametrize("app_config", [{"IMPORT_MAX_BYTES": 2000}])
def test_a_file_over_the_size_limit_gets_a_message(city, auth, client, app_config):
    auth.login(city["staff"])
    response = upload(client, csv_bytes([row(title=f"Judul {i}") for i in range(40)]))
    assert response.status_code == 422
    assert "The file is too large: at most 2 KB is accepted." in response.get_data(as_text=True)


@pytest.mark.parametrize("app_config", [{"IMPORT_MAX_BYTES": 2000, "MAX_CONTENT_LENGTH": 4000}])
def test_a_body_over_the_request_limit_gets_the_same_message(city, auth, client, app_config):
    auth.login(city["staff"])
    response = upload(client, csv_bytes([row(title=f"Judul {i}") for i in range(100)]))
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert 'id="file-error"' in html
    assert "The file is too large: at most 2 KB is accepted." in html


def test_the_configured_limit_comes_from_the_environment(monkeypatch, tmp_path):
    from quickwin_tracker import create_app

    monkeypatch.setenv("QUICKWIN_IMPORT_MAX_MB", "7")
    app = create_app({"TESTING": True, "SECRET_KEY": "x",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite3'}"})
    assert app.config["IMPORT_MAX_BYTES"] == 7 * 1024 * 1024
    assert app.config["MAX_CONTENT_LENGTH"] >= 10 * 1024 * 1024  # evidence still fits


# --------------------------------------------------------------------------- permissions


def test_reviewers_may_not_import(city, auth, client):
    auth.login(city["reviewer"])
    assert client.get("/transfer/import").status_code == 403
    assert client.get("/transfer/import-template.xlsx").status_code == 403
    assert client.get("/transfer/import-template.csv").status_code == 403
    assert upload(client, csv_bytes([row()])).status_code == 403
    assert confirm(client, "x" * 32).status_code == 403
    assert 'href="/transfer/import"' not in client.get("/board/").get_data(as_text=True)
    assert count() == 0


def test_the_import_page_links_the_templates(city, auth, client):
    auth.login(city["staff"])
    html = client.get("/transfer/import").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in html
    assert 'href="/transfer/import-template.xlsx"' in html
    assert 'href="/transfer/import-template.csv"' in html
    assert "Manfaat bagi warga / Citizen benefit" in html
    assert "<code>governance</code>" in html


def test_anonymous_users_are_sent_to_sign_in(client, city):
    response = client.get("/transfer/import")
    assert response.status_code in (302, 303)
    assert "/auth/login" in response.headers["Location"]


# --------------------------------------------------------------------------- the confirmation


def test_confirm_refuses_an_unknown_or_tampered_id(app, city, auth, client):
    auth.login(city["staff"])
    preview = upload(client, csv_bytes([row()]))
    token = token_of(preview)
    altered = token[:-1] + ("A" if token[-1] != "A" else "B")
    for forged in ("", "x" * 32, "../../secret_key", altered):
        response = confirm(client, forged)
        assert response.status_code == 400
        assert "This import is no longer available" in response.get_data(as_text=True)
    assert count() == 0
    # The file was changed on disk after the preview: its digest no longer matches.
    path = Path(app.instance_path) / "imports" / f"{token}.csv"
    path.write_bytes(csv_bytes([row(), row(title="Disisipkan")]))
    assert confirm(client, token).status_code == 400
    assert count() == 0
    assert stored_uploads(app) == []


def test_confirm_refuses_another_users_upload(app, city, auth, client):
    auth.login(city["staff"])
    token = token_of(upload(client, csv_bytes([row()])))
    auth.logout()
    auth.login(city["colleague"])  # same browser session, another person
    assert confirm(client, token).status_code == 400
    assert count() == 0
    other_client = app.test_client()
    other_client.post("/auth/login", data={"email": city["staff"].email,
                                           "password": "correct-horse-battery"})
    assert confirm(other_client, token).status_code == 400  # another session
    assert count() == 0


def test_confirm_refuses_an_expired_upload(app, city, auth, client):
    auth.login(city["staff"])
    token = token_of(upload(client, csv_bytes([row()])))
    with client.session_transaction() as session:
        pending = session["transfer.imports"]
        pending[token]["at"] = time.time() - 2 * 3600
        session["transfer.imports"] = pending
    assert confirm(client, token).status_code == 400
    assert count() == 0


def test_confirm_checks_again_and_imports_nothing_if_the_data_changed(app, city, auth, client,
                                                                       make_initiative):
    auth.login(city["staff"])
    token = token_of(upload(client, csv_bytes([row(title="Satu"), row(title="Dua")])))
    make_initiative(city["dinkes"], title="Dua")  # someone was quicker
    response = confirm(client, token)
    assert response.status_code == 422
    assert errors_of(response) == [(3, COLUMN["title"],
                                    "DINKES already has an initiative with this title.")]
    assert set(db.session.scalars(sa.select(Initiative.title))) == {"Dua"}
    assert count(Activity) == 0
    assert stored_uploads(app) == []
    assert confirm(client, token).status_code == 400  # used up


def test_a_confirmed_import_cannot_be_replayed(city, auth, client):
    auth.login(city["staff"])
    token = token_of(upload(client, csv_bytes([row()])))
    assert confirm(client, token).status_code == 303
    assert confirm(client, token).status_code == 400
    assert count() == 1


def test_a_refusal_at_confirm_is_shown_and_nothing_half_written(city, auth, client, monkeypatch):
    """Whatever refuses while the rows are written (here the first stage locked by a move) rolls
    the whole import back and says why on the import page: never a 500."""
    from quickwin_tracker.domain.errors import Conflict
    from quickwin_tracker.transfer import imports

    real = imports.import_initiatives

    def refuse_after_writing(actor, plan, now=None):
        real(actor, plan, now)  # every row is inserted (flushed) …
        raise Conflict("The board changed meanwhile; please try again.")  # … then refused

    auth.login(city["staff"])
    token = token_of(upload(client, csv_bytes([row(title="Satu"), row(title="Dua")])))
    monkeypatch.setattr(imports, "import_initiatives", refuse_after_writing)
    response = confirm(client, token)
    assert response.status_code == 409
    assert "The board changed meanwhile" in response.get_data(as_text=True)
    assert count() == 0 and count(Activity) == 0
    assert confirm(client, token).status_code == 400  # used up: upload the file again


def test_old_uploads_are_swept(app, city, auth, client):
    import os

    auth.login(city["staff"])
    first = token_of(upload(client, csv_bytes([row()])))
    path = Path(app.instance_path) / "imports" / f"{first}.csv"
    os.utime(path, (time.time() - 3 * 3600, time.time() - 3 * 3600))
    second = token_of(upload(client, csv_bytes([row(title="Lain")])))
    assert stored_uploads(app) == [f"{second}.csv"]


# --------------------------------------------------------------------------- size


@pytest.mark.slow
def test_ten_thousand_rows_import_in_one_go(app, city, auth, client, stages, dimensions):
    codes = [d.code for d in dimensions.values()]
    rows = [row(title=f"Inisiatif massal {n}", dimension=codes[n % len(codes)],
                target_date=f"{(n % 28) + 1:02d}/03/2027", tags="SDG 3.8" if n % 2 else "")
            for n in range(10_000)]
    content = xlsx_bytes(rows)
    auth.login(city["staff"])
    started = time.perf_counter()
    preview = upload(client, content, "massal.xlsx")
    previewed = time.perf_counter()
    assert preview.status_code == 200
    response = confirm(client, token_of(preview))
    finished = time.perf_counter()
    assert response.status_code == 303
    print(f"\n10,000-row XLSX on {db.engine.dialect.name}: preview {previewed - started:.1f} s, "
          f"confirm {finished - previewed:.1f} s, total {finished - started:.1f} s")
    assert count() == 10_000
    assert count(Activity) == 10_000
    first_stage = stages["proposed"].id
    for dimension in dimensions.values():
        positions = list(db.session.scalars(
            sa.select(Initiative.position)
            .where(Initiative.dimension_id == dimension.id, Initiative.stage_id == first_stage)
            .order_by(Initiative.position)))
        assert positions == list(range(len(positions)))


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_both_steps_carry_a_csrf_token(city, client, app_config):
    def token(html):
        return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)

    login = client.get("/auth/login").get_data(as_text=True)
    client.post("/auth/login", data={"email": city["staff"].email,
                                     "password": "correct-horse-battery",
                                     "csrf_token": token(login)})
    page = client.get("/transfer/import").get_data(as_text=True)
    refused = upload(client, csv_bytes([row()]))
    assert refused.status_code == 400  # no token
    preview = client.post("/transfer/import", content_type="multipart/form-data", data={
        "file": (io.BytesIO(csv_bytes([row()])), "a.csv"), "csrf_token": token(page)})
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    assert confirm(client, token_of(preview)).status_code == 400  # no token
    done = client.post("/transfer/import/confirm",
                       data={"upload": token_of(preview), "csrf_token": token(html)})
    assert done.status_code == 303
    assert count() == 1


# --------------------------------------------------------------------------- crafted files

# Workbooks built from raw XML (a few kilobytes zipped, unpacking to millions of rows, cells or
# texts): each must be refused, with its message next to the file field, within 2 seconds. The
# bound is a correctness limit (a request that holds a worker for longer is the attack), measured
# as the wall time of the whole request, so it is generous: refusals take milliseconds.
REFUSAL_SECONDS = 2.0

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PART_TYPES = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def sheet_xml(data: bytes, dimension: str | None = None, encoding: str = "utf-8") -> bytes:
    dim = f'<dimension ref="{dimension}"/>'.encode() if dimension else b""
    head = f'<?xml version="1.0" encoding="{encoding}"?><worksheet xmlns="{MAIN_NS}">'.encode()
    return head + dim + b"<sheetData>" + data + b"</sheetData></worksheet>"


def text_row(number: int, values) -> bytes:
    from xml.sax.saxutils import escape

    cells = "".join(f'<c r="{chr(65 + n)}{number}" t="inlineStr"><is><t>{escape(str(v))}</t></is></c>'
                    for n, v in enumerate(values) if v not in ("", None))
    return f'<row r="{number}">{cells}</row>'.encode()


def crafted_xlsx(*sheets: bytes, strings: bytes | None = None, styles: bytes | None = None) -> bytes:
    """A workbook zipped from raw parts: ``sheets`` (whole sheet documents), optionally a
    shared-strings table (its ``<si>`` entries) and a styles part."""
    overrides = [f'<Override PartName="/xl/workbook.xml" ContentType="{PART_TYPES}.sheet.main+xml"/>']
    relations = []
    entries = []
    for n, _sheet in enumerate(sheets, start=1):
        overrides.append(f'<Override PartName="/xl/worksheets/sheet{n}.xml" '
                         f'ContentType="{PART_TYPES}.worksheet+xml"/>')
        relations.append(f'<Relationship Id="rId{n}" Type="{REL_NS}/worksheet" '
                         f'Target="worksheets/sheet{n}.xml"/>')
        entries.append(f'<sheet name="Sheet{n}" sheetId="{n}" r:id="rId{n}"/>')
    if strings is not None:
        overrides.append(f'<Override PartName="/xl/sharedStrings.xml" '
                         f'ContentType="{PART_TYPES}.sharedStrings+xml"/>')
        relations.append(f'<Relationship Id="rIdS" Type="{REL_NS}/sharedStrings" '
                         f'Target="sharedStrings.xml"/>')
    if styles is not None:
        overrides.append(f'<Override PartName="/xl/styles.xml" ContentType="{PART_TYPES}.styles+xml"/>')
        relations.append(f'<Relationship Id="rIdT" Type="{REL_NS}/styles" Target="styles.xml"/>')
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
            'package/2006/content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            f'ContentType="application/xml"/>{"".join(overrides)}</Types>'))
        archive.writestr("_rels/.rels", (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
            f'Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'))
        archive.writestr("xl/workbook.xml", (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">'
            f'<sheets>{"".join(entries)}</sheets></workbook>'))
        archive.writestr("xl/_rels/workbook.xml.rels", (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            f'openxmlformats.org/package/2006/relationships">{"".join(relations)}</Relationships>'))
        for n, sheet in enumerate(sheets, start=1):
            archive.writestr(f"xl/worksheets/sheet{n}.xml", sheet)
        if strings is not None:
            archive.writestr("xl/sharedStrings.xml", f'<?xml version="1.0"?><sst xmlns="{MAIN_NS}">'
                             .encode() + strings + b"</sst>")
        if styles is not None:
            archive.writestr("xl/styles.xml", styles)
    return buffer.getvalue()


HEADER_ROW = text_row(1, HEADERS)


def _numbered_blank_rows():
    return sheet_xml(HEADER_ROW + b"".join(b'<row r="%d"/>' % n for n in range(2, 100_002)))


def _styles_bomb():
    return (f'<?xml version="1.0"?><styleSheet xmlns="{MAIN_NS}"><cellXfs count="1">'.encode()
            + b'<xf numFmtId="0"/>' * 200_000 + b"</cellXfs></styleSheet>")


CRAFTED = {
    # name: (builder, words of the message next to the file field)
    "100,000 numbered blank rows": (_numbered_blank_rows, "more than 30,000 rows, counting empty"),
    "a million blank rows, no dimension": (
        lambda: sheet_xml(HEADER_ROW + b"<row/>" * 1_000_000), "more than 30,000 rows, counting empty"),
    "a million blank rows under a dimension that admits them": (
        lambda: sheet_xml(HEADER_ROW + b"<row/>" * 1_000_000, "A1:H1000001"),
        "more than 30,000 rows, counting empty"),
    "rows of empty cells": (
        lambda: sheet_xml(HEADER_ROW + (b"<row>" + b"<c/>" * 50 + b"</row>") * 100_000, "A1:AX100001"),
        "more than 300,000 cells, counting empty"),
    "one row of a million empty cells": (
        lambda: sheet_xml(HEADER_ROW + b"<row>" + b"<c/>" * 1_000_000 + b"</row>", "A1:H2"),
        "more than 300,000 cells, counting empty"),
    "a lone row far below (openpyxl fills the gap)": (
        lambda: sheet_xml(HEADER_ROW + text_row(1_048_576, row()), "A1:H1048576"),
        "more than 30,000 rows, counting empty"),
    "blank rows with a namespace prefix": (
        lambda: sheet_xml(b"").replace(b"<worksheet xmlns=", b"<x:worksheet xmlns:x=")
        .replace(b"<sheetData>", b"<x:sheetData>" + b"<x:row/>" * 1_000_000)
        .replace(b"</sheetData></worksheet>", b"</x:sheetData></x:worksheet>"),
        "more than 30,000 rows, counting empty"),
    "blank rows in UTF-16": (
        lambda: sheet_xml(b"<row/>" * 1_000_000, encoding="utf-16").decode().encode("utf-16"),
        "more than 30,000 rows, counting empty"),
    "a sheet larger than the cap once unpacked": (
        lambda: sheet_xml(b'<row><c t="inlineStr"><is><t>' + b"a" * (33 * 1024 * 1024)
                          + b"</t></is></c></row>"),
        "A sheet of the workbook is larger than 32 MB once unpacked"),
    "rows made by entity expansion": (
        lambda: (b'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY r "<row/><row/><row/><row/>">]>'
                 + sheet_xml(b"&r;" * 100_000).split(b"?>", 1)[1]),
        "not a spreadsheet we can read"),
}


@functools.cache
def crafted_workbook(name: str) -> bytes:
    if name == "150,000 different shared strings":
        return crafted_xlsx(sheet_xml(b'<row><c t="s"><v>0</v></c></row>'),
                            strings=b"".join(b"<si><t>%d</t></si>" % n for n in range(150_000)))
    if name == "a million empty shared strings":
        return crafted_xlsx(sheet_xml(b'<row><c t="s"><v>0</v></c></row>'),
                            strings=b"<si/>" * 1_000_000)
    if name == "a style table of 200,000 cell formats":
        return crafted_xlsx(sheet_xml(HEADER_ROW), styles=_styles_bomb())
    return crafted_xlsx(CRAFTED[name][0]())


MESSAGES = {name: message for name, (_build, message) in CRAFTED.items()} | {
    "150,000 different shared strings": "more text than an import reads (at most 100,000",
    "a million empty shared strings": "more text than an import reads (at most 100,000",
    "a style table of 200,000 cell formats": "too complex to read (its part xl/styles.xml",
}


def refusal(client, content, name):
    started = time.monotonic()
    response = upload(client, content, name)
    elapsed = time.monotonic() - started
    html = response.get_data(as_text=True)
    error = re.search(r'<p class="error" id="file-error">(.*?)</p>', html, re.S)
    return response, elapsed, error.group(1).replace("&#39;", "'") if error else html


@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_a_crafted_workbook_is_refused_quickly(app, city, auth, client, name):
    content = crafted_workbook(name)
    assert len(content) < 512 * 1024  # small to upload, big once unpacked
    auth.login(city["staff"])
    response, elapsed, message = refusal(client, content, "bom.xlsx")
    print(f"\n{name}: {len(content):,} bytes zipped, refused in {elapsed:.3f} s")
    assert response.status_code == 422
    assert MESSAGES[name] in message, message
    assert elapsed < REFUSAL_SECONDS
    assert stored_uploads(app) == [] and count() == 0


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("blank lines", b"Judul,Manfaat,Dimensi\n" + b"\n" * 4_000_000, "more than 30,000 rows"),
        ("blank Windows lines", b"\r\n" * 2_000_000 + b"Judul,Manfaat,Dimensi\r\n",
         "more than 30,000 rows"),
        ("rows of empty fields", b"Judul,Manfaat,Dimensi\n" + b",,,,,,,,,,,,,,,,,,,\n" * 200_000,
         "more than 300,000 cells"),
        ("one line of a million fields", b"Judul,Manfaat,Dimensi" + b"," * 1_000_000 + b"\n",
         "more than 300,000 cells"),
    ],
)
def test_a_crafted_csv_is_refused_quickly(app, city, auth, client, name, content, message):
    assert len(content) <= 5 * 1024 * 1024  # within the upload limit
    auth.login(city["staff"])
    response, elapsed, shown = refusal(client, content, "bom.csv")
    print(f"\nCSV of {name}: refused in {elapsed:.3f} s")
    assert response.status_code == 422
    assert message in shown, shown
    assert elapsed < REFUSAL_SECONDS
    assert count() == 0


def test_the_refusals_are_translated(city, auth, client):
    city["staff"].locale = "id"
    db.session.commit()
    auth.login(city["staff"])
    _response, _elapsed, message = refusal(client, crafted_workbook("a million blank rows, no dimension"),
                                           "bom.xlsx")
    assert message == t("The file has more than %(max)s rows, counting empty ones. Delete the "
                        "empty rows below the table, or split the file, and upload it again.",
                        max="30.000")
    assert "baris" in message


def test_reading_stops_at_the_time_budget(monkeypatch, city, auth, client):
    from quickwin_tracker.transfer import tables

    ticks = iter(range(0, 10**6, 5))  # every look at the clock: five seconds later
    monkeypatch.setattr(tables, "_clock", lambda: next(ticks))
    auth.login(city["staff"])
    for content, name in ((xlsx_bytes([row()] * 20), "lambat.xlsx"),
                          (csv_bytes([row()] * 20), "lambat.csv")):
        response, _elapsed, message = refusal(client, content, name)
        assert response.status_code == 422
        assert "Reading the file took longer than 20 seconds" in message
    assert count() == 0


def test_a_big_second_sheet_the_import_does_not_read_is_no_reason_to_refuse(city, auth, client):
    auth.login(city["staff"])
    first = sheet_xml(HEADER_ROW + text_row(2, row()), "A1:H2")
    second = sheet_xml(b"".join(text_row(n, [f"Referensi {n}", "x"]) for n in range(1, 40_001)),
                       "A1:B40000")
    preview = upload(client, crafted_xlsx(first, second), "dua-sheet.xlsx")
    assert preview.status_code == 200, preview.get_data(as_text=True)
    assert confirm(client, token_of(preview)).status_code == 303
    assert count() == 1


def test_rows_beyond_a_too_small_dimension_are_read(city, auth, client):
    """openpyxl stops at the sheet's <dimension> when left to itself: rows below it were dropped
    without a word."""
    auth.login(city["staff"])
    sheet = sheet_xml(HEADER_ROW + text_row(2, row()) + text_row(3, row(title="Baris tiga")), "A1")
    preview = upload(client, crafted_xlsx(sheet), "dimensi.xlsx")
    assert preview.status_code == 200, preview.get_data(as_text=True)
    assert confirm(client, token_of(preview)).status_code == 303
    assert set(db.session.scalars(sa.select(Initiative.title))) == {
        "Antrean online puskesmas", "Baris tiga"}


def test_shared_strings_read_as_openpyxl_reads_them(city, auth, client):
    """Our shared-strings reader gives each text without its formatting or phonetic runs."""
    auth.login(city["staff"])
    texts = [f"<si><t>{h}</t></si>" for h in HEADERS] + [
        '<si><r><t xml:space="preserve">Antrean </t></r><r><rPr><b/></rPr><t>online</t></r>'
        "<rPh sb=\"0\" eb=\"1\"><t>x</t></rPh></si>",
        "<si><t>Warga tidak antre &amp; tidak menunggu.</t></si>",
        "<si><t>living</t></si>", "<si><t>DINKES</t></si>",
    ]
    header = "".join(f'<c r="{chr(65 + n)}1" t="s"><v>{n}</v></c>' for n in range(len(HEADERS)))
    data = "".join(f'<c r="{letter}2" t="s"><v>{index}</v></c>'
                   for letter, index in (("A", 8), ("B", 9), ("D", 10), ("E", 11)))
    sheet = sheet_xml(f'<row r="1">{header}</row><row r="2">{data}</row>'.encode(), "A1:H2")
    content = crafted_xlsx(sheet, strings="".join(texts).encode())
    with zipfile.ZipFile(io.BytesIO(content)) as archive:  # openpyxl, for comparison
        assert archive.namelist()
    expected = list(load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
                    .iter_rows(values_only=True))[1]
    assert expected[0] == "Antrean online"
    preview = upload(client, content, "teks.xlsx")
    assert preview.status_code == 200, preview.get_data(as_text=True)
    assert confirm(client, token_of(preview)).status_code == 303
    created = db.session.scalar(sa.select(Initiative))
    assert (created.title, created.benefit) == ("Antrean online", "Warga tidak antre & tidak menunggu.")


# --------------------------------------------------------------------------- the date window


@pytest.mark.parametrize("app_config", [{"DATE_MIN_YEAR": 2020, "DATE_MAX_YEAR": 2030}])
def test_import_dates_follow_the_configured_window(city, auth, client, app_config):
    auth.login(city["staff"])
    content = xlsx_bytes([row(title="Terlalu awal", target_date="31/12/2019"),
                          row(title="Pas", target_date="2030-12-31"),
                          row(title="Terlalu jauh", target_date=datetime(2031, 1, 1)),
                          row(title="Angka Excel", target_date=73051)])  # 2100-01-01
    errors = errors_of(upload(client, content, "jendela.xlsx"))
    assert errors == [
        (2, COLUMN["target_date"], "2019-12-31 is outside the accepted years: 2020 to 2030."),
        (4, COLUMN["target_date"], "2031-01-01 is outside the accepted years: 2020 to 2030."),
        (5, COLUMN["target_date"], "2100-01-01 is outside the accepted years: 2020 to 2030."),
    ]
