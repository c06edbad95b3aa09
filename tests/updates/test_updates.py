"""Progress updates (issue 14 item 1, and item 2 on the page): posting and editing (15 minutes),
refusals next to the field, the trail, when the next is due (WITA, cadence per stage), and the
flag when the owner's account is rosier than the data."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from quickwin_tracker.domain.activity import describe
from quickwin_tracker.domain.errors import Forbidden
from quickwin_tracker.extensions import db
from quickwin_tracker.lifecycle.status import Assessment, Reason, Status
from quickwin_tracker.models import Activity, Evidence, Milestone, ProgressUpdate
from quickwin_tracker.updates.services import (
    Latest,
    UpdateData,
    disagreement,
    edit_update,
    latest_updates,
    next_due,
    post_update,
)

T0 = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # 10:00 WITA


@pytest.fixture
def initiative(team, make_initiative):
    return make_initiative(team.unit, stage="in_progress", title="Antrean online puskesmas",
                           owner=team.staff, created_at=datetime(2026, 10, 1, tzinfo=UTC),
                           target_date=date(2027, 6, 1))


def url(initiative, tail=""):
    return f"/initiatives/{initiative.id}/updates{tail}"


GOOD = {"update-health": "on_track", "update-moved": "Aplikasi diuji di 3 puskesmas.",
        "update-blocks": "", "update-next_steps": "Pelatihan petugas.",
        "update-link": "https://dinkes.balikpapan.go.id/berita/antrean"}


def test_staff_post_an_update_and_it_leads_the_page_and_the_trail(team, initiative, auth, client,
                                                                    hx):
    auth.login(team.staff)
    response = client.post(url(initiative), data=GOOD, headers=hx)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="updates"')
    assert "Aplikasi diuji di 3 puskesmas." in html and "Pelatihan petugas." in html
    update = db.session.scalar(sa.select(ProgressUpdate))
    assert (update.health, update.author_id, update.link) == (
        "on_track", team.staff.id, GOOD["update-link"])
    entry = db.session.scalar(sa.select(Activity).where(Activity.verb == "update_posted"))
    assert entry.data == {"update_id": update.id, "health": "on_track", "evidence": False}
    assert "posted a progress update" in describe(entry) or "pembaruan" in describe(entry)
    page = client.get(f"/initiatives/{initiative.id}").get_data(as_text=True)
    main = page[page.index('class="initiative-main"'):]
    assert main.index('id="updates"') < main.index("benefit")  # at the top of the content


def test_without_javascript_the_post_redirects_back_with_a_message(team, initiative, auth,
                                                                     client):
    auth.login(team.staff)
    response = client.post(url(initiative), data=GOOD)
    assert response.status_code == 303 and response.location.endswith("#updates")


@pytest.mark.parametrize("field,value,message", [
    ("update-health", "", "sesuai rencana"),
    ("update-health", "excellent", "sesuai rencana"),
    ("update-moved", "   ", "Ceritakan"),
    ("update-link", "javascript:alert(1)", "http"),
    ("update-moved", "x" * 2001, "2000"),
])
def test_bad_input_is_refused_next_to_its_field_and_nothing_is_written(
        team, initiative, auth, client, hx, field, value, message):
    auth.login(team.staff)
    response = client.post(url(initiative), data={**GOOD, field: value}, headers=hx)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    error = html[html.index(f'id="{field}-error"'):]
    assert message in error[:400], error[:400]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProgressUpdate)) == 0
    assert response.headers["HX-Retarget"] == "#update-form"


def test_only_the_unit_and_the_team_may_post(team, initiative, auth, client):
    for person in (team.outsider, team.reviewer):
        auth.login(person)
        assert client.post(url(initiative), data=GOOD).status_code == 403
        auth.logout()
    auth.login(team.manager)
    assert client.post(url(initiative), data=GOOD).status_code == 303


def test_the_author_edits_for_15_minutes_then_it_stands(team, initiative):
    update = post_update(team.staff, initiative, UpdateData("at_risk", "Server belum siap."),
                         now=T0)
    db.session.commit()
    changed = UpdateData("off_track", "Server belum siap; vendor mundur.")
    with pytest.raises(Forbidden):
        edit_update(team.manager, update, changed, now=T0 + timedelta(minutes=1))
    assert edit_update(team.staff, update, changed, now=T0 + timedelta(minutes=14))
    assert update.health == "off_track" and update.edited_at == T0 + timedelta(minutes=14)
    assert not edit_update(team.staff, update, changed, now=T0 + timedelta(minutes=14))
    with pytest.raises(Forbidden):
        edit_update(team.staff, update, UpdateData("on_track", "Beres."),
                    now=T0 + timedelta(minutes=16))
    verbs = list(db.session.scalars(sa.select(Activity.verb).order_by(Activity.id)))
    assert verbs.count("update_posted") == 1 and verbs.count("update_edited") == 1


def test_the_edit_form_round_trips(team, initiative, auth, client, hx):
    """The edit form as the page renders it, sent unchanged, changes nothing."""
    from tests.html_forms import forms_in

    auth.login(team.staff)
    client.post(url(initiative), data=GOOD)
    update = db.session.scalar(sa.select(ProgressUpdate))
    edit = url(initiative, f"/{update.id}/edit")
    form = next(f for f in forms_in(client.get(edit, headers=hx).get_data(as_text=True), edit)
                if f.action.endswith(edit))
    entries, _files = form.entries(htmx=True)
    sent = dict(entries)
    assert sent[f"update-{update.id}-health"] == "on_track"
    assert sent[f"update-{update.id}-moved"] == GOOD["update-moved"]
    response = client.post(edit, data=sent, headers=hx)
    assert response.status_code == 200  # nothing changed: the section again
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Activity).where(
        Activity.verb == "update_edited")) == 0


def test_the_next_update_is_due_by_the_cadence_in_the_city(app, team, initiative, stages):
    created = datetime(2026, 10, 31, 17, 0, tzinfo=UTC)  # 1 Nov 01:00 WITA
    due = next_due(created, None, stages["in_progress"], today=date(2026, 11, 15))
    assert due.on == date(2026, 11, 15) and not due.late  # 14 days after 1 Nov
    due = next_due(created, None, stages["in_progress"], today=date(2026, 11, 23))
    assert due.days_late == 8 and due.missed(7) and not due.missed(9)
    stages["in_progress"].update_cadence_days = 30
    latest = Latest(initiative.id, "on_track", datetime(2026, 11, 10, 16, 30, tzinfo=UTC))
    assert next_due(created, latest, stages["in_progress"], today=date(2026, 11, 23)).on == \
        date(2026, 12, 11)  # 11 Nov (WITA) + 30


def _assessment(status: Status) -> Assessment:
    if status in (Status.ON_TRACK, Status.DONE):
        return Assessment(status)
    return Assessment(status, [Reason(status, "milestone_overdue",
                                      "tonggak capaian “Uji coba” terlambat 9 hari")])


@pytest.mark.parametrize("reported,derived,flagged", [
    ("on_track", Status.AT_RISK, True),
    ("on_track", Status.OFF_TRACK, True),
    ("at_risk", Status.OFF_TRACK, True),
    ("on_track", Status.ON_TRACK, False),
    ("at_risk", Status.AT_RISK, False),
    ("off_track", Status.AT_RISK, False),  # more worried than the data: not contradicted
    ("on_track", Status.DONE, False),
])
def test_a_rosier_report_is_flagged_exactly(app, reported, derived, flagged):
    latest = Latest(1, reported, T0)
    with app.test_request_context():
        flag = disagreement(latest, _assessment(derived))
    assert (flag is not None) == flagged
    if flagged:
        assert "terlambat 9 hari" in flag
    assert disagreement(None, _assessment(derived)) is None


def test_on_track_over_an_overdue_milestone_is_flagged_on_the_page(team, initiative, auth,
                                                                     client):
    db.session.add(Milestone(initiative=initiative, title="Uji coba",
                             due_date=date.today() - timedelta(days=9)))
    db.session.commit()
    auth.login(team.staff)
    client.post(url(initiative), data=GOOD)
    page = client.get(f"/initiatives/{initiative.id}").get_data(as_text=True)
    flag = page[page.index('class="update-flag"'):]
    flag = flag[:flag.index("</p>")]
    assert re.search(r"Dilaporkan sesuai rencana; data menunjukkan berisiko: .*“Uji coba” "
                     r"terlambat \d+ hari", flag), flag


def test_latest_updates_is_one_query_for_many(team, make_initiative, count_queries):
    made = [make_initiative(team.unit) for _ in range(5)]
    for n, initiative in enumerate(made):
        for k in range(2):
            post_update(team.staff, initiative, UpdateData(
                "at_risk" if k else "on_track", f"Langkah {n}.{k}"), now=T0 + timedelta(days=k))
    db.session.commit()
    ids = [i.id for i in made]
    with count_queries() as counted:
        latest = latest_updates(ids)
    assert counted.count == 1
    assert {i: last.health for i, last in latest.items()} == dict.fromkeys(ids, "at_risk")


def test_a_card_shows_the_latest_report_and_flags_a_rosier_one(team, initiative, auth, client):
    """On the board: the latest update's health and age; marked when the data disagrees."""
    auth.login(team.staff)
    client.post(url(initiative), data=GOOD)
    board = client.get("/board/?unit=all").get_data(as_text=True)
    card = board[board.index(f'id="card-{initiative.id}"'):]
    card = card[:card.index("</li>")]
    assert 'class="card-report"' in card and "Dilaporkan sesuai rencana hari ini" in card
    db.session.add(Milestone(initiative=initiative, title="Uji coba",
                             due_date=date.today() - timedelta(days=20)))
    db.session.commit()
    board = client.get("/board/?unit=all").get_data(as_text=True)
    card = board[board.index(f'id="card-{initiative.id}"'):]
    card = card[:card.index("</li>")]
    assert 'class="card-report is-rosier"' in card
    assert "data menunjukkan tidak sesuai rencana" in card


