"""Issue #3 end to end in a real browser: the Rolled-out gate refuses a move, the user completes
the last milestone and records a measurement with a PDF as evidence, then the same move works."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from playwright.sync_api import Page, expect

from quickwin_tracker.extensions import db
from quickwin_tracker.models import Dimension, Indicator, Initiative, Milestone, Stage, Unit, User
from tests.conftest import _PASSWORD_HASH

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def seed_pilot() -> dict:
    stages = {s.code: s for s in db.session.scalars(sa.select(Stage))}
    living = db.session.scalar(sa.select(Dimension).where(Dimension.code == "living"))
    unit = Unit(code="DINKES", name="Dinas Kesehatan")
    staff = User(email="staf@dinkes.example.go.id", name="Dewi Staf", role="staff", unit=unit,
                 password_hash=_PASSWORD_HASH, locale="id")
    initiative = Initiative(
        title="Antrean online puskesmas", benefit="Warga tidak antre sejak subuh.",
        dimension=living, stage=stages["pilot"], unit=unit, owner=staff, created_by=staff,
        position=0, target_date=date(2027, 3, 1),
    )
    initiative.milestones.append(Milestone(title="Uji coba di 3 puskesmas", due_date=date(2026, 11, 1),
                                           done_on=date(2026, 11, 1), position=0))
    initiative.milestones.append(Milestone(title="Evaluasi uji coba", due_date=date(2027, 1, 15),
                                           position=1))
    initiative.indicators.append(Indicator(name="Waktu tunggu", unit_of_measure="menit",
                                           baseline=120, target=30, direction="lower"))
    db.session.add_all([unit, staff, initiative])
    db.session.commit()
    return {"email": staff.email, "id": initiative.id}


def test_gate_then_milestone_then_measurement_then_rollout(page: Page, live_server_factory, login,
                                                          tmp_path):
    server = live_server_factory(seed_pilot)
    data = server.data
    card_id = data["id"]
    login(page, server, data["email"])
    page.wait_for_function("() => Array.from(document.querySelectorAll('#board ol.cards'))"
                           ".every(l => l._sortable)")

    rolled_out = page.locator("#cell-living-rolled_out ol.cards")
    page.locator(f"#card-{card_id}").drag_to(rolled_out)
    refusal = page.locator("#board-status .move-message.refused")
    expect(refusal).to_be_visible()
    expect(refusal.locator(".missing-list li")).to_have_count(2)
    expect(page.locator(f"#cell-living-pilot #card-{card_id}")).to_be_visible()

    # Fix what is missing on the initiative page, through the links the refusal gave.
    refusal.locator(".missing-list a").first.click()
    page.wait_for_url(f"**/initiatives/{card_id}#*")
    milestones = page.locator("#milestones")
    milestones.locator("details.row-menu > summary").first.click()  # the row's actions menu
    milestones.get_by_role("button", name="Tandai selesai").first.click()
    expect(milestones.get_by_text("2 dari 2 selesai")).to_be_visible()

    outcomes = page.locator("#outcomes")
    outcomes.locator("details.record-measurement > summary").first.click()
    form = outcomes.locator("form.outcome-form[enctype='multipart/form-data']").first
    form.locator("input[name$='-value']").fill("45")
    form.locator("input[name$='-measured_on']").fill("2026-11-20")
    evidence = tmp_path / "laporan-uji-coba.pdf"
    evidence.write_bytes(PDF)
    form.locator("input[type=file]").set_input_files(str(evidence))
    form.get_by_role("button", name="Catat pengukuran").click()
    expect(outcomes.locator("table.measurements").first).to_contain_text("45")
    expect(outcomes.get_by_role("link", name="laporan-uji-coba.pdf")).to_be_visible()

    page.goto(server.path("/board/"))
    page.wait_for_function("() => Array.from(document.querySelectorAll('#board ol.cards'))"
                           ".every(l => l._sortable)")
    page.locator(f"#card-{card_id}").drag_to(page.locator("#cell-living-rolled_out ol.cards"))
    expect(page.locator("#board-status .move-message.ok")).to_be_visible()
    page.reload()
    expect(page.locator(f"#cell-living-rolled_out #card-{card_id}")).to_be_visible()
    with server.app.app_context():
        assert db.session.get(Initiative, card_id).stage.code == "rolled_out"
        db.session.remove()
