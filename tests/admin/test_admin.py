"""Administration: people, units (OPD) and workflow stages. Admins only."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import url_for
from sqlalchemy import func, select

from quickwin_tracker.extensions import db
from quickwin_tracker.models import Stage, Unit, User
from tests.conftest import PASSWORD

NEW_PASSWORD = "first-password-1"
DEFAULT_ORDER = ["proposed", "approved", "in_progress", "pilot", "rolled_out"]


pytestmark = pytest.mark.usefixtures("cheap_hashing")  # passwords set here (new users, resets)


@pytest.fixture
def admin(make_user) -> User:
    return make_user("admin", name="Admin Kota", locale="en")


@pytest.fixture
def as_admin(client, auth, admin):
    """The ``client``, signed in as an (English-reading) administrator."""
    assert auth.login(admin).status_code == 303
    return client


def fresh(model, **where):
    db.session.expire_all()
    return db.session.scalar(select(model).filter_by(**where))


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def board_columns(client) -> list[str]:
    """The board's stage columns, left to right."""
    page = client.get("/board/")
    assert page.status_code == 200
    return re.findall(r'<h2 class="column-head[^"]*"[^>]*\sdata-stage="([a-z0-9_]+)"', page.text)


def column_head(client, code: str) -> str:
    """The text of one stage's column head on the board (name, count, WIP limit)."""
    page = client.get("/board/").text
    match = re.search(rf'<h2 class="column-head[^"]*"[^>]*\sdata-stage="{code}"[^>]*>(.*?)</h2>',
                      page, re.S)
    assert match, code
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def field_error(page: str, field: str) -> str:
    """The error text the form macro renders next to ``field``, or ''."""
    match = re.search(rf'<p class="error" id="{field}-error">(.*?)</p>', page, re.S)
    return match.group(1) if match else ""


def signs_in(app, email: str, password: str) -> bool:
    response = app.test_client().post("/auth/login", data={"email": email, "password": password})
    return response.status_code == 303


# --------------------------------------------------------------------------- access


def every_admin_endpoint(app) -> list[tuple[str, str]]:
    """(method, URL) for every route of the admin blueprint, present and future (ids: 1)."""
    with app.test_request_context():
        return [
            (method, url_for(rule.endpoint, **{arg: 1 for arg in rule.arguments}))
            for rule in app.url_map.iter_rules() if rule.endpoint.startswith("admin.")
            for method in sorted(rule.methods & {"GET", "POST"})
        ]


def admin_pages(user: User, unit: Unit, stage: Stage) -> list[str]:
    return [
        "/admin/users", "/admin/users/new", f"/admin/users/{user.id}",
        "/admin/units", "/admin/units/new", f"/admin/units/{unit.id}",
        "/admin/stages", "/admin/stages/new", f"/admin/stages/{stage.id}",
    ]


@pytest.mark.parametrize("role", ["staff", "manager", "reviewer"])
def test_administration_is_forbidden_to_other_roles(app, client, auth, make_user, make_unit,
                                                    stages, role):
    user = make_user(role, locale="en")
    unit = make_unit()
    auth.login(user)

    for path in admin_pages(user, unit, stages["pilot"]):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "Only administrators can do this." in response.text

    pilot = stages["pilot"].id
    posts = {
        "/admin/users/new": {"email": "x@example.go.id", "name": "X", "role": "admin",
                             "unit": "0", "locale": "id", "password": NEW_PASSWORD,
                             "active": "y"},
        f"/admin/users/{user.id}": {"email": user.email, "name": user.name, "role": "admin",
                                    "unit": "0", "locale": "en", "active": "y"},
        "/admin/units/new": {"code": "NEWU", "name": "New", "head": "0", "active": "y"},
        f"/admin/stages/{pilot}": {"name_id": "X", "name_en": "X"},
        f"/admin/stages/{pilot}/delete": {},
        f"/admin/stages/{pilot}/up": {},
    }
    for path, data in posts.items():
        assert client.post(path, data=data).status_code == 403, path
    endpoints = every_admin_endpoint(app)
    assert len(endpoints) >= 14
    for method, url in endpoints:
        assert client.open(url, method=method).status_code == 403, (method, url)
    assert fresh(User, id=user.id).role == role
    assert fresh(User, email="x@example.go.id") is None
    assert fresh(Unit, code="NEWU") is None
    assert fresh(Stage, code="pilot").name_en == "Pilot"

    # The other side: the way in is not shown either.
    board = client.get("/board/").text
    assert 'href="/admin/users"' not in board and ">Administration</a>" not in board
    assert board_columns(client) == DEFAULT_ORDER