def test_the_quick_view_shows_the_latest_update_and_flags_a_rosier_one(team, initiative, auth,
                                                                        client, hx):
    auth.login(team.staff)
    quick = client.get(f"/board/cards/{initiative.id}", headers=hx).get_data(as_text=True)
    assert "Belum ada pembaruan kemajuan." in quick and "quick-update" not in quick
    client.post(url(initiative), data=GOOD)
    quick = client.get(f"/board/cards/{initiative.id}", headers=hx).get_data(as_text=True)
    box = quick[quick.index('class="quick-update'):]
    box = box[:box.index("</div>")]
    assert GOOD["update-moved"] in box and f"Pembaruan kemajuan oleh {team.staff.name}" in box
    assert "update-flag" not in box  # the data agrees
    db.session.add(Milestone(initiative=initiative, title="Uji coba",
                             due_date=date.today() - timedelta(days=9)))
    db.session.commit()
    quick = client.get(f"/board/cards/{initiative.id}", headers=hx).get_data(as_text=True)
    box = quick[quick.index('class="quick-update'):]
    assert re.search(r'class="update-flag"[^>]*>.*Dilaporkan sesuai rencana; data menunjukkan '
                     r"berisiko: .*“Uji coba” terlambat \d+ hari", box)


PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def test_an_update_may_carry_a_file(app, team, initiative, auth, client, hx):
    auth.login(team.staff)
    response = client.post(url(initiative), headers=hx, content_type="multipart/form-data",
                           data={**GOOD, "update-evidence": (io.BytesIO(PDF), "laporan.pdf")})
    assert response.status_code == 200
    update = db.session.scalar(sa.select(ProgressUpdate))
    assert update.evidence is not None and update.evidence.content_type == "application/pdf"
    assert update.evidence.uploaded_by_id == team.staff.id
    html = response.get_data(as_text=True)
    link = f"/evidence/{update.evidence.id}"
    assert link in html and "laporan.pdf" in html
    download = client.get(link)
    assert download.status_code == 200 and download.data == PDF
    entry = db.session.scalar(sa.select(Activity).where(Activity.verb == "update_posted"))
    assert entry.data["evidence"] is True
    # The add form offers the file field, and posts as multipart (htmx too).
    page = client.get(f"/initiatives/{initiative.id}").get_data(as_text=True)
    form = page[page.index('id="update-form"'):]
    form = form[:form.index("</form>")]
    assert 'enctype="multipart/form-data"' in form and 'data-hx-encoding="multipart/form-data"' \
        in form and 'name="update-evidence"' in form


