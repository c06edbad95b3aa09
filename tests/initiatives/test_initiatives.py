"""Creating, editing, archiving and reading initiatives."""

from datetime import date

import pytest
import sqlalchemy as sa

from quickwin_tracker.extensions import db
from quickwin_tracker.models import Activity, Initiative


def form_data(team, dimensions, **overrides):
    data = {
        "title": "Antrean online puskesmas",
        "benefit": "Warga tidak perlu antre sejak subuh.",
        "description": "Pendaftaran lewat WhatsApp dan web.",
        "dimension": str(dimensions["living"].id),
        "unit": str(team.unit.id),
        "owner": str(team.staff.id),
        "target_date": "2027-02-01",
    }
    data.update(overrides)
    return data


def trail(initiative_id):
    return list(db.session.scalars(
        sa.select(Activity).where(Activity.initiative_id == initiative_id).order_by(Activity.id)))


def test_create_puts_it_at_the_bottom_of_the_first_stage(team, auth, client, dimensions,
                                                          make_initiative):
    existing = make_initiative(team.unit, stage="proposed", dimension="living")
    auth.login(team.staff)
    form = client.get("/initiatives/new")
    assert form.status_code == 200
    assert f'<option selected value="{team.unit.id}"'.encode() in form.data
    response = client.post("/initiatives/new", data=form_data(team, dimensions))
    assert response.status_code == 303
    created = db.session.scalar(sa.select(Initiative).where(Initiative.title == "Antrean online puskesmas"))
    assert response.headers["Location"].endswith(f"/initiatives/{created.id}")
    assert created.stage.code == "proposed"
    assert created.position == existing.position + 1
    assert created.owner_id == team.staff.id
    assert created.target_date == date(2027, 2, 1)
    assert created.created_by_id == team.staff.id
    assert [a.verb for a in trail(created.id)] == ["created"]
    page = client.get(f"/initiatives/{created.id}").get_data(as_text=True)
    assert "Warga tidak perlu antre sejak subuh." in page


@pytest.mark.parametrize(
    "overrides, field, status",
    [
        ({"title": ""}, "title", 422),
        ({"title": "x" * 201}, "title", 422),
        ({"benefit": ""}, "benefit", 422),
        ({"target_date": "31-31-2027"}, "target_date", 422),
        ({"dimension": "999"}, "dimension", 422),
        ({"unit": "abc"}, "unit", 422),
        ({"owner": "424242"}, "owner", 422),
    ],
)
def test_bad_input_gets_a_message_next_to_the_field(team, auth, client, dimensions, overrides,
                                                   field, status):
    auth.login(team.staff)
    response = client.post("/initiatives/new", data=form_data(team, dimensions, **overrides))
    assert response.status_code == status
    html = response.get_data(as_text=True)
    assert f'id="{field}-error"' in html
    assert f'aria-describedby="{field}-error"' in html or f'{field}-error' in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Initiative)) == 0


def test_owner_from_another_unit_is_refused(team, auth, client, dimensions, make_user, make_unit):
    stranger = make_user("staff", make_unit("DLH"))
    auth.login(team.staff)
    response = client.post("/initiatives/new",
                           data=form_data(team, dimensions, owner=str(stranger.id)))
    assert response.status_code == 422
    assert 'id="owner-error"' in response.get_data(as_text=True)


def test_staff_cannot_create_for_another_unit(team, auth, client, dimensions, make_unit):
    other = make_unit("DLH")
    auth.login(team.staff)
    response = client.post("/initiatives/new",
                           data=form_data(team, dimensions, unit=str(other.id), owner="0"))
    assert response.status_code == 422  # not even a choice offered to them
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Initiative)) == 0


def test_edit_records_each_changed_field_old_and_new(team, auth, client, dimensions,
                                                     make_initiative):
    initiative = make_initiative(team.unit, stage="approved", dimension="living",
                                 title="Lama", owner=team.staff)
    auth.login(team.manager)
    page = client.get(f"/initiatives/{initiative.id}/edit")
    assert page.status_code == 200 and b'value="Lama"' in page.data
    response = client.post(
        f"/initiatives/{initiative.id}/edit",
        data=form_data(team, dimensions, title="Baru", owner=str(team.manager.id),
                       benefit=initiative.benefit, description="", dimension=str(dimensions["living"].id),
                       target_date="2027-03-01", version="1"),
    )
    assert response.status_code == 303
    db.session.expire_all()
    saved = db.session.get(Initiative, initiative.id)
    assert saved.title == "Baru" and saved.owner_id == team.manager.id
    assert saved.version == 2
    entries = trail(initiative.id)
    assert [e.verb for e in entries] == ["updated"]
    assert entries[0].data["changes"]["title"] == ["Lama", "Baru"]
    assert entries[0].data["changes"]["owner"] == ["Staf Dinkes", "Kepala Dinkes"]
    assert set(entries[0].data["changes"]) == {"title", "owner"}
    page = client.get(f"/initiatives/{initiative.id}").get_data(as_text=True)
    assert "Lama → Baru" in page