def test_administration_is_open_to_admins(as_admin, admin, make_unit, stages):
    board = as_admin.get("/board/").text
    assert 'href="/admin/users"' in board and ">Administration</a>" in board

    unit = make_unit()
    for path in admin_pages(admin, unit, stages["pilot"]):
        response = as_admin.get(path)
        assert response.status_code == 200, path
        assert 'aria-label="Administration"' in response.text  # the admin sub-navigation

    for path in ("/admin/users/999999", "/admin/units/999999", "/admin/stages/999999"):
        assert as_admin.get(path).status_code == 404, path
    assert as_admin.post("/admin/stages/999999/up").status_code == 404


def test_administration_sends_anonymous_visitors_to_login(client, stages):
    response = client.get("/admin/users")
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/auth/login"
    assert parse_qs(urlsplit(response.location).query)["next"] == ["/admin/users"]
    assert client.post(f"/admin/stages/{stages['pilot'].id}/delete").status_code == 302
    assert fresh(Stage, code="pilot") is not None


# --------------------------------------------------------------------------- users


def user_form(**overrides) -> dict[str, str]:
    data = {"email": "Baru.Staf@Example.go.id", "name": "  Staf Baru ", "role": "staff",
            "unit": "0", "locale": "en", "password": NEW_PASSWORD, "active": "y"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_create_user(app, as_admin, make_unit):
    unit = make_unit(code="DLH", name="Dinas Lingkungan Hidup")

    response = as_admin.post("/admin/users/new", data=user_form(unit=str(unit.id)))

    assert (response.status_code, response.location) == (303, "/admin/users")
    user = fresh(User, email="baru.staf@example.go.id")
    assert (user.name, user.role, user.unit_id, user.locale, user.active) == \
        ("Staf Baru", "staff", unit.id, "en", True)
    listing = as_admin.get("/admin/users").text
    assert "User Staf Baru created." in listing
    assert "baru.staf@example.go.id" in listing and "DLH" in listing
    assert signs_in(app, "baru.staf@example.go.id", NEW_PASSWORD)

    # Reviewers and admins belong to no unit.
    for role in ["reviewer", "admin"]:
        email = f"new.{role}@example.go.id"
        response = as_admin.post("/admin/users/new", data=user_form(email=email, role=role))
        assert response.status_code == 303
        user = fresh(User, email=email)
        assert user.role == role and user.unit_id is None


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"email": "ADMIN.Lain@EXAMPLE.go.id"}, "email", "A user with this email already exists."),
        ({"unit": "0"}, "unit", "Staff and managers belong to a unit."),
        ({"password": ""}, "password", "A new user needs a first password."),
        ({"password": "short"}, "password", "Use at least 10 characters."),
        ({"email": "not-an-email"}, "email", "Invalid email address."),
        ({"role": "superuser"}, "role", "Not a valid choice."),
    ],
    ids=["duplicate-email", "staff-no-unit", "no-password", "short-password", "bad-email",
         "bad-role"],
)
def test_create_user_refused(as_admin, make_user, make_unit, overrides, field, message):
    make_user("admin", email="admin.lain@example.go.id")
    unit = make_unit()
    before = count(User)
    data = user_form(**{"unit": str(unit.id), **overrides})

    response = as_admin.post("/admin/users/new", data=data)

    assert response.status_code == 422
    assert message in field_error(response.text, field)
    assert count(User) == before


def test_edit_user(app, as_admin, make_user, make_unit):
    user = make_user("staff", name="Andi")
    other_unit = make_unit(code="DINKES")
    assert f'value="{user.email}"' in as_admin.get(f"/admin/users/{user.id}").text

    response = as_admin.post(f"/admin/users/{user.id}", data=user_form(
        email="andi.baru@example.go.id", name="Andi Pratama", role="manager",
        unit=str(other_unit.id), locale="id", password="",
    ))

    assert response.status_code == 303
    stored = fresh(User, id=user.id)
    assert (stored.email, stored.name, stored.role, stored.unit_id, stored.locale, stored.active) \
        == ("andi.baru@example.go.id", "Andi Pratama", "manager", other_unit.id, "id", True)
    assert stored.check_password(PASSWORD)  # an empty password field keeps the password

    # A new password replaces the old one.
    response = as_admin.post(f"/admin/users/{user.id}", data=user_form(
        email=stored.email, name=stored.name, role="manager", unit=str(other_unit.id),
        password="reset-by-admin-1"))
    assert response.status_code == 303
    assert not signs_in(app, stored.email, PASSWORD)
    assert signs_in(app, stored.email, "reset-by-admin-1")


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"email": "TAKEN@example.go.id"}, "email", "A user with this email already exists."),
        ({"unit": "0"}, "unit", "Staff and managers belong to a unit."),
    ],
    ids=["duplicate-email", "staff-no-unit"],
)
def test_edit_user_refused(as_admin, make_user, overrides, field, message):
    make_user("reviewer", email="taken@example.go.id")
    user = make_user("staff", name="Andi")
    data = user_form(email=user.email, name="Changed", unit=str(user.unit_id), password="")
    data.update(overrides)

    response = as_admin.post(f"/admin/users/{user.id}", data=data)

    assert response.status_code == 422
    assert message in field_error(response.text, field)
    stored = fresh(User, id=user.id)
    assert (stored.name, stored.email) == ("Andi", user.email)


