"""Every page on a phone (issue 12): at 390 × 844 nothing scrolls sideways, the header's
navigation folds into a "Menu" button, tables become labelled stacked rows, and links and
buttons are big enough to touch (axe-core's ``target-size`` rule, WCAG 2.2 SC 2.5.8, which axe
leaves off unless asked). The data is the accessibility tests' demo data (``seed_rich``).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_accessibility import ADMIN, main_pages, run_axe, seed_rich, sign_in

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
TARGET_SIZE = {"target-size": {"enabled": True}}

# A phone's browser widens its layout viewport to fit content that is too wide (then
# window.innerWidth grows with it): compare with the width of the screen as well.
WIDTHS = """(screen) => ({
    scroll: document.documentElement.scrollWidth, inner: window.innerWidth, screen: screen,
    culprits: Array.from(document.querySelectorAll('body *')).filter((el) => {
        const box = el.getBoundingClientRect();
        return box.width > 0 && box.right > screen + 1;
    }).slice(0, 3).map((el) => el.tagName.toLowerCase() + (el.className && el.className.baseVal === undefined
        ? '.' + String(el.className).trim().replace(/\\s+/g, '.') : '')),
})"""


@pytest.fixture
def rich_server(live_server_factory):
    return live_server_factory(seed_rich, PUBLIC_PAGE=True)


def sideways(page: Page, width: int) -> str | None:
    """Why the page scrolls sideways at ``width``, or None when it does not."""
    found = page.evaluate(WIDTHS, width)
    if found["scroll"] <= min(found["inner"], width):
        return None
    return f"{found['scroll']} px wide (window {found['inner']} px), e.g. {', '.join(found['culprits'])}"


def test_no_page_scrolls_sideways_on_a_phone(new_context, rich_server):
    page = new_context(**PHONE).new_page()
    problems: dict[str, str] = {}
    page.goto(rich_server.path("/auth/login"))
    if why := sideways(page, 390):
        problems["login"] = why
    sign_in(page, rich_server, ADMIN)
    pages = main_pages(rich_server.data)
    # Pages that show an email (a <pre> of its text, its HTML in an iframe), found by their links.
    page.goto(rich_server.path(pages["admin outbox"]))
    pages["outbox email"] = page.locator("table.outbox-table tbody a").first.get_attribute("href")
    page.goto(rich_server.path(pages["account"]))
    pages["digest preview"] = page.locator("main a[href*='preview']").first.get_attribute("href")
    for name, path in pages.items():
        response = page.goto(rich_server.path(path))
        assert response is not None and response.ok, f"{name}: {path} answered {response and response.status}"
        if why := sideways(page, 390):
            problems[name] = why
        # What opens in place (a measurement's "correct" and "withdraw" forms) fits as well.
        if page.locator("main details:not([open])").count():
            page.evaluate("() => document.querySelectorAll('main details').forEach((d) => d.open = true)")
            if why := sideways(page, 390):
                problems[f"{name} (details open)"] = why
        # Every cell of every table is labelled with its column, for the stacked rows (a grid
        # of figures kept whole, data-keep-table, is labelled too, and scrolls in its own box).
        unlabelled = page.locator("table.table:not(.table-stack):not([data-keep-table]), "
                                  "table.table td:not([data-label])")
        if unlabelled.count():
            problems[f"{name} (tables)"] = f"{unlabelled.count()} tables or cells without labels"
    assert not problems, "\n".join(f"{name}: {why}" for name, why in problems.items())


def test_a_stacked_row_names_each_value_by_its_column(new_context, rich_server):
    page = new_context(**PHONE).new_page()
    sign_in(page, rich_server, ADMIN)
    page.goto(rich_server.path("/admin/users"))
    row = page.locator("table.table tbody tr").first
    email = row.locator("td").nth(1)
    assert email.get_attribute("data-label") == "Email"
    label = email.evaluate("(td) => getComputedStyle(td, '::before').content")
    assert "Email" in label
    # The column headers are out of sight (each value carries its own), but still read out.
    header = page.locator("table.table thead")
    assert header.evaluate("(el) => el.getBoundingClientRect().width") <= 1
    expect(page.get_by_role("columnheader", name="Email")).to_have_count(1)
    # One row above the other, each as wide as the screen allows.
    boxes = [page.locator("table.table tbody tr").nth(i).bounding_box() for i in range(2)]
    assert boxes[0] and boxes[1] and boxes[1]["y"] >= boxes[0]["y"] + boxes[0]["height"]
    assert boxes[0]["width"] <= 390


def test_the_menu_button_opens_and_closes_the_navigation(new_context, rich_server):
    page = new_context(**PHONE).new_page()
    sign_in(page, rich_server, ADMIN)
    page.goto(rich_server.path("/summary"))
    menu = page.get_by_role("button", name=re.compile(r"^Menu$"))
    nav = page.locator("#main-nav")
    expect(menu).to_be_visible()
    expect(menu).to_have_attribute("aria-controls", "main-nav")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(nav).to_be_hidden()

    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(nav).to_be_visible()
    archive = nav.locator("a[href$='/initiatives/archived']")
    expect(archive).to_be_visible()
    box = archive.bounding_box()
    assert box and box["height"] >= 24 and box["x"] >= 0 and box["x"] + box["width"] <= 390

    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(nav).to_be_hidden()

    # Escape closes it and the focus goes back to the button; a tap outside closes it too.
    menu.click()
    archive.focus()
    page.keyboard.press("Escape")
    expect(nav).to_be_hidden()
    expect(menu).to_be_focused()
    menu.click()
    expect(nav).to_be_visible()
    page.mouse.click(195, 800)  # below the open list
    expect(nav).to_be_hidden()

    menu.click()
    archive.click()
    page.wait_for_url(re.compile(r"/initiatives/archived"))
    expect(page.locator("#main-nav")).to_be_hidden()


def test_the_navigation_is_unchanged_on_a_wide_screen(new_context, rich_server):
    page = new_context(**DESKTOP).new_page()
    sign_in(page, rich_server, ADMIN)
    page.goto(rich_server.path("/summary"))
    expect(page.locator(".menu-toggle")).to_be_hidden()
    expect(page.locator("#main-nav a[href$='/initiatives/archived']")).to_be_visible()
    header = page.locator(".site-header").bounding_box()
    assert header and header["height"] < 80, "the header fits on one line"
    # Tables stay tables: their column headers in sight.
    expect(page.locator("table.matrix thead th").first).to_be_visible()


def test_without_javascript_the_nav_stays_open_and_tables_scroll_in_their_box(new_context, rich_server):
    signed_in = new_context(**PHONE)
    sign_in(signed_in.new_page(), rich_server, ADMIN)
    page = new_context(**PHONE, java_script_enabled=False, storage_state=signed_in.storage_state()).new_page()
    problems = {}
    for path in ("/summary", "/admin/users", "/admin/stages", "/admin/outbox", "/dampak"):
        page.goto(rich_server.path(path))
        expect(page.locator(".menu-toggle")).to_be_hidden()
        expect(page.locator("#main-nav a[href$='/initiatives/archived']")).to_be_visible()
        if why := sideways(page, 390):
            problems[path] = why
    assert not problems, "\n".join(f"{path}: {why}" for path, why in problems.items())


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["390", "1280"])
def test_axe_with_target_size_finds_no_serious_violation(new_context, rich_server, axe_js, size):
    # The app's CSP forbids inline script, which is how Playwright injects axe.
    page = new_context(bypass_csp=True, **size).new_page()
    problems: dict[str, list[str]] = {}
    page.goto(rich_server.path("/auth/login"))
    problems["login"] = run_axe(page, axe_js, TARGET_SIZE)
    sign_in(page, rich_server, ADMIN)
    for name, path in main_pages(rich_server.data).items():
        page.goto(rich_server.path(path))
        problems[name] = run_axe(page, axe_js, TARGET_SIZE)
    if size is PHONE:
        page.goto(rich_server.path("/summary"))
        page.locator(".menu-toggle").click()
        expect(page.locator("#main-nav")).to_be_visible()
        problems["summary with the menu open"] = run_axe(page, axe_js, TARGET_SIZE)
    problems = {name: found for name, found in problems.items() if found}
    assert not problems, "\n".join(f"{name}: {line}" for name, found in problems.items() for line in found)
