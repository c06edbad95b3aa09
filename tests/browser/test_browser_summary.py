"""Issue #5 as the Sekda's office uses it: the summary, a matrix cell that opens the filtered
board, and printing the summary to a clean PDF (no navigation, one dimension per page)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from playwright.sync_api import Page, expect

from quickwin_tracker.extensions import db
from quickwin_tracker.models import Dimension, Initiative, Stage, Unit, User
from tests.conftest import _PASSWORD_HASH


def seed_city() -> dict:
    stages = {s.code: s for s in db.session.scalars(sa.select(Stage))}
    dims = {d.code: d for d in db.session.scalars(sa.select(Dimension))}
    unit = Unit(code="DLH", name="Dinas Lingkungan Hidup")
    reviewer = User(email="setda@example.go.id", name="Rina Setda", role="reviewer",
                    password_hash=_PASSWORD_HASH, locale="id")
    rows = [("Bank sampah digital", "environment", "pilot"),
            ("Mangrove center", "environment", "pilot"),
            ("Taman kota ramah anak", "living", "approved")]
    initiatives = [Initiative(title=t, benefit="Warga merasakan manfaatnya.", dimension=dims[d],
                              stage=stages[s], unit=unit, position=n, target_date=date(2027, 6, 1))
                   for n, (t, d, s) in enumerate(rows)]
    db.session.add_all([unit, reviewer, *initiatives])
    db.session.commit()
    return {"email": reviewer.email, "ids": [i.id for i in initiatives]}


def test_matrix_cell_opens_the_filtered_board_and_the_summary_prints_cleanly(
        page: Page, live_server_factory, login, tmp_path):
    server = live_server_factory(seed_city)
    login(page, server, server.data["email"])
    page.goto(server.path("/summary?period=year"))
    expect(page.locator("h1")).to_contain_text("Ringkasan")
    cell = page.locator('td[data-cell="environment-pilot"] a')
    expect(cell).to_have_text("2")
    cell.click()
    page.wait_for_url("**/board/?dimension=environment#cell-environment-pilot")
    expect(page.locator("section.lane")).to_have_count(1)
    expect(page.locator("#cell-environment-pilot li.card")).to_have_count(2)

    page.goto(server.path("/summary?period=year"))
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator("#summary-filters")).to_be_hidden()
    breaks = page.eval_on_selector_all(
        ".dimension-page", "els => els.map(e => getComputedStyle(e).breakBefore)")
    assert breaks == ["page"] * 6
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 5_000
