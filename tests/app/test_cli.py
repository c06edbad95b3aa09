"""The ``quickwin`` command: people, units, demo data and migrations, through ``runner.invoke``."""

from __future__ import annotations

import importlib.metadata
from collections import defaultdict

import pytest
from sqlalchemy import func, select, text

from quickwin_tracker.demo import data as demo_data
from quickwin_tracker.extensions import db
from quickwin_tracker.models import Dimension, Initiative, Role, Stage, Unit, User

DEMO_PASSWORD = "quickwin-demo"


# Cheap hashes for the users these commands create (seed-demo creates many).
pytestmark = pytest.mark.usefixtures("cheap_hashing")


def fresh(model, **where):
    db.session.expire_all()
    return db.session.scalar(select(model).filter_by(**where))


def count(model, *where) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def signs_in(app, email: str, password: str) -> bool:
    response = app.test_client().post("/auth/login", data={"email": email, "password": password})
    return response.status_code == 303


# --------------------------------------------------------------------------- create-user


def test_create_user_with_password(app, runner, make_unit):
    make_unit(code="DLH")

    result = runner.invoke(args=["create-user", "Staf.Baru@Example.go.id", "--name", "Staf Baru",
                                 "--role", "staff", "--unit", "dlh", "--password", "secret-pass-1"])

    assert result.exit_code == 0, result.output
    assert "Created staff staf.baru@example.go.id in DLH" in result.output
    user = fresh(User, email="staf.baru@example.go.id")
    assert (user.name, user.role, user.unit.code, user.locale, user.active) == \
        ("Staf Baru", "staff", "DLH", "id", True)
    assert signs_in(app, "staf.baru@example.go.id", "secret-pass-1")


def test_create_user_prompts_for_the_password(app, runner):
    result = runner.invoke(args=["create-user", "reviewer@example.go.id", "--name", "Reviewer",
                                 "--role", "reviewer", "--locale", "en"],
                           input="secret-pass-1\nsecret-pass-1\n")

    assert result.exit_code == 0, result.output
    assert "Password" in result.output
    assert "secret-pass-1" not in result.output  # hidden input
    user = fresh(User, email="reviewer@example.go.id")
    assert (user.role, user.unit, user.locale) == ("reviewer", None, "en")
    assert signs_in(app, "reviewer@example.go.id", "secret-pass-1")


@pytest.mark.parametrize(
    ("args", "exit_code", "message"),
    [
        (["--role", "staff", "--unit", "NOPE", "--password", "secret-pass-1"], 1,
         "no unit with code 'NOPE'"),
        (["--role", "staff", "--password", "secret-pass-1"], 1, "Error:"),  # staff need a unit
        (["--role", "admin", "--password", "short"], 1, "at least 10 characters"),
        (["--role", "boss", "--password", "secret-pass-1"], 2, "Invalid value for '--role'"),
    ],
    ids=["unknown-unit", "staff-without-unit", "short-password", "bad-role"],
)
def test_create_user_refused(runner, args, exit_code, message):
    result = runner.invoke(args=["create-user", "new@example.go.id", "--name", "New", *args])
    assert result.exit_code == exit_code
    assert message in result.output
    assert count(User) == 0


def test_create_user_duplicate_email_refused(runner, make_user):
    make_user("admin", email="taken@example.go.id")

    result = runner.invoke(args=["create-user", "TAKEN@example.go.id", "--name", "Again",
                                 "--role", "admin", "--password", "secret-pass-1"])

    assert result.exit_code == 1
    assert result.output.startswith("Error:")
    assert count(User) == 1
    assert fresh(User, email="taken@example.go.id").name != "Again"


# --------------------------------------------------------------------------- edit-user


def test_edit_user(app, runner, make_user, make_unit):
    user = make_user("staff", name="Andi")
    make_unit(code="DINKES")

    result = runner.invoke(args=["edit-user", user.email.upper(), "--name", "Andi Pratama",
                                 "--role", "manager", "--unit", "dinkes"])

    assert result.exit_code == 0, result.output
    stored = fresh(User, id=user.id)
    assert (stored.name, stored.role, stored.unit.code, stored.active) == \
        ("Andi Pratama", "manager", "DINKES", True)


def test_edit_user_deactivate_and_activate(app, runner, make_user):
    user = make_user("staff")

    result = runner.invoke(args=["edit-user", user.email, "--deactivate"])

    assert result.exit_code == 0, result.output
    assert "deactivated" in result.output
    assert fresh(User, id=user.id).active is False
    assert not signs_in(app, user.email, "correct-horse-battery")

    result = runner.invoke(args=["edit-user", user.email, "--activate"])
    assert result.exit_code == 0
    assert fresh(User, id=user.id).active is True


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nobody@example.go.id", "--name", "X"], "no user with email 'nobody@example.go.id'"),
        (["{email}", "--unit", "NOPE"], "no unit with code 'NOPE'"),
        (["{email}", "--password", "short"], "at least 10 characters"),
    ],
    ids=["unknown-user", "unknown-unit", "short-password"],
)
def test_edit_user_refused(runner, make_user, args, message):
    user = make_user("staff", name="Andi")
    result = runner.invoke(args=["edit-user", *[a.format(email=user.email) for a in args]])
    assert result.exit_code == 1
    assert message in result.output
    stored = fresh(User, id=user.id)
    assert (stored.name, stored.unit_id) == ("Andi", user.unit_id)


