"""Stage gates (unit and through the move endpoint), team members, plan tags."""

import re
from datetime import date

import pytest
import sqlalchemy as sa

from quickwin_tracker.board.moves import MoveRefused, move_initiative
from quickwin_tracker.extensions import db
from quickwin_tracker.lifecycle.gates import CHECKS, missing
from quickwin_tracker.models import (
    Activity,
    Indicator,
    Initiative,
    Measurement,
    Milestone,
    Stage,
    Tag,
)


def codes(items):
    return [m.check for m in items]


# --------------------------------------------------------------------------- gates


def test_default_gates_come_from_the_migration(stages):
    assert stages["approved"].gates == ["has_owner", "has_target_date", "has_measurable_indicator"]
    assert stages["rolled_out"].gates == ["all_milestones_done", "has_measurement"]
    assert stages["in_progress"].gates == []
    assert all(code in CHECKS for s in stages.values() for code in s.gates)


def test_approved_gate_lists_what_is_missing(team, stages, make_initiative):
    i = make_initiative(team.unit, stage="proposed", owner=None, target_date=None)
    assert codes(missing(i, stages["approved"])) == [
        "has_owner", "has_target_date", "has_measurable_indicator"]
    i.owner, i.target_date = team.staff, date(2027, 1, 1)
    db.session.add(Indicator(initiative=i, name="Antrean", baseline=None, target=10,
                             direction="lower"))
    db.session.commit()
    assert codes(missing(i, stages["approved"])) == ["has_measurable_indicator"]
    i.indicators[0].baseline = 60
    db.session.commit()
    assert missing(i, stages["approved"]) == []


def test_rolled_out_gate_needs_milestones_done_and_a_measurement(team, stages, make_initiative):
    i = make_initiative(team.unit, stage="pilot")
    milestone = Milestone(initiative=i, title="Uji coba", due_date=date(2026, 11, 1))
    indicator = Indicator(initiative=i, name="Waktu", baseline=60, target=10, direction="lower")
    db.session.add_all([milestone, indicator])
    db.session.commit()
    assert codes(missing(i, stages["rolled_out"])) == ["all_milestones_done", "has_measurement"]
    milestone.done_on = date(2026, 11, 2)
    db.session.add(Measurement(indicator=indicator, value=30, measured_on=date(2026, 11, 3),
                               status="returned"))
    db.session.commit()
    assert codes(missing(i, stages["rolled_out"])) == ["has_measurement"]  # returned ones don't count
    db.session.add(Measurement(indicator=indicator, value=25, measured_on=date(2026, 11, 4)))
    db.session.commit()
    assert missing(i, stages["rolled_out"]) == []


def test_gate_refusal_changes_nothing(team, stages, make_initiative):
    i = make_initiative(team.unit, stage="proposed", owner=None)
    with pytest.raises(MoveRefused) as refused:
        move_initiative(team.manager, i, stages["approved"], None, 1)
    db.session.rollback()
    assert refused.value.status == 422
    assert codes(refused.value.missing) == ["has_owner", "has_measurable_indicator"]
    assert db.session.get(Initiative, i.id).stage.code == "proposed"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Activity)) == 0


def test_gate_refusal_on_the_board_says_what_is_missing_with_links(team, auth, client, hx,
                                                                  make_initiative):
    i = make_initiative(team.unit, stage="proposed", owner=None)
    auth.login(team.manager)
    response = client.post(f"/board/cards/{i.id}/move",
                           data={"stage": "approved", "after": "top", "version": "1"}, headers=hx)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'class="move-message refused"' in html
    assert f'href="/initiatives/{i.id}#details"' in html
    assert f'href="/initiatives/{i.id}#outcomes"' in html
    # the card is back in the proposed cell, out of band
    assert f'id="card-{i.id}"' in html.split('id="cell-governance-proposed"')[1].split("</ol>")[0]
    # without JavaScript: the move page shows the same list
    page = client.post(f"/board/cards/{i.id}/move",
                       data={"stage": "approved", "after": "top", "version": "1"})
    assert page.status_code == 422 and '#outcomes' in page.get_data(as_text=True)


def test_admin_configures_gates_and_expected_days(make_user, auth, client, stages):
    auth.login(make_user("admin"))
    stage = stages["in_progress"]
    page = client.get(f"/admin/stages/{stage.id}").get_data(as_text=True)
    assert 'value="has_milestone"' in page and 'type="checkbox"' in page
    response = client.post(f"/admin/stages/{stage.id}", data={
        "name_id": stage.name_id, "name_en": stage.name_en, "expected_days": "45",
        "gates": ["has_milestone", "has_owner"]})
    assert response.status_code == 303
    stage = db.session.get(Stage, stage.id)
    assert stage.gates == ["has_owner", "has_milestone"] and stage.expected_days == 45
    bad = client.post(f"/admin/stages/{stage.id}", data={
        "name_id": "x", "name_en": "x", "gates": ["no_such_check"]})
    assert bad.status_code == 422
    assert db.session.get(Stage, stage.id).gates == ["has_owner", "has_milestone"]
    listing = client.get("/admin/stages").get_data(as_text=True)
    assert "45" in listing


