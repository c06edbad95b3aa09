"""Evidence uploads: type by content, size limits, safe storage, no orphans, downloads."""

import io
import re
import struct
import zlib
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from quickwin_tracker.config import UPLOAD_MARGIN
from quickwin_tracker.domain.clock import local_today
from quickwin_tracker.domain.errors import Invalid
from quickwin_tracker.extensions import db
from quickwin_tracker.models import Activity, Evidence, Indicator, Measurement
from quickwin_tracker.outcomes import evidence, services
from tests.conftest import t

PDF = (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
       b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
       b"trailer << /Root 1 0 R >>\n%%EOF\n")


def _png() -> bytes:
    """A real 1×1 white PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels)
            + chunk(b"IEND", b""))


PNG = _png()
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
WEBP = (b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00"
        b"\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00")


@pytest.fixture
def folder(app) -> Path:
    return Path(app.instance_path) / "evidence"


def files_in(folder: Path) -> list[Path]:
    return sorted(folder.iterdir()) if folder.exists() else []


def count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def upload(client, measured_team, content: bytes, filename: str, headers=None, **fields):
    iid = measured_team.indicator.id
    data = {
        f"measurement-{iid}-value": "4",
        f"measurement-{iid}-measured_on": (local_today() - timedelta(days=2)).isoformat(),
        f"measurement-{iid}-note": "",
        f"measurement-{iid}-link": "",
        f"measurement-{iid}-evidence": (io.BytesIO(content), filename),
    }
    data.update({f"measurement-{iid}-{k}": v for k, v in fields.items()})
    return client.post(f"/initiatives/{measured_team.initiative.id}/indicators/{iid}/measurements",
                       data=data, content_type="multipart/form-data", headers=headers or {})


def only_evidence() -> Evidence:
    return db.session.scalar(sa.select(Evidence))


# --------------------------------------------------------------------------- accepted


@pytest.mark.parametrize(
    "content, filename, content_type, extension, download",
    [
        (PDF, "laporan bulanan.pdf", "application/pdf", ".pdf", "laporan_bulanan.pdf"),
        (PNG, "foto-timbangan.PNG", "image/png", ".png", "foto-timbangan.PNG"),
        (JPEG, "foto.jpeg", "image/jpeg", ".jpg", "foto.jpeg"),
        (WEBP, "foto.webp", "image/webp", ".webp", "foto.webp"),
        # the content decides, not the name: a PDF called .png is a PDF
        (PDF, "scan.png", "application/pdf", ".pdf", "scan.pdf"),
    ],
)
def test_accepted_upload_is_stored_and_downloadable(measured_team, auth, client, folder, content,
                                                    filename, content_type, extension, download):
    auth.login(measured_team.staff)
    response = upload(client, measured_team, content, filename)
    assert response.status_code == 303
    item = only_evidence()
    assert re.fullmatch(r"[0-9a-f]{32}" + re.escape(extension), item.stored_name)
    assert item.content_type == content_type and item.size == len(content)
    assert len(item.sha256) == 64 and item.uploaded_by_id == measured_team.staff.id
    assert files_in(folder) == [folder / item.stored_name]
    assert (folder / item.stored_name).read_bytes() == content
    m = db.session.scalar(sa.select(Measurement))
    assert m.evidence_id == item.id
    entries = db.session.scalars(sa.select(Activity)).all()
    assert [e.verb for e in entries] == ["measurement_recorded"] and entries[0].data["evidence"]

    page = client.get(f"/initiatives/{measured_team.initiative.id}").get_data(as_text=True)
    assert f'href="/evidence/{item.id}"' in page

    got = client.get(f"/evidence/{item.id}")
    assert got.status_code == 200
    assert got.data == content
    assert got.headers["Content-Type"] == content_type
    assert got.headers["Content-Disposition"] == f"inline; filename={download}"
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert got.headers["Cache-Control"] == "no-store"  # as everything a signed-in user sees
    got.close()


def test_non_ascii_names_are_sanitised_for_display(measured_team, auth, client):
    auth.login(measured_team.staff)
    assert upload(client, measured_team, PDF, "bukti_ü.pdf").status_code == 303
    item = only_evidence()
    assert item.original_name == "bukti_u.pdf"
    got = client.get(f"/evidence/{item.id}")
    assert got.headers["Content-Disposition"] == "inline; filename=bukti_u.pdf"
    got.close()


def test_path_in_the_filename_is_never_used(measured_team, auth, client, folder, app):
    auth.login(measured_team.staff)
    instance = Path(app.instance_path)
    assert upload(client, measured_team, PDF, "../../etc/passwd.pdf").status_code == 303
    item = only_evidence()
    assert item.original_name == "etc_passwd.pdf"
    assert re.fullmatch(r"[0-9a-f]{32}\.pdf", item.stored_name)
    stored = (folder / item.stored_name).resolve()
    assert stored.parent == folder.resolve() and stored.exists()
    assert not (instance.parent / "etc").exists() and not (instance / "etc").exists()
    assert files_in(folder) == [folder / item.stored_name]


def test_measurement_without_a_file(measured_team, auth, client, folder):
    auth.login(measured_team.staff)
    iid = measured_team.indicator.id
    response = client.post(
        f"/initiatives/{measured_team.initiative.id}/indicators/{iid}/measurements",
        data={f"measurement-{iid}-value": "4",
              f"measurement-{iid}-measured_on": date(2026, 1, 1).isoformat(),
              f"measurement-{iid}-evidence": (io.BytesIO(b""), "")},
        content_type="multipart/form-data")
    assert response.status_code == 303
    assert count(Measurement) == 1 and count(Evidence) == 0 and files_in(folder) == []


# --------------------------------------------------------------------------- refused


@pytest.mark.parametrize(
    "content, filename",
    [
        (b"this is not a PDF at all\n", "x.pdf"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "x.png"),
        (b"GIF89a\x01\x00\x01\x00", "x.gif"),
        (b"MZ\x90\x00", "laporan.pdf"),
        (b"RIFF\x00\x00\x00\x00WAVEfmt ", "x.webp"),
        (b"", "kosong.pdf"),
    ],
)
def test_refused_types_leave_nothing_behind(measured_team, auth, client, hx, folder, content, filename):
    auth.login(measured_team.staff)
    iid = measured_team.indicator.id
    for headers in ({}, hx):
        response = upload(client, measured_team, content, filename, headers=headers)
        assert response.status_code == 422
        html = response.get_data(as_text=True)
        assert f'id="measurement-{iid}-evidence-error"' in html
        assert ("<html" in html) is (not headers)
    assert count(Measurement) == 0 and count(Evidence) == 0 and count(Activity) == 0
    assert files_in(folder) == []


def test_text_named_pdf_gets_a_clear_message(measured_team, auth, client, hx):
    auth.login(measured_team.staff)
    html = upload(client, measured_team, b"hello", "x.pdf", headers=hx).get_data(as_text=True)
    assert t("Only PDF, PNG, JPEG or WebP files are accepted, and this file is none "
             "of them (whatever its name says).") in html


def test_other_errors_do_not_write_the_file(measured_team, auth, client, folder):
    auth.login(measured_team.staff)
    response = upload(client, measured_team, PDF, "ok.pdf", value="")
    assert response.status_code == 422
    assert count(Evidence) == 0 and files_in(folder) == []
    future = (local_today() + timedelta(days=1)).isoformat()
    assert upload(client, measured_team, PDF, "ok.pdf", measured_on=future).status_code == 422
    assert count(Evidence) == 0 and files_in(folder) == []


def test_default_limits():
    from quickwin_tracker import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["EVIDENCE_MAX_BYTES"] == 10 * 1024 * 1024
    # a whole request may carry one evidence file and the rest of its form
    assert app.config["MAX_CONTENT_LENGTH"] >= 10 * 1024 * 1024 + UPLOAD_MARGIN


def test_limit_comes_from_the_environment(monkeypatch):
    from quickwin_tracker import create_app
    from quickwin_tracker.config import ConfigError

    monkeypatch.setenv("QUICKWIN_EVIDENCE_MAX_MB", "3")
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["EVIDENCE_MAX_BYTES"] == 3 * 1024 * 1024
    assert app.config["MAX_CONTENT_LENGTH"] >= 3 * 1024 * 1024 + UPLOAD_MARGIN
    monkeypatch.setenv("QUICKWIN_EVIDENCE_MAX_MB", "0")
    with pytest.raises(ConfigError):
        create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})


@pytest.mark.parametrize("app_config", [{"EVIDENCE_MAX_BYTES": 1024}])
def test_file_over_the_limit_is_refused_next_to_the_field(measured_team, auth, client, hx, folder,
                                                          app_config):
    auth.login(measured_team.staff)
    iid = measured_team.indicator.id
    big = PDF + b"%" * 1024  # over EVIDENCE_MAX_BYTES, well under MAX_CONTENT_LENGTH
    for headers in ({}, hx):
        response = upload(client, measured_team, big, "besar.pdf", headers=headers)
        assert response.status_code == 422
        html = response.get_data(as_text=True)
        assert f'id="measurement-{iid}-evidence-error"' in html
        assert t("The file is too large: at most %(size)s is accepted.", size="1 KB") in html
    assert count(Measurement) == 0 and count(Evidence) == 0 and files_in(folder) == []
    # exactly at the limit is fine
    assert upload(client, measured_team, PDF + b"%" * (1024 - len(PDF)), "genap.pdf").status_code == 303


@pytest.mark.parametrize("app_config", [{"EVIDENCE_MAX_BYTES": 1024, "MAX_CONTENT_LENGTH": 8192}])
def test_body_over_max_content_length_is_413_or_a_message_never_500(measured_team, auth, client, hx, folder,
                                                                    app, app_config):
    auth.login(measured_team.staff)
    iid = measured_team.indicator.id
    huge = PDF + b"%" * (app.config["MAX_CONTENT_LENGTH"] + 10)
    page = upload(client, measured_team, huge, "raksasa.pdf")
    assert page.status_code == 413
    text = page.get_data(as_text=True)
    assert "<html" in text and "<h1>413 · " in text
    assert t("The file is too large: at most %(size)s is accepted.", size="1 KB") in text

    fragment = upload(client, measured_team, huge, "raksasa.pdf", headers=hx)
    assert fragment.status_code == 422  # htmx swaps 422: the message appears in place
    html = fragment.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="outcomes"')
    assert f'id="measurement-{iid}-evidence-error"' in html
    assert t("The file is too large: at most %(size)s is accepted.", size="1 KB") in html
    assert '<details class="add-form record-measurement" open>' in html
    assert count(Measurement) == 0 and count(Evidence) == 0 and files_in(folder) == []


@pytest.mark.parametrize("app_config", [{"EVIDENCE_MAX_BYTES": 1024, "MAX_CONTENT_LENGTH": 8192,
                                         "WTF_CSRF_ENABLED": True}])
def test_uploads_with_csrf_on(measured_team, client, hx, folder, app, app_config):
    from tests.conftest import PASSWORD

    def token(html):
        return re.search(r'"X-CSRFToken": "([^"]+)"', html).group(1)

    login = client.get("/auth/login").get_data(as_text=True)
    client.post("/auth/login", data={"email": measured_team.staff.email, "password": PASSWORD,
                                     "csrf_token": token(login)})
    page = client.get(f"/initiatives/{measured_team.initiative.id}").get_data(as_text=True)
    iid = measured_team.indicator.id
    # the measurement form carries its own (prefixed) token field
    field = re.search(rf'name="measurement-{iid}-csrf_token" type="hidden" value="([^"]+)"', page)
    assert field
    ok = upload(client, measured_team, PNG, "foto.png", csrf_token=field.group(1))
    assert ok.status_code == 303 and count(Evidence) == 1
    # too large: werkzeug refuses while CSRF reads the form, before any view; still no 500
    huge = PDF + b"%" * (app.config["MAX_CONTENT_LENGTH"] + 10)
    assert upload(client, measured_team, huge, "raksasa.pdf").status_code == 413
    fragment = upload(client, measured_team, huge, "raksasa.pdf",
                      headers={**hx, "X-CSRFToken": token(page)})
    assert fragment.status_code == 422
    assert f'id="measurement-{iid}-evidence-error"' in fragment.get_data(as_text=True)
    assert count(Evidence) == 1 and len(files_in(folder)) == 1


# --------------------------------------------------------------------------- no orphans


def _storage(content=PDF, name="bukti.pdf"):
    return FileStorage(stream=io.BytesIO(content), filename=name)


def test_rolled_back_transaction_removes_the_file(measured_team, folder):
    data = services.MeasurementData(value=3.0, measured_on=date(2026, 1, 1))
    m = services.record_measurement(measured_team.staff, measured_team.indicator, data, _storage())
    path = folder / m.evidence.stored_name
    assert path.exists()
    db.session.rollback()
    assert not path.exists() and files_in(folder) == []
    assert count(Evidence) == 0


def test_committed_file_stays_and_a_later_rollback_does_not_touch_it(measured_team, folder):
    data = services.MeasurementData(value=3.0, measured_on=date(2026, 1, 1))
    m = services.record_measurement(measured_team.staff, measured_team.indicator, data, _storage())
    path = folder / m.evidence.stored_name
    db.session.commit()
    assert path.exists()
    services.record_measurement(measured_team.staff, measured_team.indicator, data, _storage(PNG, "b.png"))
    db.session.rollback()
    assert files_in(folder) == [path]


def test_failed_flush_after_the_write_removes_the_file(measured_team, folder, monkeypatch):
    """The database refuses the change after the file was written: the file goes too."""
    original = services.activity.record

    def failing(*args, **kwargs):
        original(*args, **kwargs)
        raise RuntimeError("database went away")

    monkeypatch.setattr(services.activity, "record", failing)
    data = services.MeasurementData(value=3.0, measured_on=date(2026, 1, 1))
    with pytest.raises(RuntimeError):
        services.record_measurement(measured_team.staff, measured_team.indicator, data, _storage())
    assert len(files_in(folder)) == 1
    db.session.rollback()
    assert files_in(folder) == []


# --------------------------------------------------------------------------- no leftovers


def _two_measurements_with_files(measured_team, folder):
    data = services.MeasurementData(value=3.0, measured_on=date(2026, 1, 1))
    paths = []
    for content, name in ((PDF, "a.pdf"), (PNG, "b.png")):
        m = services.record_measurement(measured_team.staff, measured_team.indicator, data,
                                        _storage(content, name))
        paths.append(folder / m.evidence.stored_name)
    db.session.commit()
    assert files_in(folder) == sorted(paths) and count(Evidence) == 2
    return paths


def test_deleting_an_indicator_deletes_its_evidence_after_the_commit(measured_team, auth, client, hx,
                                                                    folder):
    paths = _two_measurements_with_files(measured_team, folder)
    auth.login(measured_team.staff)
    url = f"/initiatives/{measured_team.initiative.id}/indicators/{measured_team.indicator.id}/delete"
    response = client.post(url, headers=hx)
    assert response.status_code == 200
    assert count(Indicator) == 0 and count(Measurement) == 0 and count(Evidence) == 0
    assert files_in(folder) == [] and not any(p.exists() for p in paths)
    entry = db.session.scalar(sa.select(Activity).where(Activity.verb == "indicator_deleted"))
    assert (entry.data["measurements"], entry.data["evidence_files"]) == (2, 2)


def test_files_stay_until_the_commit_and_a_rollback_keeps_them(measured_team, folder):
    paths = _two_measurements_with_files(measured_team, folder)
    indicator = db.session.get(Indicator, measured_team.indicator.id)
    services.delete_indicator(measured_team.staff, indicator)
    assert count(Evidence) == 0  # flushed, not committed: the files are still there
    assert files_in(folder) == sorted(paths)
    db.session.rollback()
    assert files_in(folder) == sorted(paths)
    assert count(Evidence) == 2 and count(Measurement) == 2
    # A later, unrelated commit does not remove them either.
    db.session.add(Indicator(initiative_id=measured_team.initiative.id, name="Lain"))
    db.session.commit()
    assert files_in(folder) == sorted(paths)


def test_evidence_another_indicator_uses_is_kept(measured_team, folder):
    [first, second] = _two_measurements_with_files(measured_team, folder)
    shared = db.session.scalar(sa.select(Evidence).where(Evidence.stored_name == first.name))
    other = Indicator(initiative_id=measured_team.initiative.id, name="Indikator lain")
    db.session.add(other)
    db.session.flush()
    db.session.add(Measurement(indicator_id=other.id, value=1.0, measured_on=date(2026, 1, 2),
                               evidence_id=shared.id))
    db.session.commit()
    services.delete_indicator(measured_team.staff, db.session.get(Indicator, measured_team.indicator.id))
    db.session.commit()
    assert files_in(folder) == [first] and not second.exists()
    assert [e.stored_name for e in db.session.scalars(sa.select(Evidence))] == [first.name]


def test_a_file_a_row_still_names_is_never_removed(measured_team, folder):
    """Belt and braces: the commit hook asks the database before it removes a file."""
    [first, second] = _two_measurements_with_files(measured_team, folder)
    keep = db.session.scalar(sa.select(Evidence).where(Evidence.stored_name == first.name))
    evidence.remove_after_commit([keep])  # (wrongly) handed over while its row stays
    db.session.commit()
    assert files_in(folder) == sorted([first, second])


def test_service_checks_before_writing(measured_team, folder):
    data = services.MeasurementData(value=None, measured_on=date(2026, 1, 1))
    with pytest.raises(Invalid) as refused:
        services.record_measurement(measured_team.staff, measured_team.indicator, data, _storage())
    assert refused.value.field == "value" and files_in(folder) == []


def test_sniffing():
    assert evidence.sniff(PDF) == "application/pdf"
    assert evidence.sniff(PNG) == "image/png"
    assert evidence.sniff(JPEG) == "image/jpeg"
    assert evidence.sniff(WEBP) == "image/webp"
    assert evidence.sniff(b"RIFF") is None
    assert evidence.sniff(b" %PDF-1.4") is None
    assert evidence.sniff(b"") is None


# --------------------------------------------------------------------------- downloads


def test_anonymous_download_goes_to_login(measured_team, auth, client):
    auth.login(measured_team.staff)
    upload(client, measured_team, PDF, "a.pdf")
    auth.logout()
    response = client.get(f"/evidence/{only_evidence().id}")
    assert response.status_code in (302, 303)
    assert "/auth/login" in response.headers["Location"]


def test_unknown_or_missing_evidence_is_404(measured_team, auth, client, folder):
    auth.login(measured_team.staff)
    assert client.get("/evidence/4242").status_code == 404
    upload(client, measured_team, PDF, "a.pdf")
    item = only_evidence()
    (folder / item.stored_name).unlink()
    assert client.get(f"/evidence/{item.id}").status_code == 404


def test_reviewers_can_read_evidence(measured_team, auth, client):
    auth.login(measured_team.staff)
    upload(client, measured_team, PNG, "foto.png")
    auth.logout()
    auth.login(measured_team.reviewer)
    got = client.get(f"/evidence/{only_evidence().id}")
    assert got.status_code == 200 and got.data == PNG
    got.close()
