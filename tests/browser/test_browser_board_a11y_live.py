"""The board by keyboard alone, at 390 px, and live: another user's move shows up by itself."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from quickwin_tracker.extensions import db
from quickwin_tracker.models import Initiative

FOCUSABLE = ("a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]), select, textarea,"
             " summary, [tabindex='0']")

DESCRIBE = """el => {
  if (!el || el === document.body) return "body";
  const card = el.closest(".card");
  if (card) return card.id + " " + (el.classList.contains("move-link") ? "move" : "title");
  if (el.classList.contains("board-scroll")) return "board-scroll";
  return el.id || (el.tagName.toLowerCase() + ":" + el.textContent.trim().replace(/\\s+/g, " "));
}"""


def card(page: Page, initiative_id: int) -> Locator:
    return page.locator(f"#card-{initiative_id}")


def in_cell(page: Page, initiative_id: int, dimension: str, stage: str) -> Locator:
    return page.locator(f"#cell-{dimension}-{stage} > ol.cards > li#card-{initiative_id}")


def wait_sortable(page: Page) -> None:
    page.wait_for_function(
        "() => { const l = document.querySelectorAll('#board ol.cards');"
        " return l.length > 0 && Array.from(l).every(x => x._sortable); }"
    )


def stage_of(live_server, initiative_id: int) -> str:
    with live_server.app.app_context():
        code = db.session.get(Initiative, initiative_id).stage.code
        db.session.remove()
    return code


def focused(page: Page) -> str:
    return page.evaluate(f"() => ({DESCRIBE})(document.activeElement)")


def expected_tab_order(page: Page) -> list[str]:
    """Every focusable, rendered element in document order (no positive tabindex anywhere)."""
    return page.evaluate(
        f"""() => Array.from(document.querySelectorAll({FOCUSABLE!r}))
              .filter(el => el.checkVisibility() && el.tabIndex >= 0)
              .map({DESCRIBE})"""
    )


def move_via_dialog(page: Page, initiative_id: int, stage: str, after: str | None = None) -> None:
    # An earlier move's message would satisfy the checks below before this move is answered.
    page.evaluate("() => document.querySelectorAll('#board-status .move-message')"
                  ".forEach(m => m.remove())")
    card(page, initiative_id).locator("a.move-link").click()
    dialog = page.locator("#move-dialog")
    expect(dialog).to_be_visible()
    expect(page.locator("#move-dialog-body")).not_to_have_class(re.compile(r"htmx-settling"))
    dialog.locator("#stage").select_option(stage)
    expect(dialog.locator("#after")).to_be_visible()
    expect(page.locator("#position-field")).not_to_have_class(re.compile(r"htmx-(settling|swapping)"))
    if after is not None:
        expect(dialog.locator(f"#after option[value='{after}']")).to_have_count(1)
        dialog.locator("#after").select_option(after)
    dialog.locator("button[type=submit]").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#board-status .move-message")).to_be_visible()


# --------------------------------------------------------------------------- keyboard


def test_tab_order_skip_link_nav_filters_then_cards_in_reading_order(page: Page, live_server, login):
    ids = live_server.data.initiatives
    login(page, live_server, live_server.data.manager)
    wait_sortable(page)
    positive = "[tabindex]:not([tabindex='-1']):not([tabindex='0'])"
    assert page.locator(positive).count() == 0
    expected = expected_tab_order(page)

    page.locator("body").focus()
    page.evaluate("() => document.activeElement.blur()")
    seen = []
    for _ in expected:
        page.keyboard.press("Tab")
        seen.append(focused(page))
    assert seen == expected

    # Skip link, then the navigation, then the filters, then the cards.
    assert seen[0] == "a:Langsung ke konten"  # the skip link
    nav = [i for i, d in enumerate(seen) if d in ("a:Papan", "a:Aktivitas")]
    filters = [seen.index(f) for f in ("filter-unit", "filter-owner", "filter-dimension", "filter-status",
                                       "filter-q", "filter-mine")]
    cards = [i for i, d in enumerate(seen) if d.startswith("card-")]
    assert nav and filters == sorted(filters) and cards
    assert min(nav) > 0 and max(nav) < min(filters) and max(filters) < min(cards)

    # Cards in reading order: lane by lane, stage by stage, top to bottom; the title, then "Pindahkan".
    reading = page.evaluate(
        """() => Array.from(document.querySelectorAll('#board section.lane .cell li.card')).map(c => c.id)"""
    )
    card_stops = [seen[i] for i in cards]
    wanted = []
    for cid in reading:
        wanted.append(f"{cid} title")
        if page.locator(f"#{cid} a.move-link").count():
            wanted.append(f"{cid} move")
    assert card_stops == wanted
    assert f"card-{ids['portal']} move" in card_stops  # the manager may move DKIS cards
    assert f"card-{ids['bank']} move" not in card_stops  # but not DLH's


def test_skip_link_and_visible_focus(page: Page, live_server, login):
    ids = live_server.data.initiatives
    login(page, live_server, live_server.data.manager)
    page.evaluate("() => document.activeElement.blur()")
    page.keyboard.press("Tab")
    skip = page.locator("a.skip-link")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box is not None and box["x"] >= 0 and box["y"] >= 0  # shown when focused

    def outline(locator: Locator) -> dict:
        locator.focus()
        return locator.evaluate(
            "el => { const s = getComputedStyle(el); return {style: s.outlineStyle,"
            " width: parseFloat(s.outlineWidth), visible: el.matches(':focus-visible')}; }"
        )

    # Keyboard focus (focus() after a key press counts as :focus-visible in Chromium).
    for target in [skip, page.locator(".site-header nav a").first, page.locator("#filter-unit"),
                   page.locator("#filter-q"), page.locator("#board-filters button[type=submit]"),
                   card(page, ids["portal"]).locator("a.card-title"),
                   card(page, ids["portal"]).locator("a.move-link")]:
        page.keyboard.press("Shift")  # keep the focus-visible heuristic in keyboard mode
        found = outline(target)
        assert found["visible"], target
        assert found["style"] != "none" and found["width"] >= 2, (target, found)

    skip.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))


def test_keyboard_move_is_announced_and_escape_returns_focus(page: Page, live_server, login):
    ids = live_server.data.initiatives
    login(page, live_server, live_server.data.manager)
    status = page.locator("#board-status")
    expect(status).to_have_attribute("role", "status")
    expect(status).to_have_attribute("aria-live", "polite")

    link = card(page, ids["cctv"]).locator("a.move-link")
    link.focus()
    page.keyboard.press("Enter")
    dialog = page.locator("#move-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_have_attribute("aria-labelledby", "move-dialog-title")
    expect(dialog.locator("#move-dialog-title")).to_contain_text("CCTV")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(link).to_be_focused()

    link = card(page, ids["wifi"]).locator("a.move-link")
    link.focus()
    page.keyboard.press("Enter")
    stage = dialog.locator("#stage")
    expect(stage).to_be_focused()
    expect(page.locator("#move-dialog-body")).not_to_have_class(re.compile(r"htmx-settling"))
    expect(stage).to_have_value("in_progress")  # the next stage, preselected
    expect(dialog.locator(f"#after option[value='{ids['cctv']}']")).to_have_count(1)
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(dialog.locator("button[type=submit]")).to_be_focused()
    page.keyboard.press("Enter")

    expect(status).to_have_text(re.compile(r"“Wi-Fi publik di taman kota” dipindahkan ke tahap \S+"))
    expect(in_cell(page, ids["wifi"], "governance", "in_progress").locator("a.move-link")).to_be_focused()


# --------------------------------------------------------------------------- 390 px


def test_board_is_usable_at_390_px(new_context, live_server, login):
    page = new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True).new_page()
    ids = live_server.data.initiatives
    login(page, live_server, live_server.data.manager)
    wait_sortable(page)

    def page_overflow() -> int:
        return page.evaluate("() => document.documentElement.scrollWidth"
                             " - document.documentElement.clientWidth")

    assert page_overflow() <= 0
    # One stage at a time per lane, chosen by tabs: the first stage at first.
    tabs = page.locator("#board .stage-tab")
    expect(tabs.first).to_be_visible()
    expect(tabs.first).to_have_attribute("aria-pressed", "true")
    expect(card(page, ids["portal"])).to_be_visible()  # governance · proposed
    expect(card(page, ids["wifi"])).to_be_hidden()  # governance · approved
    page.locator("#board .stage-tab[data-stage='approved']").click()
    expect(card(page, ids["wifi"])).to_be_visible()
    expect(card(page, ids["portal"])).to_be_hidden()
    box = card(page, ids["wifi"]).bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    # The filters fold behind "Filter"; opened, every control fits on the screen and works.
    expect(page.locator("#board-filters")).to_be_hidden()
    page.locator(".filter-toggle").click()
    expect(page.locator(".filter-toggle")).to_have_attribute("aria-expanded", "true")
    for control in page.locator("#board-filters select, #board-filters input, #board-filters button").all():
        box = control.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, control
    page.locator("#filter-unit").select_option("DLH")
    expect(page.locator("#board li.card")).to_have_count(2)
    assert page_overflow() <= 0
    page.locator("#filter-unit").select_option("all")
    expect(page.locator("#board li.card")).to_have_count(len(ids))
    expect(page.locator("#board .stage-tab[data-stage='approved']")).to_have_attribute("aria-pressed", "true")

    # A card moves by touch without dragging: "Move" (a 24 px target at least), then the dialog.
    move = card(page, ids["wifi"]).locator("a.move-link")
    size = move.bounding_box()
    assert size is not None and size["width"] >= 24 and size["height"] >= 24
    move.tap()
    dialog = page.locator("#move-dialog")
    expect(dialog).to_be_visible()
    expect(page.locator("#move-dialog-body")).not_to_have_class(re.compile(r"htmx-settling"))
    expect(dialog.locator("#stage")).to_have_value("in_progress")  # the next stage
    dialog.locator("button[type=submit]").tap()
    expect(page.locator("#board-status .move-message.ok")).to_be_visible()
    expect(in_cell(page, ids["wifi"], "governance", "in_progress")).to_be_attached()
    assert stage_of(live_server, ids["wifi"]) == "in_progress"
    assert page_overflow() <= 0


def test_move_dialog_fits_at_390_px(new_context, live_server, login):
    page = new_context(viewport={"width": 390, "height": 844}).new_page()
    login(page, live_server, live_server.data.manager)
    card(page, live_server.data.initiatives["portal"]).locator("a.move-link").click()
    dialog = page.locator("#move-dialog")
    expect(dialog).to_be_visible()
    box = dialog.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    for control in dialog.locator("select, button").all():
        b = control.bounding_box()
        assert b is not None and b["x"] + b["width"] <= 390


# --------------------------------------------------------------------------- live board


@pytest.fixture
def fast_poll(live_server_factory):
    return live_server_factory(BOARD_POLL_SECONDS=1)


def test_another_users_move_shows_without_reload_and_spares_a_drag(new_context, fast_poll, login):
    server = fast_poll
    ids = server.data.initiatives
    a = new_context().new_page()  # the manager watches the board
    b = new_context().new_page()  # a staff member moves a card
    login(a, server, server.data.manager)
    login(b, server, server.data.staff)
    wait_sortable(a)
    a.evaluate("() => { window.__noReload = true; }")  # gone if the page reloads

    # B moves "wifi"; A shows it in its new cell by itself (poll every second, well within 30 s).
    move_via_dialog(b, ids["wifi"], "in_progress")
    expect(b.locator("#board-status .move-message.ok")).to_be_visible()
    expect(in_cell(a, ids["wifi"], "governance", "in_progress")).to_be_visible(timeout=30_000)
    expect(a.locator("#cell-governance-approved li.card")).to_have_count(0)
    assert a.evaluate("() => window.__noReload") is True
    # The card someone else changed is highlighted on the redrawn board; the others are not.
    moved = in_cell(a, ids["wifi"], "governance", "in_progress")
    expect(moved).to_have_class(re.compile(r"\bcard-changed\b"))
    expect(card(a, ids["portal"])).not_to_have_class(re.compile(r"\bcard-changed\b"))

    def order(stage: str) -> list[str]:
        return a.locator(f"#cell-governance-{stage} li.card").evaluate_all("l => l.map(c => c.id)")

    # Keyboard focus stays on the same card across a refresh (B reorders: wifi, at the bottom
    # of the cell since its move, goes above cctv).
    portal_move = card(a, ids["portal"]).locator("a.move-link")
    portal_move.focus()
    version = a.locator("#board").get_attribute("data-board-version")
    move_via_dialog(b, ids["wifi"], "in_progress", after="top")
    expect(b.locator("#board-status .move-message.ok")).to_be_visible()
    expect(a.locator("#board")).not_to_have_attribute("data-board-version", version, timeout=30_000)
    assert order("in_progress") == [f"card-{ids['wifi']}", f"card-{ids['cctv']}"]
    expect(card(a, ids["portal"]).locator("a.move-link")).to_be_focused()

    # A drag in progress on A is not interrupted by B's move and the polls that follow.
    wait_sortable(a)
    a.evaluate("() => { window.__board = document.getElementById('board'); }")
    source = card(a, ids["portal"]).bounding_box()
    target = a.locator("#cell-governance-approved ol.cards").bounding_box()
    assert source and target
    a.mouse.move(source["x"] + source["width"] / 2, source["y"] + source["height"] / 2)
    a.mouse.down()
    a.mouse.move(source["x"] + source["width"] / 2 + 20, source["y"] + source["height"] / 2 + 5, steps=5)
    a.mouse.move(target["x"] + target["width"] / 2, target["y"] + target["height"] / 2, steps=10)
    move_via_dialog(b, ids["wifi"], "in_progress", after=str(ids["cctv"]))
    expect(b.locator("#board-status .move-message.ok")).to_contain_text("Wi-Fi")
    a.wait_for_timeout(3000)  # three poll ticks
    assert a.evaluate("() => document.getElementById('board') === window.__board")  # not re-rendered
    a.mouse.move(target["x"] + target["width"] / 2, target["y"] + target["height"] / 2 + 2, steps=2)
    # While the move is on its way, the card shows it is busy.
    a.evaluate("""() => { window.__busy = false;
        new MutationObserver(() => { if (document.querySelector('#board .card.is-busy[aria-busy=true]'))
          window.__busy = true; }).observe(document.getElementById('board'),
          {subtree: true, attributes: true, attributeFilter: ['class', 'aria-busy']}); }""")
    a.mouse.up()

    expect(a.locator("#board-status .move-message.ok")).to_have_attribute("data-moved-id", str(ids["portal"]))
    assert a.evaluate("() => window.__busy") is True
    assert stage_of(server, ids["portal"]) == "approved"
    # Once the drag is over, the poll catches up with B's move.
    expect(a.locator("#cell-governance-in_progress li.card").first).to_have_id(f"card-{ids['cctv']}",
                                                                                timeout=30_000)
    expect(in_cell(a, ids["portal"], "governance", "approved")).to_be_visible()
    assert a.evaluate("() => window.__noReload") is True


def test_no_refresh_while_the_move_dialog_is_open(new_context, fast_poll, login):
    server = fast_poll
    ids = server.data.initiatives
    a = new_context().new_page()
    b = new_context().new_page()
    login(a, server, server.data.manager)
    login(b, server, server.data.staff)
    card(a, ids["portal"]).locator("a.move-link").click()
    expect(a.locator("#move-dialog")).to_be_visible()
    a.evaluate("() => { window.__board = document.getElementById('board'); }")
    move_via_dialog(b, ids["wifi"], "in_progress")
    a.wait_for_timeout(2500)
    assert a.evaluate("() => document.getElementById('board') === window.__board")
    expect(a.locator("#move-dialog")).to_be_visible()
    a.keyboard.press("Escape")
    expect(in_cell(a, ids["wifi"], "governance", "in_progress")).to_be_visible(timeout=30_000)