# --------------------------------------------------------------------------- team and tags


def _edit(client, initiative, dimensions, **fields):
    data = {"title": initiative.title, "benefit": initiative.benefit, "description": "",
            "dimension": str(initiative.dimension_id), "unit": str(initiative.unit_id),
            "owner": "0", "target_date": "2027-03-01", "version": str(initiative.version)}
    data.update(fields)
    return client.post(f"/initiatives/{initiative.id}/edit", data=data)


def test_team_members_from_other_units_may_edit_and_move(team, auth, client, dimensions,
                                                        make_initiative, make_user, make_unit):
    helper = make_user("staff", make_unit("BAPPEDA"), name="Analis Bappeda")
    i = make_initiative(team.unit, stage="approved")
    auth.login(team.staff)
    assert _edit(client, i, dimensions, members=[str(helper.id)]).status_code == 303
    i = db.session.get(Initiative, i.id)
    assert [m.name for m in i.members] == ["Analis Bappeda"]
    entry = db.session.scalars(sa.select(Activity).where(Activity.initiative_id == i.id)).one()
    assert entry.data["changes"]["members"] == ["", "Analis Bappeda"]
    auth.logout()
    auth.login(helper)
    board = client.get("/board/?unit=all").get_data(as_text=True)  # another unit's card
    assert re.search(rf'<li class="card [^"]*\bmovable\b[^"]*" id="card-{i.id}"', board)
    moved = client.post(f"/board/cards/{i.id}/move",
                        data={"stage": "in_progress", "after": "top", "version": str(i.version)},
                        headers={"HX-Request": "true"})
    assert moved.status_code == 200
    detail = client.get(f"/initiatives/{i.id}").get_data(as_text=True)
    assert "Analis Bappeda" in detail and f"/initiatives/{i.id}/edit" in detail


def test_inactive_user_cannot_join_a_team(team, auth, client, dimensions, make_initiative,
                                          make_user):
    gone = make_user("staff", team.unit, active=False)
    i = make_initiative(team.unit, stage="approved")
    auth.login(team.staff)
    response = _edit(client, i, dimensions, members=[str(gone.id)])
    assert response.status_code == 422  # not even offered as a choice
    assert db.session.get(Initiative, i.id).members == []


def test_tags_are_set_on_the_form_and_managed_by_admins(team, auth, client, dimensions,
                                                        make_initiative, make_user):
    admin = make_user("admin")
    auth.login(admin)
    assert client.post("/admin/tags/new", data={"kind": "sdg", "code": "11.2",
                                                "name": "Transportasi publik"}).status_code == 303
    assert client.post("/admin/tags/new", data={"kind": "sdg", "code": "11.2",
                                                "name": "dup"}).status_code == 422
    tag = db.session.scalar(sa.select(Tag))
    i = make_initiative(team.unit, stage="approved", title="Bus sekolah")
    assert _edit(client, i, dimensions, tags=[str(tag.id)]).status_code == 303
    assert [t.label for t in db.session.get(Initiative, i.id).tags] == ["SDG 11.2"]
    detail = client.get(f"/initiatives/{i.id}").get_data(as_text=True)
    assert "SDG 11.2" in detail
    refused = client.post(f"/admin/tags/{tag.id}/delete")
    assert refused.status_code == 303 and db.session.get(Tag, tag.id) is not None
    for role in ("staff", "manager", "reviewer"):
        auth.logout()
        auth.login(make_user(role))
        assert client.get("/admin/tags").status_code == 403


def test_board_filters_by_plan_tag(team, auth, client, make_initiative):
    sdg = Tag(kind="sdg", code="11.2", name="Transportasi publik")
    rpjmd = Tag(kind="rpjmd", code="P3", name="Program pelayanan publik")
    db.session.add_all([sdg, rpjmd])
    tagged = make_initiative(team.unit, stage="approved", title="Bus sekolah", tags=[sdg])
    other = make_initiative(team.unit, stage="approved", title="Lain", tags=[rpjmd])
    untagged = make_initiative(team.unit, stage="approved", title="Tanpa tag")
    auth.login(team.staff)
    page = client.get("/board/")
    html = page.get_data(as_text=True)
    assert 'id="filter-tag"' in html and 'value="sdg:11.2"' in html
    filtered = client.get("/board/?tag=sdg:11.2").get_data(as_text=True)
    assert f'id="card-{tagged.id}"' in filtered
    assert f'id="card-{other.id}"' not in filtered and f'id="card-{untagged.id}"' not in filtered
    assert "tag=sdg%3A11.2" in filtered or "tag=sdg:11.2" in filtered  # kept in the links
    assert client.get("/board/?tag=nonsense").status_code == 400
    assert client.get("/board/?tag=sdg:99.9").status_code == 200  # a valid filter, no match
