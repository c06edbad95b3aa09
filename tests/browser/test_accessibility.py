"""Every main page, checked by machines: axe-core in Chromium (no serious or critical violation)
and the Nu HTML Checker (no error). Both tools are fetched with npm into ``.cache/`` (see the
``axe_js`` and ``vnu_jar`` fixtures in conftest.py).

The data is the demo dataset plus what the demo lacks: a comment with a mention (so a
notification), an archived initiative, a review with a decision and an email in the outbox.
"""

from __future__ import annotations

import json
import re
import subprocess
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from quickwin_tracker.domain.clock import utcnow
from quickwin_tracker.extensions import db
from quickwin_tracker.models import Indicator, Initiative, OutboxMessage, User

ADMIN = "admin@quickwin.balikpapan.go.id"
REVIEWER = "reviewer.organisasi@quickwin.balikpapan.go.id"
SERIOUS = ("serious", "critical")


def seed_rich() -> dict[str, int]:
    """The demo data plus comments, notifications, an archived initiative, a review, an email."""
    from quickwin_tracker.comments.services import add_comment
    from quickwin_tracker.demo import seed_demo
    from quickwin_tracker.review.cycle import record_decision, start_review
    from quickwin_tracker.review.periods import preset

    seed_demo()
    db.session.flush()
    admin = db.session.scalar(sa.select(User).where(User.email == ADMIN))
    reviewer = db.session.scalar(sa.select(User).where(User.email == REVIEWER))
    # The initiative with the most indicators: milestones, outcomes and a chart.
    detail_id = db.session.scalar(
        sa.select(Initiative.id).join(Indicator).group_by(Initiative.id)
        .order_by(sa.func.count(Indicator.id).desc(), Initiative.id).limit(1)
    )
    detail = db.session.get(Initiative, detail_id)
    add_comment(reviewer, detail, "Mohon @admin cek data capaian bulan ini.")
    add_comment(admin, detail, "Sudah dicek, datanya lengkap.")
    archived = db.session.scalar(
        sa.select(Initiative).where(Initiative.id != detail_id).order_by(Initiative.id.desc()).limit(1)
    )
    archived.archived, archived.archived_at = True, utcnow()
    review = start_review(reviewer, preset("quarter", date.today()))
    record_decision(reviewer, review, detail, "continue", "Lanjutkan.", None)
    db.session.add(OutboxMessage(
        kind="digest", dedupe_key="a11y-test", to_address=admin.email, to_user=admin,
        subject="Ringkasan mingguan", text_body="Halo", html_body="<p>Halo</p>",
    ))
    db.session.commit()
    return {"initiative": detail_id, "archived": archived.id, "review": review.id}


@pytest.fixture
def rich_server(live_server_factory):
    return live_server_factory(seed_rich, PUBLIC_PAGE=True)


def main_pages(ids: dict[str, int]) -> dict[str, str]:
    """The main pages a signed-in admin sees (admins may do everything), by name."""
    i = ids["initiative"]
    return {
        "board": "/board/",
        "move page": f"/board/cards/{i}/move",
        "initiative": f"/initiatives/{i}",
        "new initiative": "/initiatives/new",
        "edit initiative": f"/initiatives/{i}/edit",
        "archive": "/initiatives/archived",
        "activity": "/activity",
        "notifications": "/notifications",
        "account": "/auth/account",
        "two-step verification": "/auth/account/two-factor",  # the set-up: QR code as SVG
        "email settings": "/preferences/",
        "calendar": "/calendar",
        "summary": "/summary",
        "reviews": "/reviews",
        "review": f"/reviews/{ids['review']}",
        "import": "/transfer/import",
        "admin users": "/admin/users",
        "admin units": "/admin/units",
        "admin stages": "/admin/stages",
        "admin tags": "/admin/tags",
        "admin outbox": "/admin/outbox",
        "public": "/dampak",
    }


def run_axe(page: Page, axe_js: Path, rules: dict[str, dict] | None = None) -> list[str]:
    """The serious and critical violations on the page, one line each. ``rules`` is axe's
    ``rules`` option, e.g. ``{"target-size": {"enabled": True}}`` for a rule off by default."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(axe_js))
    options = {"resultTypes": ["violations"], **({"rules": rules} if rules else {})}
    result = page.evaluate("async (options) => await axe.run(document, options)", options)
    found = []
    for v in result["violations"]:
        if v["impact"] in SERIOUS:
            targets = ", ".join(" ".join(n["target"]) for n in v["nodes"][:4])
            found.append(f"{v['impact']} {v['id']}: {v['help']} [{targets}]")
    return found


def sign_in(page: Page, server, email: str) -> None:
    from quickwin_tracker.demo import DEMO_PASSWORD

    page.goto(server.path("/auth/login"))
    page.locator("#email").fill(email)
    page.locator("#password").fill(DEMO_PASSWORD)
    page.locator("button[type=submit].primary").click()
    page.wait_for_url(re.compile(r"/board/"))


def test_axe_finds_no_serious_violation_on_the_main_pages(new_context, rich_server, axe_js):
    # The app's CSP forbids inline script, which is how Playwright injects axe.
    page = new_context(bypass_csp=True).new_page()
    problems: dict[str, list[str]] = {}

    page.goto(rich_server.path("/auth/login"))
    problems["login"] = run_axe(page, axe_js)
    sign_in(page, rich_server, ADMIN)
    for name, path in main_pages(rich_server.data).items():
        response = page.goto(rich_server.path(path))
        assert response is not None and response.ok, f"{name}: {path} answered {response and response.status}"
        problems[name] = run_axe(page, axe_js)

    page.goto(rich_server.path("/board/"))
    page.locator("#board a.move-link").first.click()
    expect(page.locator("#move-dialog")).to_be_visible()
    expect(page.locator("#move-dialog-body")).not_to_have_class(re.compile(r"htmx-settling"))
    problems["board with the move dialog"] = run_axe(page, axe_js)

    problems = {name: found for name, found in problems.items() if found}
    assert not problems, "\n".join(f"{name}: {line}" for name, found in problems.items() for line in found)


def test_nu_html_checker_finds_no_error_on_the_main_pages(page: Page, rich_server, vnu_jar, tmp_path):
    files: dict[str, str] = {}

    def save(name: str, path: str) -> None:
        response = page.request.get(rich_server.path(path))
        assert response.ok, f"{name}: {path} answered {response.status}"
        target = tmp_path / (re.sub(r"\W+", "-", name) + ".html")
        target.write_text(response.text(), encoding="utf-8")
        files[target.as_uri()] = name

    save("login", "/auth/login")
    sign_in(page, rich_server, ADMIN)
    for name, path in main_pages(rich_server.data).items():
        save(name, path)

    done = subprocess.run(
        ["java", "-jar", str(vnu_jar), "--errors-only", "--format", "json", "--exit-zero-always",
         *(str(tmp_path / Path(uri).name) for uri in files)],
        capture_output=True, text=True, timeout=300,
    )
    report = json.loads(done.stderr or done.stdout)
    errors = [
        f"{files.get(m.get('url', ''), m.get('url'))}:{m.get('lastLine')}: {m['message']}"
        f" [{(m.get('extract') or '').strip()[:120]}]"
        for m in report["messages"] if m.get("type") in ("error", "non-document-error")
    ]
    assert not errors, "\n".join(errors)
