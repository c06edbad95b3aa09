"""The initiative page at a glance (issue 13, item 5), in Chromium: the facts panel beside the
content at 1280 px and above it at 390 px without sideways scrolling; a milestone row's actions
in one menu that opens and closes by keyboard; the add forms behind their buttons; the outcome
chart filling its column; axe-core clean with the menu and the add forms open. The data is the
accessibility tests' demo data (``seed_rich``), seen by an admin (who may edit)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_accessibility import ADMIN, run_axe, seed_rich, sign_in
from tests.browser.test_phone import DESKTOP, PHONE, TARGET_SIZE, sideways


@pytest.fixture
def rich_server(live_server_factory):
    return live_server_factory(seed_rich)


def box(page, selector: str) -> dict:
    return page.locator(selector).first.bounding_box()


def test_facts_panel_beside_the_content_on_a_wide_screen(new_context, rich_server, axe_js):
    page = new_context(bypass_csp=True, **DESKTOP).new_page()  # to inject axe
    sign_in(page, rich_server, ADMIN)
    page.goto(rich_server.path(f"/initiatives/{rich_server.data['initiative']}"))
    facts, main = box(page, ".facts-panel"), box(page, ".initiative-main")
    assert facts["x"] >= main["x"] + main["width"]  # to the right of the content
    assert abs(facts["y"] - main["y"]) < 2  # level with it
    # The chart fills its column (no fixed width).
    chart, indicator = box(page, ".outcome-chart svg"), box(page, "#outcomes .indicator")
    assert chart["width"] > indicator["width"] * 0.85
    # Add forms wait behind their buttons.
    add = page.locator("details.add-milestone")
    expect(add).not_to_have_attribute("open", "")
    expect(add.locator("form")).to_be_hidden()
    add.locator("summary").click()
    expect(add.locator("input[name='new-title']")).to_be_visible()
    # A row's actions: one menu, opened and closed by keyboard.
    menu = page.locator("#milestones details.row-menu").first
    expect(menu.locator(".menu-item").first).to_be_hidden()
    menu.locator("summary").focus()
    page.keyboard.press("Enter")
    expect(menu.locator(".menu-item").first).to_be_visible()
    page.keyboard.press("Tab")
    expect(menu.locator(".menu-item").first).to_be_focused()
    assert page.locator("#milestones details.row-menu[open]").count() == 1
    assert not run_axe(page, axe_js, TARGET_SIZE)
    page.keyboard.press("Escape")
    expect(menu.locator(".menu-item").first).to_be_hidden()
    expect(menu.locator("summary")).to_be_focused()


def test_facts_panel_above_the_content_on_a_phone(new_context, rich_server, axe_js):
    page = new_context(bypass_csp=True, **PHONE).new_page()
    sign_in(page, rich_server, ADMIN)
    page.goto(rich_server.path(f"/initiatives/{rich_server.data['initiative']}"))
    facts, main = box(page, ".facts-panel"), box(page, ".initiative-main")
    assert facts["y"] + facts["height"] <= main["y"]
    assert sideways(page, 390) is None
    page.locator("#milestones details.row-menu summary").first.click()
    page.evaluate("() => document.querySelectorAll('details.add-form').forEach((d) => d.open = true)")
    assert sideways(page, 390) is None
    assert not run_axe(page, axe_js, TARGET_SIZE)