def test_deactivated_user_cannot_sign_in_and_is_signed_out(app, as_admin, make_user, hx):
    user = make_user("staff", name="Andi")
    theirs = app.test_client()
    assert theirs.post("/auth/login", data={"email": user.email, "password": PASSWORD,
                                            "remember": "y"}).status_code == 303
    assert theirs.get("/board/").status_code == 200
    remember = theirs.get_cookie("remember_token").value

    response = as_admin.post(f"/admin/users/{user.id}", data=user_form(
        email=user.email, name="Andi", unit=str(user.unit_id), password="", active=None))

    assert response.status_code == 303
    assert fresh(User, id=user.id).active is False
    assert "deactivated" in as_admin.get("/admin/users").text
    # Already signed in: signed out on the very next request (page and htmx alike).
    response = theirs.get("/board/")
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/auth/login"
    assert urlsplit(theirs.get("/board/", headers=hx).headers["HX-Redirect"]).path == "/auth/login"
    # Nor does the remember cookie bring them back, and they cannot sign in again.
    cookie_only = app.test_client()
    cookie_only.set_cookie("remember_token", remember)
    assert cookie_only.get("/board/").status_code == 302
    assert not signs_in(app, user.email, PASSWORD)


# --------------------------------------------------------------------------- the last admin

LAST_ADMIN = "This is the last active administrator"


def admin_form(admin: User, **overrides) -> dict[str, str]:
    values = {"email": admin.email, "name": admin.name, "role": "admin", "unit": "0",
              "password": ""}
    values.update(overrides)
    return user_form(**values)


@pytest.mark.parametrize(("overrides", "field"), [
    ({"active": None}, "active"),
    ({"role": "reviewer"}, "role"),
    ({"role": "reviewer", "active": None}, "active"),
], ids=["deactivate", "demote", "both"])
def test_the_last_active_admin_stays(as_admin, admin, make_user, overrides, field):
    make_user("admin", active=False)  # an inactive admin does not count
    response = as_admin.post(f"/admin/users/{admin.id}", data=admin_form(admin, **overrides))

    assert response.status_code == 422
    assert LAST_ADMIN in field_error(response.text, field)
    stored = fresh(User, id=admin.id)
    assert (stored.role, stored.active) == ("admin", True)
    assert as_admin.get("/admin/users").status_code == 200  # still signed in, still an admin


@pytest.mark.parametrize("overrides", [{"active": None}, {"role": "reviewer"}],
                         ids=["deactivate", "demote"])
def test_an_admin_can_be_deactivated_or_demoted_while_another_remains(as_admin, admin, make_user,
                                                                      overrides):
    other = make_user("admin", name="Admin Dua")
    response = as_admin.post(f"/admin/users/{other.id}", data=admin_form(other, **overrides))
    assert response.status_code == 303
    stored = fresh(User, id=other.id)
    assert (stored.role, stored.active) != ("admin", True)
    # Now the remaining one is the last.
    response = as_admin.post(f"/admin/users/{admin.id}", data=admin_form(admin, **overrides))
    assert response.status_code == 422 and LAST_ADMIN in response.text


def test_an_admin_may_step_down_when_another_remains(app, as_admin, admin, make_user):
    make_user("admin")
    response = as_admin.post(f"/admin/users/{admin.id}", data=admin_form(admin, role="reviewer"))
    assert response.status_code == 303
    assert fresh(User, id=admin.id).role == "reviewer"
    assert as_admin.get("/admin/users").status_code == 403


