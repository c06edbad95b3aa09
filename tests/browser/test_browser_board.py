"""The board in a real browser: drag and drop, the keyboard dialog, refusals, filters, no JS."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from quickwin_tracker.extensions import db
from quickwin_tracker.models import Initiative

STAGES = ["proposed", "approved", "in_progress", "pilot", "rolled_out"]
DIMENSIONS = ["governance", "branding", "economy", "living", "society", "environment"]
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "images" / "board.png"


def cell(page: Page, dimension: str, stage: str) -> Locator:
    return page.locator(f"#cell-{dimension}-{stage}")


def card(page: Page, initiative_id: int) -> Locator:
    return page.locator(f"#card-{initiative_id}")


def in_cell(page: Page, initiative_id: int, dimension: str, stage: str) -> Locator:
    return page.locator(f"#cell-{dimension}-{stage} > ol.cards > li#card-{initiative_id}")


def wait_sortable(page: Page) -> None:
    """app.js (deferred) makes every list sortable once htmx has loaded."""
    page.wait_for_function(
        "() => { const l = document.querySelectorAll('#board ol.cards');"
        " return l.length > 0 && Array.from(l).every(x => x._sortable); }"
    )


def drag(source: Locator, target: Locator) -> None:
    """Drag ``source`` onto the middle of ``target``. SortableJS uses native HTML5 drag and drop
    in Chromium, which Playwright's drag_to drives (STACK-NOTES pitfall 8): no sleeps needed."""
    source.drag_to(target)


def stage_of(live_server, initiative_id: int) -> str:
    with live_server.app.app_context():
        initiative = db.session.get(Initiative, initiative_id)
        code = initiative.stage.code
        db.session.remove()
    return code


# --------------------------------------------------------------------------- tests


def test_board_in_indonesian_with_lanes_and_columns(page: Page, live_server, login):
    login(page, live_server, live_server.data.manager)
    expect(page.locator("html")).to_have_attribute("lang", "id")
    heads = page.locator(".board-columns .column-head")
    expect(heads).to_have_count(len(STAGES))
    assert [heads.nth(i).get_attribute("data-stage") for i in range(len(STAGES))] == STAGES
    expect(heads.first).to_contain_text("Usulan")  # the stage's Indonesian name
    lanes = page.locator("#board section.lane")
    expect(lanes).to_have_count(len(DIMENSIONS))
    assert [lanes.nth(i).get_attribute("data-dimension") for i in range(6)] == DIMENSIONS
    for dim in DIMENSIONS:
        for stage in STAGES:
            c = cell(page, dim, stage)
            expect(c).to_have_attribute("data-dimension", dim)
            expect(c).to_have_attribute("data-stage", stage)
    ids = live_server.data.initiatives
    portal = card(page, ids["portal"])
    expect(portal).to_have_attribute("data-stage", "proposed")
    expect(portal).to_have_attribute("data-dimension", "governance")
    expect(portal).to_have_attribute("data-version", "1")
    expect(portal).to_have_class(re.compile(r"\bmovable\b"))
    # Another unit's card is shown but cannot be moved by this manager.
    expect(card(page, ids["bank"])).not_to_have_class(re.compile(r"\bmovable\b"))
    expect(card(page, ids["bank"]).locator("a.move-link")).to_have_count(0)


def test_drag_a_card_to_another_stage(page: Page, live_server, login):
    ids = live_server.data.initiatives
    login(page, live_server, live_server.data.manager)
    wait_sortable(page)
    portal = ids["portal"]

    drag(card(page, portal), cell(page, "governance", "approved").locator("ol.cards"))

    status = page.locator("#board-status")
    expect(status.locator(".move-message.ok")).to_be_visible()
    expect(status.locator(".move-message.ok")).to_have_attribute("data-moved-id", str(portal))
    expect(in_cell(page, portal, "governance", "approved")).to_be_visible()
    expect(in_cell(page, portal, "governance", "approved")).to_have_attribute("data-version", "2")
    expect(page.locator("#col-count-approved")).to_have_text("2")
    expect(page.locator("#col-count-proposed")).to_have_text("2")

    page.reload()
    expect(in_cell(page, portal, "governance", "approved")).to_be_visible()
    expect(cell(page, "governance", "proposed").locator("li.card")).to_have_count(1)
    assert stage_of(live_server, portal) == "approved"

    page.goto(live_server.path(f"/initiatives/{portal}"))
    entry = page.locator(".trail-list li").filter(has_text="Disetujui")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text("Usulan")
    expect(entry).to_contain_text("Rina Kepala")


