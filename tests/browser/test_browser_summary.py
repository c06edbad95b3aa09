"""Issue #5 as the Sekda's office uses it: the summary, a matrix cell that opens the filtered
board, and printing the summary to a clean PDF (no navigation, the dimension pages open); and
issue 13: the summary of a city of 1,000 initiatives prints as a report of a few A4 pages with
its per-OPD table complete."""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from quickwin_tracker.extensions import db
from quickwin_tracker.models import Dimension, Initiative, Stage, Unit, User
from tests.browser.conftest import serving
from tests.conftest import _PASSWORD_HASH

ADMIN = "admin@quickwin.balikpapan.go.id"


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
    expect(cell.locator(".heat-count")).to_have_text("2")
    expect(page.locator('td[data-cell="living-pilot"] a')).to_have_count(0)  # zeros are quiet
    cell.click()
    page.wait_for_url("**/board/?dimension=environment&in_stage=pilot&unit=all"
                      "#cell-environment-pilot")
    expect(page.locator("section.lane")).to_have_count(1)
    expect(page.locator("#cell-environment-pilot li.card")).to_have_count(2)

    page.goto(server.path("/summary?period=year"))
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator("#summary-filters")).to_be_hidden()
    expect(page.locator(".dimension-page").first).to_be_visible()  # the <details> opens in print
    pdf = page.pdf(prefer_css_page_size=True)
    assert pdf.startswith(b"%PDF") and len(pdf) > 5_000


def _seed_city() -> None:
    from quickwin_tracker.demo import seed_demo

    seed_demo(initiatives=1000)
    db.session.commit()


@pytest.fixture(scope="module")
def city_server(database_factories, tmp_path_factory):
    """One server with the demo city of 1,000 initiatives (seeding takes seconds)."""
    with serving(database_factories("sqlite"), _seed_city, tmp_path_factory.mktemp("instance"),
                 WTF_CSRF_ENABLED=False) as server:
        yield server


def _sign_in_as_admin(page: Page, server) -> None:
    from quickwin_tracker.demo import DEMO_PASSWORD

    page.goto(server.path("/auth/login"))
    page.locator("#email").fill(ADMIN)
    page.locator("#password").fill(DEMO_PASSWORD)
    page.locator("button[type=submit].primary").click()
    page.wait_for_url(re.compile(r"/board/"))


def test_city_summary_prints_as_a_report_of_a_few_pages(page: Page, city_server, tmp_path):
    """Printed to PDF in Chromium at 1,000 initiatives: at most 12 A4 pages (issue 13's bound,
    with issue 14's folded tables printed open; the dimensions' blocks flow on from page to
    page), the title block, page numbers, and every column header of the per-OPD table."""
    from pypdf import PdfReader

    _sign_in_as_admin(page, city_server)
    page.goto(city_server.path("/summary?period=year"))
    headers = [h.strip() for h in page.locator(".units-table thead th").all_inner_texts()]
    headers = [re.sub(r"\s*[▲▼]$", "", h) for h in headers]
    assert len(headers) >= 13
    page.emulate_media(media="print")
    pdf_path = tmp_path / "summary.pdf"
    page.pdf(path=str(pdf_path), prefer_css_page_size=True, print_background=True)
    reader = PdfReader(str(pdf_path))
    assert 1 <= len(reader.pages) <= 12, len(reader.pages)
    texts = [p.extract_text() for p in reader.pages]
    text = " ".join(" ".join(t.split()) for t in texts)
    squashed = re.sub(r"[\s\-\u00ad]", "", text)
    missing = [h for h in headers if re.sub(r"[\s\-\u00ad]", "", h) not in squashed]
    assert not missing, missing
    assert "BALIKPAPAN" in text.upper() and "Dicetak" in text and "Periode" in text
    assert re.search(rf"\b1 / {len(reader.pages)}\b", texts[0].replace("\n", " ")), texts[0][-80:]
    for n, t in enumerate(texts[:-1]):  # no near-empty pages (the last may be short)
        assert len(t.strip()) > 300, (n, t[:200])
    # The per-OPD table is printed on landscape pages (a named page), the rest portrait.
    shapes = {(round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in reader.pages}
    assert any(w > h for w, h in shapes) or len(shapes) == 1


def test_city_summary_reads_in_two_scrolls_and_keeps_its_grids_on_a_phone(browser, city_server):
    """At 1,000 initiatives: on a 1280 × 900 screen the briefing is at most 3,000 px tall (three
    screens and a little: issue 13's briefing, plus the row issue 14 added for achievement bands
    and the budget, a bar and a sentence each, their tables folded); on a phone the heat map and
    the per-OPD table stay grids that scroll sideways in their own box, their row headers held,
    every cell labelled."""
    wide = browser.new_page(viewport={"width": 1280, "height": 900})
    _sign_in_as_admin(wide, city_server)
    wide.goto(city_server.path("/summary"))
    height = wide.evaluate("document.documentElement.scrollHeight")
    assert height <= 3000, height
    # The two trends side by side, the eight headline figures on one row.
    charts = [wide.locator(".trends .chart-figure").nth(i).bounding_box() for i in range(2)]
    assert charts[0]["y"] == charts[1]["y"] and charts[1]["x"] > charts[0]["x"]
    tops = {round(wide.locator(".figures > div").nth(i).bounding_box()["y"]) for i in range(8)}
    assert len(tops) == 1
    wide.close()

    phone = browser.new_page(viewport={"width": 390, "height": 844})
    _sign_in_as_admin(phone, city_server)
    phone.goto(city_server.path("/summary"))
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    for selector in ("table.heatmap", "table.units-table"):
        table = phone.locator(selector)
        assert "table-stack" not in (table.get_attribute("class") or "")
        assert table.evaluate("(t) => t.scrollWidth > t.clientWidth")  # it scrolls sideways
        assert table.locator("td:not([data-label])").count() == 0
        header = table.locator("tbody th[scope=row]").first
        before = header.bounding_box()["x"]
        table.evaluate("(t) => { t.scrollLeft = 400; }")
        assert abs(header.bounding_box()["x"] - before) < 1  # held at the left
    # The heat map's two-row head names each column: a stage, and an indicator count.
    cell = phone.locator('table.heatmap td[data-cell$="-proposed"]').first
    assert cell.get_attribute("data-label") == "Usulan"
    met = phone.locator('table.heatmap td[data-outcome="met"]').first
    assert met.get_attribute("data-label") == "Target tercapai"
    # The charts keep their drawing size (legible text) and scroll sideways in their own box.
    chart = phone.locator(".trends .chart").first
    assert chart.bounding_box()["width"] >= 760
    assert chart.evaluate("(svg) => svg.closest('figure').scrollWidth > svg.closest('figure').clientWidth")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    assert phone.evaluate("document.documentElement.scrollHeight") < 6000
    phone.close()