@pytest.mark.parametrize("args", [["--deactivate"], ["--role", "reviewer"]],
                         ids=["deactivate", "demote"])
def test_the_cli_keeps_the_last_active_admin(app, admin, make_user, args):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["edit-user", admin.email, *args])
    assert result.exit_code == 1
    assert LAST_ADMIN in result.output
    stored = fresh(User, id=admin.id)
    assert (stored.role, stored.active) == ("admin", True)

    second = make_user("admin")
    result = runner.invoke(args=["edit-user", admin.email, *args])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["edit-user", second.email, *args])
    assert result.exit_code == 1 and LAST_ADMIN in result.output


def test_sign_out_everywhere_is_on_the_users_page(as_admin, make_user):
    user = make_user("staff")
    page = as_admin.get(f"/admin/users/{user.id}").text
    assert f'action="/admin/users/{user.id}/sign-out"' in page and "Sign out everywhere" in page
    assert "/sign-out" not in as_admin.get("/admin/users/new").text
    assert as_admin.post("/admin/users/999999/sign-out").status_code == 404


# --------------------------------------------------------------------------- units


def unit_form(**overrides) -> dict[str, str]:
    data = {"code": "dpkp", "name": " Dinas Perumahan ", "head": "0", "active": "y"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_create_unit(as_admin):
    response = as_admin.post("/admin/units/new", data=unit_form())

    assert (response.status_code, response.location) == (303, "/admin/units")
    unit = fresh(Unit, code="DPKP")
    assert (unit.name, unit.active, unit.head_id) == ("Dinas Perumahan", True, None)
    listing = as_admin.get("/admin/units").text
    assert "Unit DPKP created." in listing and "Dinas Perumahan" in listing


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"code": "opd1"}, "code", "A unit with this code already exists."),
        ({"code": "bad code!"}, "code", "Letters, digits, - and _ only."),
        ({"name": ""}, "name", "This field is required."),
    ],
    ids=["duplicate-code", "bad-code", "no-name"],
)
def test_create_unit_refused(as_admin, make_unit, overrides, field, message):
    make_unit(code="OPD1")
    before = count(Unit)

    response = as_admin.post("/admin/units/new", data=unit_form(**overrides))

    assert response.status_code == 422
    assert message in field_error(response.text, field)
    assert count(Unit) == before


def test_edit_unit(as_admin, make_user, make_unit):
    unit = make_unit(code="DLH", name="Dinas LH")
    head = make_user("manager", unit=unit, name="Ratna")

    response = as_admin.post(f"/admin/units/{unit.id}", data=unit_form(
        code="DLH", name="Dinas Lingkungan Hidup", head=str(head.id), active=None))

    assert response.status_code == 303
    stored = fresh(Unit, id=unit.id)
    assert (stored.name, stored.head_id, stored.active) == \
        ("Dinas Lingkungan Hidup", head.id, False)
    listing = as_admin.get("/admin/units").text
    assert "Ratna" in listing and "deactivated" in listing

    # Another unit's code is taken (whatever its case).
    other = make_unit(code="DINKES", name="Dinas Kesehatan")
    response = as_admin.post(f"/admin/units/{other.id}", data=unit_form(code="dlh", name="X"))
    assert response.status_code == 422
    assert "A unit with this code already exists." in field_error(response.text, "code")
    stored = fresh(Unit, id=other.id)
    assert (stored.code, stored.name) == ("DINKES", "Dinas Kesehatan")


# --------------------------------------------------------------------------- stages


def stage_action(client, stage: Stage, action: str, **kw):
    return client.post(f"/admin/stages/{stage.id}/{action}", **kw)


def test_rename_stage_shows_on_the_board(as_admin, stages):
    pilot = stages["pilot"]

    response = as_admin.post(f"/admin/stages/{pilot.id}", data={
        "code": "ignored", "name_id": " Uji lapangan ", "name_en": "Field trial", "wip_limit": ""})

    assert response.status_code == 303
    stored = fresh(Stage, id=pilot.id)
    assert (stored.code, stored.name_id, stored.name_en, stored.wip_limit) == \
        ("pilot", "Uji lapangan", "Field trial", None)  # the code is permanent
    assert column_head(as_admin, "pilot").startswith("Field trial ")  # the admin reads English
    as_admin.post("/auth/account/language", data={"lang-locale": "id"})
    assert column_head(as_admin, "pilot").startswith("Uji lapangan ")