def test_move_by_keyboard_through_the_dialog(page: Page, live_server, login):
    ids = live_server.data.initiatives
    login(page, live_server, live_server.data.manager)
    wifi = ids["wifi"]

    link = card(page, wifi).locator("a.move-link")
    link.focus()
    expect(link).to_be_focused()
    page.keyboard.press("Enter")

    dialog = page.locator("#move-dialog")
    expect(dialog).to_be_visible()
    stage = dialog.locator("#stage")
    expect(stage).to_be_focused()
    # The next stage is preselected (it is "approved" now), with its positions: "after CCTV…".
    expect(stage).to_have_value("in_progress")
    expect(dialog.locator(f"#after option[value='{ids['cctv']}']")).to_have_count(1)
    # The dialog opens as soon as its form is swapped in; htmx wires the form's own controls up
    # when the swap settles (20 ms later). A person is never that fast; the test waits.
    expect(page.locator("#move-dialog-body")).not_to_have_class(re.compile(r"htmx-settling"))
    page.keyboard.press("ArrowDown")  # a closed <select> steps to the next option: pilot
    expect(stage).to_have_value("pilot")
    page.keyboard.press("ArrowUp")  # and back: the position list is fetched again
    expect(stage).to_have_value("in_progress")
    expect(dialog.locator(f"#after option[value='{ids['cctv']}']")).to_have_count(1)
    expect(stage).to_be_focused()
    page.keyboard.press("Tab")
    expect(dialog.locator("#after")).to_be_focused()
    page.keyboard.press("Tab")
    submit = dialog.locator("button[type=submit]")
    expect(submit).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.locator("#board-status .move-message.ok")).to_be_visible()
    expect(dialog).to_be_hidden()
    moved = in_cell(page, wifi, "governance", "in_progress")
    expect(moved).to_be_visible()
    expect(cell(page, "governance", "approved").locator("li.card")).to_have_count(0)
    expect(moved.locator("a.move-link")).to_be_focused()
    assert stage_of(live_server, wifi) == "in_progress"


def test_refused_move_puts_the_card_back(page: Page, live_server, login):
    """Staff cannot approve: the server refuses (403) and the board shows its truth again."""
    ids = live_server.data.initiatives
    login(page, live_server, live_server.data.staff)
    wait_sortable(page)
    portal = ids["portal"]

    drag(card(page, portal), cell(page, "governance", "approved").locator("ol.cards"))

    refused = page.locator("#board-status .move-message.refused")
    expect(refused).to_be_visible()
    expect(refused).not_to_be_empty()
    expect(in_cell(page, portal, "governance", "proposed")).to_be_visible()
    expect(cell(page, "governance", "approved").locator("li.card")).to_have_count(1)
    expect(page.locator("#board-status .move-message.ok")).to_have_count(0)
    assert stage_of(live_server, portal) == "proposed"


def test_stage_gate_refuses_the_move_and_says_what_is_missing(page: Page, live_server, login):
    """``aduan`` has no outcome indicator, which entering "approved" needs."""
    ids = live_server.data.initiatives
    login(page, live_server, live_server.data.manager)
    wait_sortable(page)
    aduan = ids["aduan"]

    drag(card(page, aduan), cell(page, "governance", "approved").locator("ol.cards"))

    refused = page.locator("#board-status .move-message.refused")
    expect(refused).to_be_visible()
    expect(refused).to_contain_text("Disetujui")
    fix = refused.locator(".missing-list a")
    expect(fix).to_have_count(1)
    expect(fix).to_have_attribute("href", f"/initiatives/{aduan}#outcomes")
    expect(in_cell(page, aduan, "governance", "proposed")).to_be_visible()
    expect(cell(page, "governance", "approved").locator("li.card")).to_have_count(1)
    assert stage_of(live_server, aduan) == "proposed"


def test_wip_limit_refuses_the_move(page: Page, live_server, login):
    """``pilot`` holds one initiative (in another lane) and its limit is one."""
    ids = live_server.data.initiatives
    login(page, live_server, live_server.data.staff)
    wait_sortable(page)
    cctv = ids["cctv"]

    drag(card(page, cctv), cell(page, "governance", "pilot").locator("ol.cards"))

    refused = page.locator("#board-status .move-message.refused")
    expect(refused).to_be_visible()
    expect(refused).to_contain_text("Uji coba")  # the stage's name, in the reason
    expect(in_cell(page, cctv, "governance", "in_progress")).to_be_visible()
    expect(cell(page, "governance", "pilot").locator("li.card")).to_have_count(0)
    expect(page.locator("#col-count-pilot")).to_have_text("1")
    assert stage_of(live_server, cctv) == "in_progress"


