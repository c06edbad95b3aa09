"""Budget and realisation (issue 14 item 6): reading Rupiah as people type it, setting a budget,
recording and withdrawing spending with evidence, absorption, permissions, the section with and
without htmx, bad input next to the field, and the deployment's off switch."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from quickwin_tracker.budget import services
from quickwin_tracker.domain.clock import local_today
from quickwin_tracker.domain.errors import Conflict, Forbidden, Invalid
from quickwin_tracker.extensions import db
from quickwin_tracker.models import Activity, Evidence, InitiativeBudget, Spending
from tests.conftest import t

PDF = b"%PDF-1.4\n% a tiny test file\n"


# --------------------------------------------------------------------------- amounts


@pytest.mark.parametrize("typed, rupiah", [
    ("1500000", 1_500_000),
    ("1.500.000", 1_500_000),
    ("Rp 1.500.000", 1_500_000),
    ("Rp1.500.000", 1_500_000),
    ("Rp. 1.500.000,00", 1_500_000),
    ("IDR 1,500,000", 1_500_000),
    ("1,500,000.00", 1_500_000),
    ("1 500 000", 1_500_000),
    ("1\u00a0500\u00a0000", 1_500_000),
    ("1,5 juta", 1_500_000),
    ("1.5 jt", 1_500_000),
    ("2 M", 2_000_000_000),
    ("2,25 miliar", 2_250_000_000),
    ("750 ribu", 750_000),
    ("750rb", 750_000),
    ("0", 0),
    ("  12  ", 12),
])
def test_amounts_are_read_as_people_type_them(app, typed, rupiah):
    assert services.parse_rupiah(typed) == rupiah


@pytest.mark.parametrize("typed", ["", "   ", "Rp", "-5000", "−5.000", "abc", "1.500.00",
                                   "1,5", "1.500.000,50", "12.5", "1,5 lusin", "1e9",
                                   "9" * 20])
def test_bad_amounts_are_refused_for_their_field(app, typed):
    with pytest.raises(Invalid) as refused:
        services.parse_rupiah(typed, "planned")
    assert refused.value.field == "planned"


def test_rupiah_is_written_in_the_readers_format(app):
    with app.test_request_context("/"):
        assert services.rupiah(1_500_000) == "Rp 1.500.000"  # Indonesian, the default
        assert services.rupiah(None) == "—"
    assert services.absorption(200, 150) == 75.0
    assert services.absorption(0, 150) is None and services.absorption(None, 1) is None
    assert services.absorption(100, 130) == 130.0  # overspent: shown as such


# --------------------------------------------------------------------------- services


def _spend(team, initiative, amount="1.000.000", days_ago=1, **kw):
    data = services.SpendingData(amount, local_today() - timedelta(days=days_ago), **kw)
    entry = services.record_spending(team.staff, initiative, data)
    db.session.commit()
    return entry


def test_budget_spending_and_absorption(team, make_initiative):
    initiative = make_initiative(unit=team.unit)
    assert services.set_budget(team.staff, initiative, "Rp 200.000.000", " 1.02.02.2.01.0001 ")
    db.session.commit()
    assert not services.set_budget(team.staff, initiative, "200000000", "1.02.02.2.01.0001")
    first = _spend(team, initiative, "Rp 50.000.000", note="Termin 1")
    second = _spend(team, initiative, "100 juta")
    services.withdraw_spending(team.manager, second, "Salah ketik: seharusnya 10 juta")
    _spend(team, initiative, "10.000.000")
    db.session.commit()

    entries = services.list_spending(initiative)
    assert services.realised(entries) == 60_000_000
    assert services.absorption(services.budget_of(initiative).planned,
                               services.realised(entries)) == 30.0
    assert second.withdrawn and second.withdrawn_reason.startswith("Salah ketik")
    assert first.note == "Termin 1" and first.recorded_by_id == team.staff.id
    verbs = list(db.session.scalars(sa.select(Activity.verb).where(
        Activity.initiative_id == initiative.id).order_by(Activity.id)))
    assert verbs == ["budget_set", "spending_recorded", "spending_recorded",
                     "spending_withdrawn", "spending_recorded"]
    with pytest.raises(Conflict):
        services.withdraw_spending(team.staff, second, "again")


@pytest.mark.parametrize("data, field", [
    (services.SpendingData("0", date(2026, 1, 5)), "amount"),
    (services.SpendingData("-1", date(2026, 1, 5)), "amount"),
    (services.SpendingData("sejuta", date(2026, 1, 5)), "amount"),
    (services.SpendingData("1000", None), "spent_on"),
    (services.SpendingData("1000", date(2999, 1, 1)), "spent_on"),
    (services.SpendingData("1000", date(2026, 1, 5), link="javascript:alert(1)"), "link"),
    (services.SpendingData("1000", date(2026, 1, 5), note="x" * 2001), "note"),
])
def test_bad_spending_is_refused_for_its_field(team, make_initiative, data, field):
    initiative = make_initiative(unit=team.unit)
    with pytest.raises(Invalid) as refused:
        services.record_spending(team.staff, initiative, data)
    assert refused.value.field == field


def test_bad_codes_and_withdrawals_without_reason(team, make_initiative):
    initiative = make_initiative(unit=team.unit)
    with pytest.raises(Invalid) as refused:
        services.set_budget(team.staff, initiative, "1000", "1.02/02 <b>")
    assert refused.value.field == "program_code"
    entry = _spend(team, initiative)
    with pytest.raises(Invalid) as refused:
        services.withdraw_spending(team.staff, entry, "   ")
    assert refused.value.field == "reason"


def test_who_may_change_the_budget(team, make_initiative):
    initiative = make_initiative(unit=team.unit)
    for person in (team.outsider, team.reviewer):
        with pytest.raises(Forbidden):
            services.set_budget(person, initiative, "1000", "")
        with pytest.raises(Forbidden):
            services.record_spending(person, initiative,
                                     services.SpendingData("1000", date(2026, 1, 5)))
    assert services.set_budget(team.admin, initiative, "1000", "")
    initiative.members = [team.outsider]  # the team edits it too
    db.session.commit()
    assert services.set_budget(team.outsider, initiative, "2000", "")
    initiative.archived = True
    db.session.commit()
    with pytest.raises(Conflict):
        services.set_budget(team.staff, initiative, "3000", "")


# --------------------------------------------------------------------------- the section


def test_the_section_with_and_without_htmx(team, make_initiative, auth, client, hx):
    initiative = make_initiative(unit=team.unit)
    auth.sign_in(team.staff)
    page = client.get(f"/initiatives/{initiative.id}").get_data(as_text=True)
    assert 'id="budget"' in page and t("No budget recorded yet.") in page
    assert f'action="/initiatives/{initiative.id}/budget"' in page

    # htmx: the section comes back
    answer = client.post(f"/initiatives/{initiative.id}/budget", headers=hx,
                         data={"budget-planned": "Rp 250.000.000",
                               "budget-program_code": "1.02.02.2.01.0001"})
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    assert "<html" not in html and html.lstrip().startswith('<section id="budget"')
    assert "Rp 250.000.000" in html and "1.02.02.2.01.0001" in html

    # no JavaScript: a 303 back to the page, which shows it
    answer = client.post(f"/initiatives/{initiative.id}/spending", data={
        "spending-amount": "1,5 juta", "spending-spent_on": local_today().isoformat(),
        "spending-note": "Termin 1",
        "spending-evidence": (io.BytesIO(PDF), "kuitansi.pdf")},
        content_type="multipart/form-data")
    assert answer.status_code == 303 and answer.location.endswith("#budget")
    page = client.get(f"/initiatives/{initiative.id}").get_data(as_text=True)
    assert "Rp 1.500.000" in page and "kuitansi.pdf" in page
    assert 'data-figure="absorption">1%<' in page  # 1.5 of 250 million: 0.6 %, rounded
    entry = db.session.scalar(sa.select(Spending))
    assert entry.evidence is not None and entry.evidence.content_type == "application/pdf"
    assert db.session.get(InitiativeBudget, initiative.id).planned == 250_000_000

    # withdrawing, with htmx
    answer = client.post(f"/initiatives/{initiative.id}/spending/{entry.id}/withdraw",
                         headers=hx, data={f"withdraw-spending-{entry.id}-reason": "Dobel"})
    assert answer.status_code == 200
    assert "<del>Rp 1.500.000</del>" in answer.get_data(as_text=True)
    assert db.session.get(Spending, entry.id).withdrawn


@pytest.mark.parametrize("htmx", [True, False])
def test_bad_input_is_shown_next_to_the_field(team, make_initiative, auth, client, hx, htmx):
    initiative = make_initiative(unit=team.unit)
    auth.sign_in(team.staff)
    answer = client.post(f"/initiatives/{initiative.id}/spending",
                         headers=hx if htmx else {},
                         data={"spending-amount": "-5.000",
                               "spending-spent_on": local_today().isoformat()})
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert ("<html" in html) is not htmx
    error = html[html.index('id="spending-amount-error"'):]
    assert t("The amount cannot be negative.") in error[:300]
    assert 'value="-5.000"' in html  # what was typed stays
    assert "<details class=\"add-form record-spending\" open>" in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Spending)) == 0
    answer = client.post(f"/initiatives/{initiative.id}/budget", headers=hx if htmx else {},
                         data={"budget-planned": "banyak"})
    assert answer.status_code == 422 and 'id="budget-planned-error"' in answer.get_data(
        as_text=True)


def test_evidence_that_is_not_accepted_stores_nothing(team, make_initiative, auth, client, hx):
    initiative = make_initiative(unit=team.unit)
    auth.sign_in(team.staff)
    answer = client.post(f"/initiatives/{initiative.id}/spending", headers=hx, data={
        "spending-amount": "1000", "spending-spent_on": local_today().isoformat(),
        "spending-evidence": (io.BytesIO(b"MZ not a pdf"), "kuitansi.pdf")},
        content_type="multipart/form-data")
    assert answer.status_code == 422 and 'id="spending-evidence-error"' in answer.get_data(
        as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Evidence)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Spending)) == 0


def test_readers_see_the_budget_but_no_forms(team, make_initiative, auth, client, hx):
    initiative = make_initiative(unit=team.unit)
    services.set_budget(team.staff, initiative, "1.000.000", "")
    db.session.commit()
    auth.sign_in(team.reviewer)
    page = client.get(f"/initiatives/{initiative.id}").get_data(as_text=True)
    assert "Rp 1.000.000" in page
    assert "/budget\"" not in page.split('id="budget"')[1].split("</section>")[0].replace(
        'data-hx-target="#budget"', "")  # no form posts there
    answer = client.post(f"/initiatives/{initiative.id}/spending", headers=hx,
                         data={"spending-amount": "1000",
                               "spending-spent_on": local_today().isoformat()})
    assert answer.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Spending)) == 0


def test_the_trail_tells_the_budget_story(team, make_initiative, auth, client):
    initiative = make_initiative(unit=team.unit)
    services.set_budget(team.staff, initiative, "2.000.000", "")
    db.session.commit()
    services.set_budget(team.staff, initiative, "3.000.000", "")
    entry = _spend(team, initiative, "500.000")
    services.withdraw_spending(team.staff, entry, "Dobel")
    db.session.commit()
    auth.sign_in(team.staff)
    page = client.get(f"/initiatives/{initiative.id}").get_data(as_text=True)
    trail = page[page.index('id="trail"'):]
    assert t("set the budget to %(amount)s", amount="Rp 2.000.000") in trail
    assert t("changed the budget from %(old)s to %(new)s", old="Rp 2.000.000",
             new="Rp 3.000.000") in trail
    assert "Rp 500.000" in trail and "Dobel" in trail


# --------------------------------------------------------------------------- off


class TestSwitchedOff:
    @pytest.fixture
    def app_config(self):
        return {"BUDGET": False}

    def test_no_budget_anywhere(self, team, make_initiative, auth, client, hx):
        initiative = make_initiative(unit=team.unit)
        db.session.add(InitiativeBudget(initiative_id=initiative.id, planned=1000,
                                        program_code=""))
        db.session.add(Spending(initiative_id=initiative.id, amount=900,
                                spent_on=date(2026, 11, 1)))
        db.session.commit()
        auth.sign_in(team.manager)
        page = client.get(f"/initiatives/{initiative.id}").get_data(as_text=True)
        assert 'id="budget"' not in page and "Rp " not in page
        for path in (f"/initiatives/{initiative.id}/budget",):
            assert client.get(path, headers=hx).status_code == 404
        for path, data in ((f"/initiatives/{initiative.id}/budget", {"budget-planned": "1"}),
                           (f"/initiatives/{initiative.id}/spending", {})):
            assert client.post(path, data=data).status_code == 404
        summary = client.get("/summary").get_data(as_text=True)
        assert "budget-summary" not in summary and "Rp " not in summary
        from openpyxl import load_workbook

        workbook = load_workbook(io.BytesIO(client.get("/summary/stocktake.xlsx").data))
        assert not any("Anggaran" in name or "Budget" in name for name in workbook.sheetnames)
        pdf = client.get("/summary/stocktake.pdf")
        assert pdf.status_code == 200