def test_a_file_that_is_not_accepted_writes_nothing(app, team, initiative, auth, client, hx):
    auth.login(team.staff)
    response = client.post(url(initiative), headers=hx, content_type="multipart/form-data",
                           data={**GOOD, "update-evidence": (io.BytesIO(b"MZ\x90 program"),
                                                              "laporan.pdf")})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    field = html[html.index('name="update-evidence"') - 600:html.index('name="update-evidence"') + 600]
    assert "Hanya berkas PDF, PNG, JPEG, atau WebP" in html and "update-evidence" in field
    assert GOOD["update-moved"] in html  # what was typed is kept
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProgressUpdate)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Evidence)) == 0
    folder = app.instance_path + "/evidence"
    import os
    assert not os.path.isdir(folder) or os.listdir(folder) == []


@pytest.mark.parametrize("app_config", [{"EVIDENCE_MAX_BYTES": 1024, "MAX_CONTENT_LENGTH": 64 * 1024}])
def test_a_file_over_the_limit_is_refused_next_to_its_field(app, team, initiative, auth, client,
                                                            hx):
    auth.login(team.staff)
    big = PDF + b"%" * 2048
    response = client.post(url(initiative), headers=hx, content_type="multipart/form-data",
                           data={**GOOD, "update-evidence": (io.BytesIO(big), "laporan.pdf")})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Berkas terlalu besar" in html and "1 KB" in html
    assert GOOD["update-moved"] in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProgressUpdate)) == 0