def test_edit_to_another_dimension_moves_the_card_to_that_lane(team, auth, client, dimensions,
                                                               make_initiative):
    a = make_initiative(team.unit, stage="approved", dimension="living")
    b = make_initiative(team.unit, stage="approved", dimension="living")
    c = make_initiative(team.unit, stage="approved", dimension="society")
    auth.login(team.staff)
    response = client.post(f"/initiatives/{a.id}/edit", data=form_data(
        team, dimensions, title=a.title, benefit=a.benefit, description="", owner="0",
        dimension=str(dimensions["society"].id), target_date="2027-03-01", version="1"))
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Initiative, a.id).dimension.code == "society"
    assert db.session.get(Initiative, a.id).position == 1  # after c
    assert db.session.get(Initiative, b.id).position == 0  # the gap in living is closed
    assert db.session.get(Initiative, c.id).position == 0


def test_stale_edit_is_refused_and_shows_the_current_version(team, auth, client, dimensions,
                                                             make_initiative):
    initiative = make_initiative(team.unit, stage="approved", title="Versi satu")
    auth.login(team.staff)
    # someone else saved meanwhile (version 1 -> 2)
    initiative.title = "Versi dua"
    db.session.commit()
    response = client.post(f"/initiatives/{initiative.id}/edit",
                           data=form_data(team, dimensions, title="Versi saya", version="1"))
    assert response.status_code == 409
    assert b"form-errors" in response.data
    db.session.expire_all()
    assert db.session.get(Initiative, initiative.id).title == "Versi dua"
    assert trail(initiative.id) == []


def test_saving_without_changes_records_nothing(team, auth, client, dimensions, make_initiative):
    i = make_initiative(team.unit, stage="approved", dimension="living", owner=team.staff,
                        title="Sama", benefit="Sama saja.", description="")
    auth.login(team.staff)
    response = client.post(f"/initiatives/{i.id}/edit", data=form_data(
        team, dimensions, title="Sama", benefit="Sama saja.", description="",
        target_date="2027-03-01", version="1"))
    assert response.status_code == 303
    assert trail(i.id) == []


def test_archive_and_unarchive(team, auth, client, make_initiative):
    a = make_initiative(team.unit, stage="pilot", title="Bank sampah digital")
    b = make_initiative(team.unit, stage="pilot")
    auth.login(team.staff)
    assert client.post(f"/initiatives/{a.id}/archive").status_code == 303
    db.session.expire_all()
    assert db.session.get(Initiative, a.id).archived
    assert db.session.get(Initiative, b.id).position == 0
    assert f'id="card-{a.id}"' not in client.get("/board/").get_data(as_text=True)
    archive = client.get("/initiatives/archived?q=sampah").get_data(as_text=True)
    assert "Bank sampah digital" in archive
    assert "Bank sampah digital" not in client.get("/initiatives/archived?q=zzz").get_data(as_text=True)
    assert client.post(f"/initiatives/{a.id}/archive").status_code == 303  # flash: already archived
    assert client.post(f"/initiatives/{a.id}/unarchive").status_code == 303
    db.session.expire_all()
    restored = db.session.get(Initiative, a.id)
    assert not restored.archived and restored.position == 1
    assert [e.verb for e in trail(a.id)] == ["archived", "unarchived"]


def test_archive_search_htmx_returns_results_fragment(team, auth, client, hx, make_initiative):
    make_initiative(team.unit, archived=True, title="Arsip satu")
    auth.login(team.staff)
    fragment = client.get("/initiatives/archived?q=arsip", headers=hx).get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="archive-results"') and "Arsip satu" in fragment
    assert client.get("/initiatives/archived?page=abc").status_code == 200


def test_unknown_initiative_is_404(team, auth, client):
    auth.login(team.staff)
    assert client.get("/initiatives/999999").status_code == 404


def test_text_fields_are_escaped(team, auth, client, dimensions):
    auth.login(team.staff)
    payload = '<script>alert("x")</script>'
    client.post("/initiatives/new", data=form_data(team, dimensions, title=payload, benefit=payload))
    created = db.session.scalar(sa.select(Initiative))
    for url in (f"/initiatives/{created.id}", "/board/"):
        html = client.get(url).get_data(as_text=True)
        assert payload not in html
        assert "&lt;script&gt;" in html


def test_status_and_trail_fragments_refresh_after_in_place_changes(team, auth, client, hx,
                                                                   make_initiative):
    initiative = make_initiative(team.unit, stage="approved")
    auth.login(team.staff)
    page = client.get(f"/initiatives/{initiative.id}").get_data(as_text=True)
    assert 'data-hx-trigger="initiative-changed from:body"' in page
    status = client.get(f"/initiatives/{initiative.id}?part=status", headers=hx).get_data(as_text=True)
    assert status.lstrip().startswith('<p class="status-line') and "<html" not in status
    trail = client.get(f"/initiatives/{initiative.id}?part=trail", headers=hx).get_data(as_text=True)
    assert trail.lstrip().startswith('<section class="trail"')
    assert client.get(f"/initiatives/{initiative.id}?part=nope").status_code == 400


def test_archive_page_beyond_any_offset_is_empty_not_a_500(team, auth, client):
    """Regression (tests/web/test_fuzz.py): a huge ``page`` became an OFFSET no database can hold."""
    auth.login(team.staff)
    assert client.get("/initiatives/archived?page=" + "9" * 40).status_code == 200
