"""The round-trip harness (tests/web/test_forms_roundtrip.py) sends forms as ``tests/html_forms.py``
says a browser would: checked here against Chromium itself, on forms that hold every kind of
control (text, textarea with line breaks, single and multiple selects, checkboxes, dates,
hidden values)."""

from __future__ import annotations

from urllib.parse import parse_qsl

from playwright.sync_api import Page

from quickwin_tracker.extensions import db
from quickwin_tracker.models import Initiative, Tag, User
from tests.html_forms import forms_in


def _prepare(live_server, key: str) -> int:
    """Give an initiative line breaks, a team and plan tags, so every control has something."""
    with live_server.app.app_context():
        initiative = db.session.get(Initiative, live_server.data.initiatives[key])
        initiative.description = "Baris satu\nBaris dua\n\nBaris empat dengan “kutip” & <tanda>"
        initiative.members = [db.session.query(User).filter_by(email=live_server.data.staff).one()]
        tags = [Tag(kind="sdg", code="11.2", name="Transportasi"),
                Tag(kind="rpjmd", code="P1", name="Tata kelola")]
        db.session.add_all(tags)
        initiative.tags = tags[:1]
        db.session.commit()
        initiative_id = initiative.id
        db.session.remove()
    return initiative_id


def _sent_by_chromium(page: Page, url: str, submit_selector: str) -> tuple[str, list[tuple[str, str]]]:
    """Open ``url``, press the submit button, and return the page's HTML as served and the body
    Chromium posted (parsed, in order)."""
    served = page.goto(url).text()
    with page.expect_request(lambda r: r.method == "POST") as posted:
        page.locator(submit_selector).click()
    body = posted.value.post_data or ""
    return served, parse_qsl(body, keep_blank_values=True)


def test_the_edit_form_is_sent_as_the_harness_says(page: Page, live_server, login):
    initiative_id = _prepare(live_server, "portal")
    login(page, live_server, live_server.data.manager)
    url = live_server.path(f"/initiatives/{initiative_id}/edit")
    served, sent = _sent_by_chromium(page, url, "form[action$='/edit'] button[type=submit]")
    form = next(f for f in forms_in(served, f"/initiatives/{initiative_id}/edit")
                if f.action.endswith("/edit"))
    assert sent == form.submission().fields
    assert ("description", "Baris satu\r\nBaris dua\r\n\r\nBaris empat dengan “kutip” & <tanda>") in sent


def test_a_select_without_a_selected_option_is_sent_as_the_harness_says(page: Page, live_server,
                                                                       login):
    """The move page for a card (its own stage selected, "where it is now" first) and the
    initiative form for a new one (a select whose first option is the placeholder)."""
    login(page, live_server, live_server.data.manager)
    url = live_server.path("/initiatives/new")
    served, sent = _sent_by_chromium(page, url, "main form button[type=submit]")
    form = next(f for f in forms_in(served, "/initiatives/new") if f.method == "post"
                and f.action == "/initiatives/new")
    assert sent == form.submission().fields