# --------------------------------------------------------------------------- units


def test_create_unit_and_edit_it(runner, make_user):
    result = runner.invoke(args=["create-unit", "dlh", "--name", "Dinas Lingkungan Hidup"])
    assert result.exit_code == 0, result.output
    assert "Created unit DLH" in result.output
    unit = fresh(Unit, code="DLH")
    assert (unit.name, unit.active, unit.head) == ("Dinas Lingkungan Hidup", True, None)

    head = make_user("manager", unit=unit, email="kepala.dlh@example.go.id")
    result = runner.invoke(args=["edit-unit", "DLH", "--head", "Kepala.DLH@example.go.id",
                                 "--name", "DLH Kota"])
    assert result.exit_code == 0, result.output
    unit = fresh(Unit, code="DLH")
    assert (unit.name, unit.head_id, unit.active) == ("DLH Kota", head.id, True)

    result = runner.invoke(args=["edit-unit", "dlh", "--deactivate"])
    assert result.exit_code == 0, result.output
    assert "deactivated" in result.output
    unit = fresh(Unit, code="DLH")
    assert (unit.name, unit.head_id, unit.active) == ("DLH Kota", head.id, False)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["create-unit", "Opd1", "--name", "Again"], "Error:"),
        (["edit-unit", "NOPE", "--deactivate"], "no unit with code 'NOPE'"),
        (["edit-unit", "OPD1", "--head", "nobody@example.go.id"],
         "no user with email 'nobody@example.go.id'"),
    ],
    ids=["duplicate-code", "unknown-unit", "unknown-head"],
)
def test_unit_commands_refused(runner, make_unit, args, message):
    make_unit(code="OPD1", name="Dinas Uji")
    result = runner.invoke(args=args)
    assert result.exit_code != 0
    assert message in result.output
    assert count(Unit) == 1
    unit = fresh(Unit, code="OPD1")
    assert (unit.name, unit.head_id, unit.active) == ("Dinas Uji", None, True)


# --------------------------------------------------------------------------- seed-demo


def test_seed_demo_fills_an_empty_database_once(app, runner):
    result = runner.invoke(args=["seed-demo"])

    assert result.exit_code == 0, result.output
    assert f"Loaded {len(demo_data.INITIATIVES)} demo quick wins" in result.output
    assert DEMO_PASSWORD in result.output
    for spec in demo_data.USERS:
        assert spec["email"] in result.output

    assert count(Initiative) == 36
    assert count(Unit) == len(demo_data.UNITS)
    dimensions = db.session.scalars(select(Dimension)).all()
    stages = db.session.scalars(select(Stage).where(Stage.retired.is_(False))).all()
    for dimension in dimensions:
        assert count(Initiative, Initiative.dimension_id == dimension.id) > 0, dimension.code
    for stage in stages:
        assert count(Initiative, Initiative.stage_id == stage.id) > 0, stage.code
    roles = set(db.session.scalars(select(User.role)))
    assert roles == {r.value for r in Role}

    # One login per role, all with the demo password, through the login page.
    for role in Role:
        email = next(u["email"] for u in demo_data.USERS if u["role"] == role.value)
        assert signs_in(app, email, DEMO_PASSWORD), role

    # A second run refuses and changes nothing.
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 1
    assert "already holds" in result.output
    assert count(Initiative) == 36

    # --if-empty is the idempotent form for start-up scripts.
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0
    assert "already holds data; demo data not loaded" in result.output
    assert count(Initiative) == 36
    assert count(User) == len(demo_data.USERS)


def test_seed_demo_refuses_a_database_with_only_users(runner, make_user):
    make_user("admin")

    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0
    assert "demo data not loaded" in result.output

    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 1
    assert "already holds" in result.output

    assert runner.invoke(args=["seed-demo", "--initiatives", "-1"]).exit_code == 2
    assert (count(User), count(Unit), count(Initiative)) == (1, 0, 0)


def test_seed_demo_with_many_initiatives(runner):
    result = runner.invoke(args=["seed-demo", "--initiatives", "200"])

    assert result.exit_code == 0, result.output
    assert "Loaded 200 demo quick wins" in result.output
    assert count(Initiative) == 200
    cells: dict[tuple[int, int], list[int]] = defaultdict(list)
    for dimension_id, stage_id, position in db.session.execute(
        select(Initiative.dimension_id, Initiative.stage_id, Initiative.position)
    ):
        cells[(dimension_id, stage_id)].append(position)
    assert sum(len(p) for p in cells.values()) == 200
    for cell, positions in cells.items():
        assert sorted(positions) == list(range(len(positions))), cell


# --------------------------------------------------------------------------- db, entry point


def test_db_upgrade_is_a_no_op_on_a_migrated_database(runner):
    before = db.session.scalar(text("SELECT version_num FROM alembic_version"))
    db.session.rollback()

    result = runner.invoke(args=["db", "upgrade"])

    assert result.exit_code == 0, result.output
    db.session.rollback()
    assert db.session.scalar(text("SELECT version_num FROM alembic_version")) == before
    assert count(Stage) == 5  # the reference data was not loaded twice


def test_quickwin_console_script_is_installed():
    scripts = importlib.metadata.entry_points(group="console_scripts")
    (quickwin,) = [ep for ep in scripts if ep.name == "quickwin"]
    assert quickwin.value == "quickwin_tracker.cli:main"
