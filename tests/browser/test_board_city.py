"""The board at city scale (the demo data with 1,000 initiatives), in Chromium: it keeps its
bearings while scrolling, lanes fold and stay folded, a drop lands anywhere in an empty cell, a
refused move says why next to the card, the quick view opens and Back closes it, and the compact
density halves the board. Screenshots at 1280 and 390 px are taken here (``docs/images/`` with
``QUICKWIN_SCREENSHOTS=1``)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from quickwin_tracker.extensions import db
from quickwin_tracker.models import Dimension, Initiative, Stage, Unit, User
from tests.browser.conftest import serving

ADMIN = "admin@quickwin.balikpapan.go.id"
IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
DROP_TITLE = "Uji seret lepas: loket antrean digital"
REFUSED_TITLE = "Uji tolak gerbang: sensor banjir"


@dataclass
class City:
    drop: int  # governance / approved, alone under ?q=Uji seret
    refused: int  # environment (the last lane) / in_progress, first in its cell; no target date
    lanes: list[str]
    admin: str = ADMIN


def _add_first(title: str, dimension: str, stage: str, **fields) -> Initiative:
    """An initiative of DISKOMINFO at the top of its cell (the others move down one place, so
    positions stay 0..n-1)."""
    dim = db.session.scalar(sa.select(Dimension).where(Dimension.code == dimension))
    stg = db.session.scalar(sa.select(Stage).where(Stage.code == stage))
    unit = db.session.scalar(sa.select(Unit).where(Unit.code == "DISKOMINFO"))
    admin = db.session.scalar(sa.select(User).where(User.email == ADMIN))
    db.session.execute(sa.update(Initiative)
                       .where(Initiative.dimension_id == dim.id, Initiative.stage_id == stg.id)
                       .values(position=Initiative.position + 1))
    initiative = Initiative(title=title, benefit="Warga terbantu.", dimension=dim, stage=stg,
                            unit=unit, owner=admin, created_by=admin, position=0, **fields)
    db.session.add(initiative)
    db.session.flush()
    return initiative


def seed_city() -> City:
    from datetime import date

    from quickwin_tracker.demo import seed_demo

    seed_demo(initiatives=1000)
    db.session.flush()
    drop = _add_first(DROP_TITLE, "governance", "approved", target_date=date(2027, 6, 1))
    # No target date and no indicator: the gate of "approved" refuses it.
    refused = _add_first(REFUSED_TITLE, "environment", "in_progress")
    lanes = list(db.session.scalars(sa.select(Dimension.code).order_by(Dimension.position)))
    db.session.commit()
    return City(drop=drop.id, refused=refused.id, lanes=lanes)


@pytest.fixture(scope="module")
def city(database_factories, tmp_path_factory):
    """One server for the module: seeding 1,000 initiatives takes seconds. The tests leave the
    settings as they found them and move different cards."""
    with serving(database_factories("sqlite"), seed_city, tmp_path_factory.mktemp("instance")) as server:
        yield server


def open_board(page: Page, server, path: str = "/board/") -> None:
    from quickwin_tracker.demo import DEMO_PASSWORD

    page.goto(server.path("/auth/login"))
    page.locator("#email").fill(server.data.admin)
    page.locator("#password").fill(DEMO_PASSWORD)
    page.locator("button[type=submit].primary").click()
    page.wait_for_url(re.compile(r"/board/"))
    if path != "/board/":
        page.goto(server.path(path))
    wait_ready(page)


def wait_ready(page: Page) -> None:
    page.wait_for_function(
        "() => { const l = document.querySelectorAll('#board ol.cards');"
        " return l.length > 0 && Array.from(l).every(x => x._sortable); }")


def box(locator):
    b = locator.bounding_box()
    assert b is not None, locator
    return b


def inside(inner: dict, outer: dict, slack: float = 1) -> bool:
    return (inner["x"] >= outer["x"] - slack and inner["y"] >= outer["y"] - slack
            and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + slack
            and inner["y"] + inner["height"] <= outer["y"] + outer["height"] + slack)


def shoot(page: Page, name: str, tmp_path: Path) -> None:
    folder = IMAGES if os.environ.get("QUICKWIN_SCREENSHOTS") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    page.screenshot(path=str(path))
    assert path.stat().st_size > 10_000


def test_city_board_keeps_its_bearings(new_context, city, tmp_path):
    page = new_context(viewport={"width": 1280, "height": 800}).new_page()
    open_board(page, city)
    scroller = page.locator("#board .board-scroll")
    # The board fits 1280 px: no column is clipped, nothing scrolls sideways.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 1280
    assert scroller.evaluate("el => el.scrollWidth <= el.clientWidth")
    heads = page.locator("#board .column-head")
    for i in range(heads.count()):
        assert inside(box(heads.nth(i)), box(scroller))
    # The first paint is bounded by the screen, not by the city.
    assert page.evaluate("() => document.getElementsByTagName('*').length") < 3000
    shoot(page, "board-1280.png", tmp_path)

    # Scroll down to the last lane: the stage headers are still at the top of the board, and
    # the last lane's bar is in view beside its cells.
    last = city.data.lanes[-1]
    page.locator(f"#board section.lane[data-dimension='{last}'] .lane-bar").scroll_into_view_if_needed()
    scroller.evaluate("el => el.scrollTop = el.scrollHeight")
    view = box(scroller)
    for i in range(heads.count()):
        head = box(heads.nth(i))
        assert view["y"] - 1 <= head["y"] <= view["y"] + 40, "the stage headers scrolled away"
    assert inside(box(page.locator(f"#board section.lane[data-dimension='{last}'] .lane-bar")), view)

    # Narrower, the board scrolls sideways inside itself: the lane bars stay at the left.
    page.set_viewport_size({"width": 900, "height": 800})
    scroller.evaluate("el => { el.scrollLeft = el.scrollWidth; el.scrollTop = 0; }")
    assert scroller.evaluate("el => el.scrollLeft") > 0
    first_bar = page.locator(f"#board section.lane[data-dimension='{city.data.lanes[0]}'] .lane-bar")
    assert inside(box(first_bar), box(scroller))
    assert box(heads.last)["y"] >= box(scroller)["y"] - 1
    page.set_viewport_size({"width": 1280, "height": 800})

    # Two lanes folded: they show their counts per stage, and stay folded after a reload.
    for code in city.data.lanes[:2]:
        lane = page.locator(f"#board section.lane[data-dimension='{code}']")
        lane.locator(".lane-toggle").click()
        expect(page.locator(f"#board section.lane[data-dimension='{code}']")).to_have_class(
            re.compile(r"\blane-folded\b"))
    folded = page.locator(f"#board section.lane[data-dimension='{city.data.lanes[0]}']")
    expect(folded.locator(".lane-toggle")).to_have_attribute("aria-expanded", "false")
    expect(folded.locator(".cell-count")).to_have_count(heads.count())
    expect(folded.locator("li.card")).to_have_count(0)
    page.reload()
    wait_ready(page)
    for code in city.data.lanes[:2]:
        expect(page.locator(f"#board section.lane[data-dimension='{code}']")).to_have_class(
            re.compile(r"\blane-folded\b"))
    third = page.locator(f"#board section.lane[data-dimension='{city.data.lanes[2]}']")
    expect(third.locator("li.card").first).to_be_visible()
    for code in city.data.lanes[:2]:
        page.locator(f"#board section.lane[data-dimension='{code}'] .lane-toggle").click()
        expect(page.locator(f"#board section.lane[data-dimension='{code}']")).not_to_have_class(
            re.compile(r"\blane-folded\b"))

    # Compact cards: the board is half as tall (or less), remembered too.
    comfortable = scroller.evaluate("el => el.scrollHeight")
    page.locator(".density-switch button[value='compact']").click()
    expect(page.locator("#board")).to_have_class(re.compile(r"\bdensity-compact\b"))
    compact = page.locator("#board .board-scroll").evaluate("el => el.scrollHeight")
    assert compact <= comfortable * 0.55, (compact, comfortable)
    shoot(page, "board-1280-compact.png", tmp_path)
    page.reload()
    expect(page.locator("#board")).to_have_class(re.compile(r"\bdensity-compact\b"))
    page.locator(".density-switch button[value='comfortable']").click()
    expect(page.locator("#board")).to_have_class(re.compile(r"\bdensity-comfortable\b"))

    # Cards load as a cell scrolls: a full cell holds more than it shows at first.
    cell = page.locator(f"#cell-{city.data.lanes[2]}-in_progress")
    cell.scroll_into_view_if_needed()
    before = cell.locator("li.card").count()
    cell.evaluate("el => el.scrollTop = el.scrollHeight")
    expect(cell.locator("li.card")).not_to_have_count(before)


def test_city_board_drop_anywhere_and_refusal_beside_the_card(new_context, city):
    page = new_context(viewport={"width": 1280, "height": 800}).new_page()
    # Alone on the board (a search), the card's lane has empty cells beside it.
    open_board(page, city, "/board/?q=Uji+seret")
    card = page.locator(f"#card-{city.data.drop}")
    target = page.locator("#cell-governance-in_progress")
    expect(target.locator("li.card")).to_have_count(0)
    cell_box = box(target)
    assert cell_box["height"] >= box(card)["height"]  # the empty cell is as tall as its row
    # Drop in the lower part of the empty cell, well below its top 48 px.
    card.drag_to(target, target_position={"x": cell_box["width"] / 2, "y": cell_box["height"] - 12})
    expect(page.locator("#board-status .move-message.ok")).to_be_visible()
    expect(target.locator(f"li#card-{city.data.drop}")).to_be_visible()
    expect(target.locator(f"li#card-{city.data.drop}")).to_have_class(re.compile(r"\bcard-moved\b"))
    with city.app.app_context():
        assert db.session.get(Initiative, city.data.drop).stage.code == "in_progress"
        db.session.remove()

    # A refused move in the last lane: the reason is next to the card, inside the viewport.
    page.goto(city.path("/board/"))
    wait_ready(page)
    refused = page.locator(f"#card-{city.data.refused}")
    refused.scroll_into_view_if_needed()
    approved = page.locator(f"#cell-{city.data.lanes[-1]}-approved")
    refused.drag_to(approved, target_position={"x": 40, "y": 20})
    alert = page.locator(f"#card-{city.data.refused} .card-alert")
    expect(alert).to_be_visible()
    expect(alert).to_have_attribute("role", "alert")
    expect(page.locator(f"#card-{city.data.refused}")).to_have_class(re.compile(r"\bcard-refused\b"))
    viewport = {"x": 0, "y": 0, "width": 1280, "height": 800}
    assert inside(box(alert), viewport), "the reason is out of sight"
    assert inside(box(alert), box(page.locator(f"#card-{city.data.refused}")))
    toast = page.locator("#board-status .move-message.refused")
    expect(toast).to_be_visible()
    assert inside(box(toast), viewport)
    # Dismissed, the mark goes.
    alert.locator(".card-alert-close").click()
    expect(page.locator(f"#card-{city.data.refused} .card-alert")).to_have_count(0)
    expect(page.locator(f"#card-{city.data.refused}")).not_to_have_class(re.compile(r"\bcard-refused\b"))
    with city.app.app_context():
        assert db.session.get(Initiative, city.data.refused).stage.code == "in_progress"
        db.session.remove()


def test_quick_view_opens_beside_the_board_and_back_closes_it(new_context, city, tmp_path):
    page = new_context(viewport={"width": 1280, "height": 800}).new_page()
    open_board(page, city)
    card = page.locator(f"#card-{city.data.refused}")
    card.scroll_into_view_if_needed()
    card.locator(".card-title").click()
    panel = page.locator("#quick-view")
    expect(panel).to_be_visible()
    expect(panel.locator("#quick-title")).to_have_text(REFUSED_TITLE)
    expect(panel.locator("#quick-title")).to_be_focused()
    expect(panel.locator("h3")).to_have_count(3)  # milestones, outcome, comments
    expect(panel.get_by_role("link", name=re.compile("halaman lengkap|full page", re.I))).to_have_attribute(
        "href", f"/initiatives/{city.data.refused}")
    assert re.search(rf"[?&]card={city.data.refused}\b", page.url)
    shoot(page, "board-1280-quick-view.png", tmp_path)
    page.go_back()
    expect(panel).to_be_hidden()
    assert "card=" not in page.url
    expect(page.locator(f"#card-{city.data.refused} .card-title")).to_be_focused()
    # Forward opens it again; a shared link opens the board with it.
    page.go_forward()
    expect(panel).to_be_visible()
    page.goto(city.path(f"/board/?card={city.data.drop}"))
    expect(page.locator("#quick-view #quick-title")).to_have_text(DROP_TITLE)
    page.locator("#quick-view .quick-close").click()
    expect(page.locator("#quick-view")).to_be_hidden()
    assert "card=" not in page.url


def test_city_board_on_a_phone(new_context, city, tmp_path):
    page = new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True).new_page()
    open_board(page, city)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    # The first screen holds cards.
    first = page.locator("#board li.card").first
    expect(first).to_be_visible()
    assert box(first)["y"] < 844
    shoot(page, "board-390.png", tmp_path)
    # A card moves without dragging: "Move", then the dialog (the next stage preselected).
    page.locator("#board .stage-tab[data-stage='in_progress']").tap()
    card = page.locator(f"#card-{city.data.refused}")
    card.scroll_into_view_if_needed()
    card.locator("a.move-link").tap()
    dialog = page.locator("#move-dialog")
    expect(dialog).to_be_visible()
    expect(page.locator("#move-dialog-body")).not_to_have_class(re.compile(r"htmx-settling"))
    expect(dialog.locator("#stage")).to_have_value("pilot")
    dialog.locator("button[type=submit]").tap()
    expect(page.locator("#board-status .move-message")).to_be_visible()
    with city.app.app_context():
        assert db.session.get(Initiative, city.data.refused).stage.code == "pilot"
        db.session.remove()


def test_dragging_near_the_edge_scrolls_the_board(new_context, city):
    page = new_context(viewport={"width": 1280, "height": 800}).new_page()
    open_board(page, city)
    scroller = page.locator("#board .board-scroll")
    assert scroller.evaluate("el => el.scrollTop") == 0
    card = page.locator(f"#cell-{city.data.lanes[0]}-in_progress li.card.movable").first
    start = box(card)
    view = box(scroller)
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + 20)
    page.mouse.down()
    page.mouse.move(start["x"] + start["width"] / 2 + 10, start["y"] + 30, steps=5)
    # Held near the board's lower edge, the board scrolls by itself.
    edge_y = view["y"] + view["height"] - 15
    for _ in range(30):
        page.mouse.move(start["x"] + start["width"] / 2, edge_y, steps=2)
        page.wait_for_timeout(50)
    scrolled = scroller.evaluate("el => el.scrollTop")
    page.keyboard.press("Escape")
    page.mouse.up()
    # Sortable's autoscroll: about 850 px in 1.5 s here; Chromium's own drag scrolling alone,
    # without it, about 60 px.
    assert scrolled > 400, scrolled