def test_set_and_clear_wip_limit(as_admin, stages):
    stage = stages["in_progress"]
    names = {"name_id": stage.name_id, "name_en": stage.name_en}

    response = as_admin.post(f"/admin/stages/{stage.id}", data={**names, "wip_limit": "3"})

    assert response.status_code == 303
    assert fresh(Stage, id=stage.id).wip_limit == 3
    assert column_head(as_admin, "in_progress").endswith("0 / 3")

    as_admin.post(f"/admin/stages/{stage.id}", data={**names, "wip_limit": ""})
    assert fresh(Stage, id=stage.id).wip_limit is None


def test_set_and_clear_a_stages_update_cadence(as_admin, stages):
    stage = stages["pilot"]
    names = {"name_id": stage.name_id, "name_en": stage.name_en}
    response = as_admin.post(f"/admin/stages/{stage.id}",
                             data={**names, "update_cadence_days": "7"})
    assert response.status_code == 303
    assert fresh(Stage, id=stage.id).update_cadence_days == 7
    listing = as_admin.get("/admin/stages").text
    assert "7 days" in listing and "(default)" in listing  # the others: 14 days (default)
    as_admin.post(f"/admin/stages/{stage.id}", data={**names, "update_cadence_days": ""})
    assert fresh(Stage, id=stage.id).update_cadence_days is None


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"update_cadence_days": "0"}, "update_cadence_days", "Number must be between 1 and 366."),
        ({"wip_limit": "0"}, "wip_limit", "Number must be between 1 and 100000."),
        ({"wip_limit": "many"}, "wip_limit", "Not a valid integer value."),
        ({"name_en": ""}, "name_en", "This field is required."),
    ],
    ids=["zero-cadence", "zero-wip", "not-a-number", "no-name-en"],
)
def test_edit_stage_refused(as_admin, stages, data, field, message):
    stage = stages["pilot"]
    response = as_admin.post(f"/admin/stages/{stage.id}",
                             data={"name_id": "Baru", "name_en": "New", "wip_limit": "", **data})
    assert response.status_code == 422
    assert message in field_error(response.text, field)
    stored = fresh(Stage, id=stage.id)
    assert (stored.name_id, stored.name_en, stored.wip_limit) == ("Uji coba", "Pilot", None)


def test_reorder_stages_changes_board_columns(as_admin, stages, hx):
    assert board_columns(as_admin) == DEFAULT_ORDER

    assert stage_action(as_admin, stages["pilot"], "up").status_code == 303
    assert board_columns(as_admin) == ["proposed", "approved", "pilot", "in_progress", "rolled_out"]

    stage_action(as_admin, stages["proposed"], "down")
    assert board_columns(as_admin) == ["approved", "proposed", "pilot", "in_progress", "rolled_out"]

    # At the edges nothing moves (and under htmx the answer is an HX-Redirect).
    stage_action(as_admin, stages["approved"], "up")
    response = stage_action(as_admin, stages["rolled_out"], "down", headers=hx)
    assert (response.status_code, response.headers["HX-Redirect"]) == (200, "/admin/stages")
    assert board_columns(as_admin) == ["approved", "proposed", "pilot", "in_progress", "rolled_out"]
    db.session.expire_all()
    positions = db.session.scalars(select(Stage.position).order_by(Stage.position)).all()
    assert positions == list(range(5))


def test_reorder_steps_over_retired_stages(as_admin, stages):
    """Retired stages are off the board: moving next to one must still move on the board."""
    stage_action(as_admin, stages["approved"], "retire")
    assert board_columns(as_admin) == ["proposed", "in_progress", "pilot", "rolled_out"]

    stage_action(as_admin, stages["in_progress"], "up")
    assert board_columns(as_admin) == ["in_progress", "proposed", "pilot", "rolled_out"]

    stage_action(as_admin, stages["in_progress"], "down")
    assert board_columns(as_admin) == ["proposed", "in_progress", "pilot", "rolled_out"]
    db.session.expire_all()
    positions = db.session.scalars(select(Stage.position).order_by(Stage.position)).all()
    assert positions == list(range(5))


def test_add_stage_appears_at_the_end(as_admin):
    response = as_admin.post("/admin/stages/new", data={
        "code": "evaluated", "name_id": "Dievaluasi", "name_en": "Evaluated", "wip_limit": "5"})

    assert response.status_code == 303
    stage = fresh(Stage, code="evaluated")
    assert (stage.name_en, stage.wip_limit, stage.retired, stage.position) == \
        ("Evaluated", 5, False, 5)
    assert "Stage Evaluated created." in as_admin.get("/admin/stages").text
    assert board_columns(as_admin) == DEFAULT_ORDER + ["evaluated"]


