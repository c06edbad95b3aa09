"""Issue 14's "done when", in Chromium, as a new user would try it: OPD staff post an update
saying "on track" on an initiative whose milestone is overdue and see the disagreement flagged;
the reviewer sees which OPDs have gone silent and downloads the quarterly report."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import sqlalchemy as sa
from openpyxl import load_workbook
from playwright.sync_api import expect

from quickwin_tracker.domain.clock import local_today, utcnow
from quickwin_tracker.extensions import db
from quickwin_tracker.models import Initiative, Milestone, Unit, User
from tests.browser.conftest import seed, sign_in
from tests.conftest import _PASSWORD_HASH

REVIEWER = "reviewer@setda.example.go.id"


def seed_routine():
    """The small board, with ``cctv``'s milestone 9 days overdue, ``wifi`` created 30 days ago
    and never updated (silent), and a reviewer."""
    data = seed()
    cctv = db.session.get(Initiative, data.initiatives["cctv"])
    db.session.add(Milestone(initiative=cctv, title="Uji coba kamera",
                             due_date=local_today() - timedelta(days=9)))
    wifi = db.session.get(Initiative, data.initiatives["wifi"])
    wifi.created_at = utcnow() - timedelta(days=30)
    reviewer = User(email=REVIEWER, name="Sekda Penelaah", role="reviewer", locale="id",
                    password_hash=_PASSWORD_HASH, board_settings={"scope": "city"})
    db.session.add(reviewer)
    db.session.commit()
    return data


def test_staff_report_on_track_see_the_flag_and_the_reviewer_gets_the_report(
        live_server_factory, new_context, tmp_path):
    server = live_server_factory(seed_routine)
    data = server.data

    # OPD staff: an "on track" update on an initiative whose milestone is 9 days overdue.
    page = new_context().new_page()
    sign_in(page, server, data.staff)
    page.goto(server.path(f"/initiatives/{data.initiatives['cctv']}"))
    updates = page.locator("#updates")
    updates.locator("details.post-update > summary").click()
    updates.locator("input[name='update-health'][value='on_track']").check()
    updates.locator("textarea[name='update-moved']").fill("Kamera terpasang di dua simpang.")
    updates.locator("#update-form button[type=submit]").click()
    flag = page.locator("#updates .update-flag")
    expect(flag).to_be_visible()
    expect(flag).to_contain_text(re.compile(
        r"Dilaporkan sesuai rencana; data menunjukkan berisiko: .*“Uji coba kamera” terlambat "
        r"9 hari"))
    expect(page.locator("#updates .update")).to_contain_text("Kamera terpasang di dua simpang.")
    page.close()

    # The reviewer: the summary names the silent OPD and initiative...
    page = new_context(accept_downloads=True).new_page()
    sign_in(page, server, REVIEWER)
    page.goto(server.path("/summary"))
    silent = page.locator("details.silent-details")
    silent.locator("summary").click()
    expect(silent).to_contain_text("Wi-Fi publik di taman kota")
    expect(silent).to_contain_text("DKIS")
    expect(page.locator(".summary-updates")).to_contain_text(re.compile(r"\d+ terlambat"))
    # ... and its link leads to the quarterly report, downloaded for DKIS.
    page.locator("a[href*='/reports/quarterly']").first.click()
    page.locator("#report-unit").select_option("DKIS")
    with page.expect_download() as download:
        page.locator("form[action*='quarterly.xlsx'] button[type=submit]").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert re.fullmatch(r"laporan-triwulan-DKIS-\d{4}-T[1-4]\.xlsx", saved.name), saved.name
    workbook = load_workbook(io.BytesIO(saved.read_bytes()))
    text = " ".join(str(c) for ws in workbook.worksheets for row in ws.iter_rows(values_only=True)
                    for c in row if c is not None)
    with server.app.app_context():
        unit_name = db.session.scalar(sa.select(Unit.name).where(Unit.code == "DKIS"))
    assert unit_name in text
    for title in ("CCTV simpang Balikpapan Baru", "Wi-Fi publik di taman kota"):
        assert title in text
    assert "Sensor kualitas udara" not in text  # DLH's
    assert "Kamera terpasang di dua simpang." in text  # the update's notes
