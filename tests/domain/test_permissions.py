"""Every permission rule, one by one: the predicate, the endpoint (403 with a reason) and the page
(the control is absent when it would be refused)."""

import re

import pytest
from sqlalchemy import select

from quickwin_tracker.domain.permissions import (
    can_administer,
    can_create_in,
    can_edit,
    can_move,
    can_view,
)
from quickwin_tracker.extensions import db
from quickwin_tracker.lifecycle.stages import first_stage
from quickwin_tracker.models import Initiative


@pytest.fixture
def two_units(make_unit, make_user, make_initiative):
    home, other = make_unit("HOME"), make_unit("OTHER")
    return {
        "home": home,
        "other": other,
        "staff": make_user("staff", home),
        "manager": make_user("manager", home),
        "other_staff": make_user("staff", other),
        "other_manager": make_user("manager", other),
        "reviewer": make_user("reviewer"),
        "admin": make_user("admin"),
        "proposed": make_initiative(home, stage="proposed"),
        "approved": make_initiative(home, stage="approved"),
    }


def test_everyone_signed_in_may_view(two_units):
    for role in ("staff", "manager", "other_staff", "reviewer", "admin"):
        assert can_view(two_units[role])
    assert not can_view(None)


@pytest.mark.parametrize(
    "role, unit, allowed",
    [
        ("staff", "home", True),
        ("staff", "other", False),
        ("manager", "home", True),
        ("manager", "other", False),
        ("reviewer", "home", False),
        ("admin", "other", True),
    ],
)
def test_create_only_in_own_unit(two_units, role, unit, allowed):
    decision = can_create_in(two_units[role], two_units[unit])
    assert bool(decision) is allowed
    if not allowed:
        assert decision.reason


@pytest.mark.parametrize(
    "role, allowed",
    [("staff", True), ("manager", True), ("other_staff", False), ("other_manager", False),
     ("reviewer", False), ("admin", True)],
)
def test_edit_only_own_unit(two_units, role, allowed):
    assert bool(can_edit(two_units[role], two_units["approved"])) is allowed


@pytest.mark.parametrize(
    "role, allowed",
    [("staff", False), ("manager", True), ("other_manager", False), ("reviewer", False),
     ("admin", True)],
)
def test_only_managers_and_admins_approve(two_units, stages, role, allowed):
    decision = can_move(two_units[role], two_units["proposed"], stages["approved"], first_stage())
    assert bool(decision) is allowed
    if role == "staff":
        assert "manager" in decision.reason or "kepala" in decision.reason.lower()


@pytest.mark.parametrize("role, allowed", [("staff", True), ("manager", True),
                                           ("other_staff", False), ("reviewer", False)])
def test_moves_after_approval(two_units, stages, role, allowed):
    decision = can_move(two_units[role], two_units["approved"], stages["in_progress"], first_stage())
    assert bool(decision) is allowed


def test_staff_may_reorder_inside_the_first_stage(two_units, stages):
    assert can_move(two_units["staff"], two_units["proposed"], stages["proposed"], first_stage())


def test_only_admins_administer(two_units):
    assert can_administer(two_units["admin"])
    for role in ("staff", "manager", "reviewer"):
        assert not can_administer(two_units[role])


def test_inactive_user_may_do_nothing(two_units):
    two_units["admin"].active = False
    assert not can_view(two_units["admin"])
    assert not can_administer(two_units["admin"])


# --------------------------------------------------------------------------- at the HTTP edge


def _move(client, initiative, stage, version=None):
    return client.post(
        f"/board/cards/{initiative.id}/move",
        data={"stage": stage, "after": "top", "version": version or initiative.version},
    )


@pytest.mark.parametrize("role", ["reviewer", "other_staff"])
def test_forbidden_edit_is_403_with_reason_and_no_control(two_units, auth, client, role):
    auth.login(two_units[role])
    initiative = two_units["approved"]
    page = client.get(f"/initiatives/{initiative.id}")
    assert page.status_code == 200
    assert f"/initiatives/{initiative.id}/edit".encode() not in page.data
    response = client.post(f"/initiatives/{initiative.id}/edit", data={"title": "x"})
    assert response.status_code == 403
    assert b"error-reason" in response.data
    assert client.get(f"/initiatives/{initiative.id}/edit").status_code == 403
    assert client.post(f"/initiatives/{initiative.id}/archive").status_code == 403
    db.session.expire_all()
    assert db.session.get(Initiative, initiative.id).archived is False


def test_reviewer_sees_the_board_without_move_controls(two_units, auth, client):
    auth.login(two_units["reviewer"])
    board = client.get("/board/")
    assert board.status_code == 200
    assert f'id="card-{two_units["approved"].id}"'.encode() in board.data
    assert b"move-link" not in board.data
    assert not re.search(rb'<li class="card [^"]*\bmovable\b', board.data)
    assert b"/initiatives/new" not in board.data
    assert client.get("/initiatives/new").status_code == 403
    assert _move(client, two_units["approved"], "in_progress").status_code == 403


def test_staff_cannot_approve_over_http(two_units, auth, client, hx):
    auth.login(two_units["staff"])
    response = client.post(
        f"/board/cards/{two_units['proposed'].id}/move",
        data={"stage": "approved", "after": "top", "version": two_units["proposed"].version},
        headers=hx,
    )
    assert response.status_code == 403
    assert b"refused" in response.data
    db.session.expire_all()
    assert db.session.get(Initiative, two_units["proposed"].id).stage.code == "proposed"


def test_manager_approves_over_http(two_units, auth, client, hx):
    # the Approved gate asks for an owner, a target date and a measurable indicator
    from quickwin_tracker.models import Indicator

    two_units["proposed"].owner = two_units["staff"]
    db.session.add(Indicator(initiative=two_units["proposed"], name="Waktu layanan", baseline=60,
                             target=15, direction="lower"))
    db.session.commit()
    auth.login(two_units["manager"])
    response = client.post(
        f"/board/cards/{two_units['proposed'].id}/move",
        data={"stage": "approved", "after": "top", "version": two_units["proposed"].version},
        headers=hx,
    )
    assert response.status_code == 200
    db.session.expire_all()
    assert db.session.scalar(
        select(Initiative).where(Initiative.id == two_units["proposed"].id)
    ).stage.code == "approved"


def test_other_units_cards_are_not_movable_on_the_board(two_units, auth, client, make_initiative):
    foreign = make_initiative(two_units["other"], stage="approved")
    auth.login(two_units["staff"])
    board = client.get("/board/?unit=all").get_data(as_text=True)  # the whole city, on purpose
    own = board.split(f'id="card-{two_units["approved"].id}"')[0].rsplit("<li", 1)[1]
    theirs = board.split(f'id="card-{foreign.id}"')[0].rsplit("<li", 1)[1]
    assert "movable" in own
    assert "movable" not in theirs
    assert client.get(f"/board/cards/{foreign.id}/move").status_code == 403
