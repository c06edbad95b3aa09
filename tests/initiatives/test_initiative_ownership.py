"""Issue #10, approval and ownership: who may approve a proposal, and who may change who owns an
initiative (its unit, owner, team and archive state) as opposed to its content."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from quickwin_tracker.extensions import db
from quickwin_tracker.models import Activity, Indicator, Initiative
from tests.html_forms import forms_in


@pytest.fixture
def cross_unit_team(make_unit, make_user, make_initiative):
    owning, other = make_unit("DISDUKCAPIL"), make_unit("DISKOMINFO")
    people = {
        "staff": make_user("staff", owning, name="Staf Dukcapil"),
        "manager": make_user("manager", owning, name="Kepala Dukcapil"),
        "team_member": make_user("staff", other, name="Staf Kominfo"),
        "team_manager": make_user("manager", other, name="Kepala Kominfo"),
        "admin": make_user("admin"),
    }
    initiative = make_initiative(owning, stage="proposed", owner=people["staff"])
    initiative.members = [people["team_member"], people["team_manager"]]
    # What the approval gate asks for, so that only the permission decides.
    db.session.add(Indicator(initiative=initiative, name="Waktu tunggu", baseline=60, target=15,
                             direction="lower"))
    db.session.commit()
    return {"initiative": initiative, "owning": owning, "other": other, **people}


def edit_form(client, initiative):
    url = f"/initiatives/{initiative.id}/edit"
    return next(f for f in forms_in(client.get(url).get_data(as_text=True), url) if f.action == url)


def fields_of(submission):
    data: dict[str, list[str]] = {}
    for name, value in submission.fields:
        data.setdefault(name, []).append(value)
    return data


def test_a_team_member_from_another_unit_edits_the_content_only(client, auth, cross_unit_team):
    initiative = cross_unit_team["initiative"]
    auth.login(cross_unit_team["team_member"])
    form = edit_form(client, initiative)
    names = {name for name, _ in form.entries()[0]}
    assert {"title", "benefit", "description", "dimension", "target_date"} <= names
    assert not names & {"unit", "owner", "members"}
    page = client.get(f"/initiatives/{initiative.id}/edit").get_data(as_text=True)
    assert "Staf Dukcapil" in page  # the owner, shown as text

    data = fields_of(form.submission())
    data["title"] = ["Judul dari tim"]
    assert client.post(f"/initiatives/{initiative.id}/edit", data=data).status_code == 303
    db.session.expire_all()
    stored = db.session.get(Initiative, initiative.id)
    assert stored.title == "Judul dari tim"
    assert stored.unit_id == cross_unit_team["owning"].id and stored.owner_id == cross_unit_team["staff"].id
    assert {m.id for m in stored.members} == {cross_unit_team["team_member"].id,
                                              cross_unit_team["team_manager"].id}


@pytest.mark.parametrize("field", ["unit", "owner", "members"])
def test_a_team_member_cannot_change_who_owns_it_even_by_a_crafted_post(client, auth, cross_unit_team, field):
    initiative = cross_unit_team["initiative"]
    auth.login(cross_unit_team["team_member"])
    data = fields_of(edit_form(client, initiative).submission())
    data[field] = [str({"unit": cross_unit_team["other"].id, "owner": cross_unit_team["team_member"].id,
                        "members": cross_unit_team["team_member"].id}[field])]
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Activity))
    response = client.post(f"/initiatives/{initiative.id}/edit", data=data)
    db.session.expire_all()
    stored = db.session.get(Initiative, initiative.id)
    # The form carries no such field for them: the value is ignored, nothing about ownership moves.
    assert response.status_code in (303, 403)
    assert stored.unit_id == cross_unit_team["owning"].id and stored.owner_id == cross_unit_team["staff"].id
    assert {m.id for m in stored.members} == {cross_unit_team["team_member"].id,
                                              cross_unit_team["team_manager"].id}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Activity)) == before


def test_the_service_refuses_ownership_changes_from_a_team_member(app, cross_unit_team):
    from quickwin_tracker.domain.errors import Forbidden
    from quickwin_tracker.initiatives.services import InitiativeData, update_initiative

    initiative = cross_unit_team["initiative"]
    data = InitiativeData(title=initiative.title, benefit=initiative.benefit,
                          description=initiative.description, dimension=initiative.dimension,
                          unit=initiative.unit, owner=cross_unit_team["team_member"],
                          target_date=initiative.target_date, members=list(initiative.members))
    with pytest.raises(Forbidden) as refused:
        update_initiative(cross_unit_team["team_member"], initiative, data, initiative.version)
    assert refused.value.field == "owner"
    db.session.rollback()


@pytest.mark.parametrize("person, allowed", [("team_member", False), ("team_manager", False),
                                             ("staff", True), ("manager", True), ("admin", True)])
def test_only_the_owning_unit_archives(client, auth, cross_unit_team, person, allowed):
    initiative = cross_unit_team["initiative"]
    auth.login(cross_unit_team[person])
    page = client.get(f"/initiatives/{initiative.id}").get_data(as_text=True)
    assert (f"/initiatives/{initiative.id}/archive" in page) == allowed
    response = client.post(f"/initiatives/{initiative.id}/archive")
    assert response.status_code == (303 if allowed else 403)
    db.session.expire_all()
    assert db.session.get(Initiative, initiative.id).archived == allowed


@pytest.mark.parametrize("person, allowed", [("team_manager", False), ("team_member", False),
                                             ("staff", False), ("manager", True), ("admin", True)])
def test_only_the_owning_units_manager_approves(client, auth, cross_unit_team, person, allowed, hx):
    """Leaving the first stage is the approval: a manager of another unit on the team may not."""
    initiative = cross_unit_team["initiative"]
    auth.login(cross_unit_team[person])
    dialog = client.get(f"/board/cards/{initiative.id}/move", headers=hx).get_data(as_text=True)
    assert ('value="approved"' in dialog) == allowed  # only stages the move may reach
    response = client.post(f"/board/cards/{initiative.id}/move", headers=hx, data={
        "stage": "approved", "after": "top", "version": initiative.version})
    assert response.status_code == (200 if allowed else 403)
    if not allowed:
        assert "move-message refused" in response.get_data(as_text=True)
    db.session.expire_all()
    assert (db.session.get(Initiative, initiative.id).stage.code == "approved") == allowed


def test_the_move_dialog_sent_unchanged_moves_nothing(client, auth, cross_unit_team, make_initiative, hx):
    initiative = cross_unit_team["initiative"]
    below = make_initiative(cross_unit_team["owning"], stage="proposed", dimension=initiative.dimension.code)
    auth.login(cross_unit_team["manager"])
    url = f"/board/cards/{initiative.id}/move"
    form = next(f for f in forms_in(client.get(url).get_data(as_text=True), url) if f.method == "post")
    response = client.post(form.action, data=fields_of(form.submission()))
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Initiative, initiative.id).position == 0
    assert db.session.get(Initiative, below.id).position == 1
    assert not db.session.scalars(sa.select(Activity).where(Activity.verb.in_(("moved", "reordered")))).all()


def test_an_inactive_owner_and_team_member_stay_until_someone_changes_them(client, auth, cross_unit_team,
                                                                          make_user):
    initiative = cross_unit_team["initiative"]
    cross_unit_team["staff"].active = False
    cross_unit_team["team_member"].active = False
    db.session.commit()
    auth.login(cross_unit_team["manager"])
    form = edit_form(client, initiative)
    data = fields_of(form.submission())
    assert data["owner"] == [str(cross_unit_team["staff"].id)]
    data["title"] = ["Judul baru"]
    assert client.post(f"/initiatives/{initiative.id}/edit", data=data).status_code == 303
    db.session.expire_all()
    stored = db.session.get(Initiative, initiative.id)
    assert stored.title == "Judul baru" and stored.owner_id == cross_unit_team["staff"].id
    assert cross_unit_team["team_member"].id in {m.id for m in stored.members}

    # Adding another inactive account to the team is refused (the form does not offer it; the
    # service refuses it too).
    newcomer = make_user("staff", cross_unit_team["owning"], active=False)
    data = fields_of(edit_form(client, initiative).submission())
    data["members"] = [*data.get("members", []), str(newcomer.id)]
    assert client.post(f"/initiatives/{initiative.id}/edit", data=data).status_code == 422
    db.session.expire_all()
    stored = db.session.get(Initiative, initiative.id)
    assert newcomer.id not in {m.id for m in stored.members}

    from quickwin_tracker.domain.errors import Invalid
    from quickwin_tracker.initiatives.services import InitiativeData, update_initiative

    data = InitiativeData(title=stored.title, benefit=stored.benefit,
                          description=stored.description, dimension=stored.dimension,
                          unit=stored.unit, owner=stored.owner, target_date=stored.target_date,
                          members=[*stored.members, newcomer])
    with pytest.raises(Invalid) as refused:
        update_initiative(cross_unit_team["manager"], stored, data, stored.version)
    assert refused.value.field == "members" and newcomer.name in refused.value.message
    db.session.rollback()