def test_filter_by_unit_and_back(page: Page, live_server, login):
    ids = live_server.data.initiatives
    login(page, live_server, live_server.data.manager)
    cards = page.locator("#board li.card")
    expect(cards).to_have_count(len(ids))

    page.locator("#filter-unit").select_option("DLH")

    expect(page).to_have_url(re.compile(r"[?&]unit=DLH(&|$)"))
    expect(cards).to_have_count(2)
    expect(card(page, ids["sensor"])).to_be_visible()
    expect(card(page, ids["bank"])).to_be_visible()
    expect(page.locator(".board-summary")).to_contain_text("2")

    page.go_back()
    expect(page).not_to_have_url(re.compile(r"unit="))
    expect(cards).to_have_count(len(ids))
    expect(page.locator("#filter-unit")).to_have_value("")
    wait_sortable(page)  # the restored board can still be dragged


def test_back_and_forward_restore_the_filters_with_the_cards(page: Page, live_server, login):
    """Issue #10: after Back, the filter controls show the filters of the restored board, and
    the next filter change starts from them."""
    ids = live_server.data.initiatives
    login(page, live_server, live_server.data.manager)
    cards = page.locator("#board li.card")
    unit, dimension, status = (page.locator("#filter-unit"), page.locator("#filter-dimension"),
                               page.locator("#filter-status"))

    unit.select_option("DKIS")
    expect(page).to_have_url(re.compile(r"[?&]unit=DKIS(&|$)"))
    expect(cards).to_have_count(4)
    dimension.select_option("environment")
    expect(page).to_have_url(re.compile(r"dimension=environment"))
    expect(cards).to_have_count(0)

    page.go_back()  # to unit=DKIS
    expect(page).not_to_have_url(re.compile(r"dimension="))
    expect(cards).to_have_count(4)
    expect(unit).to_have_value("DKIS")
    expect(dimension).to_have_value("")

    page.go_back()  # to the whole board
    expect(page).not_to_have_url(re.compile(r"unit="))
    expect(cards).to_have_count(len(ids))
    expect(unit).to_have_value("")

    page.go_forward()  # to unit=DKIS again
    expect(page).to_have_url(re.compile(r"[?&]unit=DKIS(&|$)"))
    expect(unit).to_have_value("DKIS")
    expect(dimension).to_have_value("")
    expect(cards).to_have_count(4)

    # A later change keeps the restored filters.
    status.select_option("on_track")
    expect(page).to_have_url(re.compile(r"unit=DKIS.*status=on_track|status=on_track.*unit=DKIS"))
    expect(page).not_to_have_url(re.compile(r"dimension=environment"))
    for card_id in page.locator("#board li.card").evaluate_all(
            "cards => cards.map(c => c.dataset.initiativeId)"):
        assert int(card_id) in {ids[k] for k in ("portal", "aduan", "wifi", "cctv")}


def test_without_javascript_the_move_page_works(new_context, live_server, login):
    context = new_context(java_script_enabled=False)
    page = context.new_page()
    ids = live_server.data.initiatives
    wifi = ids["wifi"]
    login(page, live_server, live_server.data.manager)
    expect(cell(page, "governance", "approved").locator("li.card")).to_have_count(1)
    expect(page.locator("#board section.lane")).to_have_count(len(DIMENSIONS))

    card(page, wifi).locator("a.move-link").click()
    expect(page).to_have_url(re.compile(rf"/board/cards/{wifi}/move"))
    page.locator("#stage").select_option("in_progress")
    page.locator("form.move-form button[type=submit]").click()

    page.wait_for_url(re.compile(r"/board/$"))
    expect(page.locator(".flash-success")).to_be_visible()
    expect(in_cell(page, wifi, "governance", "in_progress")).to_be_visible()
    expect(cell(page, "governance", "approved").locator("li.card")).to_have_count(0)
    assert stage_of(live_server, wifi) == "in_progress"


def _seed_demo() -> None:
    from quickwin_tracker.demo import seed_demo

    seed_demo()
    db.session.commit()


@pytest.mark.skipif(os.environ.get("QUICKWIN_SCREENSHOTS") != "1",
                    reason="set QUICKWIN_SCREENSHOTS=1 to refresh docs/images/board.png")
def test_screenshot_of_the_demo_board(new_context, live_server_factory, login):
    from quickwin_tracker.demo import DEMO_PASSWORD
    from quickwin_tracker.demo import data as demo_data

    server = live_server_factory(_seed_demo)
    context = new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    manager = next(u for u in demo_data.USERS if u["role"] == "manager")
    login(page, server, manager["email"], DEMO_PASSWORD)
    wait_sortable(page)
    expect(page.locator("#board li.card").first).to_be_visible()
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))
    assert SCREENSHOT.stat().st_size > 10_000