@pytest.mark.parametrize(
    ("code", "message"),
    [("pilot", "A stage with this code already exists."),
     ("Bad Code", "Lower-case letters, digits and _ only.")],
    ids=["duplicate", "bad-code"],
)
def test_add_stage_refused(as_admin, code, message):
    response = as_admin.post("/admin/stages/new", data={
        "code": code, "name_id": "Dievaluasi", "name_en": "Evaluated"})
    assert response.status_code == 422
    assert message in field_error(response.text, "code")
    assert count(Stage) == 5


def test_stage_holding_initiatives_is_neither_retired_nor_deleted(as_admin, stages,
                                                                  make_initiative):
    make_initiative(stage="pilot")

    response = stage_action(as_admin, stages["pilot"], "retire")

    assert response.status_code == 303
    page = as_admin.get(response.location).text
    assert re.search(r'class="flash flash-error"[^>]*>1 initiatives? (is|are) still in this stage',
                     page)
    assert fresh(Stage, code="pilot").retired is False

    response = stage_action(as_admin, stages["pilot"], "delete")
    assert response.status_code == 303
    assert "it can only be retired" in as_admin.get("/admin/stages").text
    assert fresh(Stage, code="pilot") is not None
    assert board_columns(as_admin) == DEFAULT_ORDER


def test_retire_and_restore_a_stage_without_live_initiatives(as_admin, stages, make_initiative):
    # An archived initiative does not keep a stage on the board...
    make_initiative(stage="pilot", archived=True, archived_at=datetime(2026, 1, 5, tzinfo=UTC))

    response = stage_action(as_admin, stages["pilot"], "retire")

    assert response.status_code == 303
    assert "Stage Pilot retired." in as_admin.get("/admin/stages").text
    assert fresh(Stage, code="pilot").retired is True
    assert board_columns(as_admin) == ["proposed", "approved", "in_progress", "rolled_out"]

    # ...but it still refers to the stage, so the stage cannot be deleted.
    stage_action(as_admin, stages["pilot"], "delete")
    assert "it can only be retired" in as_admin.get("/admin/stages").text
    assert fresh(Stage, code="pilot") is not None

    stage_action(as_admin, stages["pilot"], "restore")
    assert fresh(Stage, code="pilot").retired is False
    assert board_columns(as_admin) == DEFAULT_ORDER


def test_delete_an_empty_stage(as_admin, stages):
    response = stage_action(as_admin, stages["in_progress"], "delete")

    assert response.status_code == 303
    assert "Stage In progress deleted." in as_admin.get("/admin/stages").text
    assert fresh(Stage, code="in_progress") is None
    assert board_columns(as_admin) == ["proposed", "approved", "pilot", "rolled_out"]
    db.session.expire_all()
    positions = db.session.scalars(select(Stage.position).order_by(Stage.position)).all()
    assert positions == list(range(4))


def test_the_last_active_stage_stays(as_admin, stages):
    for code in ["proposed", "approved", "in_progress", "pilot"]:
        stage_action(as_admin, stages[code], "retire")
    assert board_columns(as_admin) == ["rolled_out"]

    for action in ("retire", "delete"):
        response = stage_action(as_admin, stages["rolled_out"], action)
        assert response.status_code == 303
        assert "The board needs at least one stage." in as_admin.get("/admin/stages").text
        stored = fresh(Stage, code="rolled_out")
        assert stored is not None and stored.retired is False
    assert board_columns(as_admin) == ["rolled_out"]

    # A retired, empty stage may still be deleted.
    stage_action(as_admin, stages["pilot"], "delete")
    assert fresh(Stage, code="pilot") is None


def test_unknown_stage_action_is_404(as_admin, stages):
    assert stage_action(as_admin, stages["pilot"], "explode").status_code == 404
    assert as_admin.get(f"/admin/stages/{stages['pilot'].id}/up").status_code == 405
    assert board_columns(as_admin) == DEFAULT_ORDER


@pytest.mark.parametrize("field", ["wip_limit", "expected_days"])
def test_stage_number_too_large_is_refused_not_a_500(as_admin, field):
    """Regression (tests/web/test_fuzz.py): WTForms' NumberRange raised OverflowError on a huge int."""
    response = as_admin.post("/admin/stages/new", data={
        "code": "evaluated", "name_id": "Dievaluasi", "name_en": "Evaluated", field: "1" + "0" * 400})
    assert response.status_code == 422
    assert count(Stage) == 5
