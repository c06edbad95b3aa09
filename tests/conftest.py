"""Test fixtures.

Databases: every test that uses ``app`` runs on SQLite, and on PostgreSQL too when
``QUICKWIN_TEST_POSTGRES_URL`` points at a server (e.g. ``postgresql://postgres@127.0.0.1:5432/postgres``).
The schema is built once per session *by the migrations* into a template database; each test gets
its own copy (a file copy on SQLite, ``CREATE DATABASE … TEMPLATE`` on PostgreSQL), so tests commit
for real, triggers fire, and nothing leaks between tests.

``QUICKWIN_REQUIRE_POSTGRES=1`` (set by ``.ci/run``) turns a missing PostgreSQL into an error.
"""

from __future__ import annotations

import itertools
import os
import shutil
import smtplib
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from werkzeug.security import generate_password_hash

from quickwin_tracker import create_app
from quickwin_tracker.config import normalise_database_url
from quickwin_tracker.extensions import db
from quickwin_tracker.models import Dimension, Initiative, Stage, Unit, User

PASSWORD = "correct-horse-battery"
_PASSWORD_HASH = generate_password_hash(PASSWORD)  # hashed once: scrypt is slow on purpose
# For tests that sign in many times: checking it costs little (never for production use).
CHEAP_METHOD = "pbkdf2:sha256:1000"  # scrypt is slow on purpose; tests/auth/test_auth.py covers it
CHEAP_HASH = generate_password_hash(PASSWORD, method=CHEAP_METHOD)

POSTGRES_URL = os.environ.get("QUICKWIN_TEST_POSTGRES_URL", "")
REQUIRE_POSTGRES = os.environ.get("QUICKWIN_REQUIRE_POSTGRES") == "1"


def _postgres_available() -> bool:
    if not POSTGRES_URL:
        if REQUIRE_POSTGRES:
            raise RuntimeError("QUICKWIN_REQUIRE_POSTGRES=1 but QUICKWIN_TEST_POSTGRES_URL is unset")
        return False
    return True


BACKENDS = ["sqlite"] + (["postgresql"] if _postgres_available() else [])


def base_config(**overrides: Any) -> dict[str, Any]:
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "WTF_CSRF_ENABLED": False,
        "SERVER_NAME": None,
        # The second factor is optional for every role here, so the many tests (and the browser
        # and route tests) that sign an admin in with a password alone keep doing so; the tests
        # of the requirement itself (tests/auth/test_second_factor.py) set "admin", the default.
        "TOTP_REQUIRED_ROLES": "",
    }
    config.update(overrides)
    return config


# --------------------------------------------------------------------------- databases


def _pg_url(name: str | None = None) -> str:
    """The server's URL (psycopg 3 driver), for database ``name`` or the admin database."""
    url = sa.engine.make_url(normalise_database_url(POSTGRES_URL))
    return (url.set(database=name) if name else url).render_as_string(hide_password=False)


def _pg_admin(statement: str) -> None:
    engine = sa.create_engine(_pg_url(), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(sa.text(statement))
    finally:
        engine.dispose()


class DatabaseFactory:
    """Hands out fresh, migrated databases for one backend."""

    def __init__(self, backend: str, tmp: Path):
        self.backend = backend
        self.tmp = tmp
        self.counter = itertools.count()
        self.prefix = f"qwt_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        self._drops = ThreadPoolExecutor(max_workers=1, thread_name_prefix="drop-db")
        self.template = self._build_template()

    def _migrate(self, url: str) -> None:
        app = create_app(base_config(SQLALCHEMY_DATABASE_URI=url))
        with app.app_context():
            upgrade()
            db.engine.dispose()

    def _build_template(self) -> str:
        if self.backend == "sqlite":
            path = self.tmp / "template.sqlite3"
            self._migrate(f"sqlite:///{path}")
            return str(path)
        name = f"{self.prefix}_tmpl"
        _pg_admin(f'CREATE DATABASE "{name}"')
        self._migrate(_pg_url(name))
        return name

    def create(self) -> str:
        n = next(self.counter)
        if self.backend == "sqlite":
            path = self.tmp / f"test_{n}.sqlite3"
            shutil.copyfile(self.template, path)
            return f"sqlite:///{path}"
        name = f"{self.prefix}_{n}"
        _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        return _pg_url(name)

    def drop(self, url: str) -> None:
        if self.backend == "sqlite":
            path = Path(sa.engine.make_url(url).database)
            for suffix in ("", "-wal", "-shm"):
                Path(str(path) + suffix).unlink(missing_ok=True)
        else:
            # Dropping a database takes a while; a background thread does it while the next
            # test runs (close() waits for it).
            self._drops.submit(_pg_admin,
                               f'DROP DATABASE IF EXISTS "{sa.engine.make_url(url).database}" WITH (FORCE)')

    def close(self) -> None:
        if self.backend == "postgresql":
            self._drops.shutdown(wait=True)
            _pg_admin(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)')


@pytest.fixture(scope="session")
def database_factories(tmp_path_factory) -> Iterator[dict[str, DatabaseFactory]]:
    factories: dict[str, DatabaseFactory] = {}

    def get(backend: str) -> DatabaseFactory:
        if backend not in factories:
            factories[backend] = DatabaseFactory(backend, tmp_path_factory.mktemp(backend))
        return factories[backend]

    yield get  # type: ignore[misc]
    for factory in factories.values():
        factory.close()


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def database_url(backend, database_factories) -> Iterator[str]:
    factory = database_factories(backend)
    url = factory.create()
    yield url
    factory.drop(url)


@pytest.fixture
def app_config() -> dict[str, Any]:
    """Override in a module to change the test app's configuration."""
    return {}


class IsolatedClient(FlaskClient):
    """Each request gets its own application context (its own ``g`` and database session), as in
    production, even though the test holds one open; afterwards the test's session is expired so
    it reads what the request committed."""

    def open(self, *args: Any, **kwargs: Any):
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        db.session.expire_all()
        return response


@pytest.fixture
def app(database_url, app_config, tmp_path) -> Iterator[Flask]:
    app = create_app(base_config(SQLALCHEMY_DATABASE_URI=database_url, **app_config))
    app.instance_path = str(tmp_path / "instance")
    app.test_client_class = IsolatedClient
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def hx() -> dict[str, str]:
    return {"HX-Request": "true"}


# --------------------------------------------------------------------------- factories


@pytest.fixture
def stages(app) -> dict[str, Stage]:
    return {s.code: s for s in db.session.scalars(sa.select(Stage).order_by(Stage.position))}


@pytest.fixture
def dimensions(app) -> dict[str, Dimension]:
    return {d.code: d for d in db.session.scalars(sa.select(Dimension))}


@pytest.fixture
def make_unit(app) -> Callable[..., Unit]:
    counter = itertools.count(1)

    def make(code: str | None = None, name: str | None = None, **kw: Any) -> Unit:
        n = next(counter)
        unit = Unit(code=code or f"OPD{n}", name=name or f"Dinas Uji {n}", **kw)
        db.session.add(unit)
        db.session.commit()
        return unit

    return make


@pytest.fixture
def make_user(app, make_unit) -> Callable[..., User]:
    counter = itertools.count(1)

    def make(role: str = "staff", unit: Unit | None = None, **kw: Any) -> User:
        n = next(counter)
        if unit is None and role in ("staff", "manager"):
            unit = make_unit()
        kw.setdefault("email", f"{role}{n}@example.go.id")
        kw.setdefault("name", f"{role.title()} {n}")
        kw.setdefault("password_hash", CHEAP_HASH)  # signs in with PASSWORD, cheaply
        user = User(role=role, unit=unit, **kw)
        db.session.add(user)
        db.session.commit()
        return user

    return make


@pytest.fixture
def cheap_hashing(monkeypatch):
    """Passwords the app hashes during the test (new users, resets, changes) get CHEAP_METHOD."""
    from quickwin_tracker.models import people

    monkeypatch.setattr(people, "generate_password_hash",
                        partial(generate_password_hash, method=CHEAP_METHOD))


@pytest.fixture
def make_initiative(app, stages, dimensions, make_unit) -> Callable[..., Initiative]:
    counter = itertools.count(1)

    def make(unit: Unit | None = None, stage: str = "proposed", dimension: str = "governance",
             **kw: Any) -> Initiative:
        n = next(counter)
        unit = unit or make_unit()
        stage_obj, dim = stages[stage], dimensions[dimension]
        if "position" not in kw:
            kw["position"] = db.session.scalar(
                sa.select(sa.func.count()).select_from(Initiative).where(
                    Initiative.stage_id == stage_obj.id, Initiative.dimension_id == dim.id,
                    Initiative.archived.is_(False))
            )
        kw.setdefault("title", f"Quick win {n}")
        kw.setdefault("benefit", f"Warga merasakan manfaat {n}.")
        kw.setdefault("target_date", date(2027, 3, 1))
        initiative = Initiative(unit=unit, stage=stage_obj, dimension=dim, **kw)
        db.session.add(initiative)
        db.session.commit()
        return initiative

    return make


@dataclass
class Team:
    """One OPD at work and the people around it (``team`` fixture)."""

    unit: Unit  # DINKES, Dinas Kesehatan
    manager: User  # Kepala Dinkes, of ``unit``
    staff: User  # Staf Dinkes, of ``unit``
    outsider: User  # Staf Dishub, staff of another unit (DISHUB)
    reviewer: User  # Reviewer Bappeda, reviews the whole city
    admin: User  # Admin Kota

    @property
    def people(self) -> tuple[User, ...]:
        return (self.manager, self.staff, self.outsider, self.reviewer, self.admin)


TEAM_DOMAIN = "quickwin.balikpapan.go.id"


@pytest.fixture
def team(make_unit, make_user) -> Team:
    """A unit with its manager and a staff member, someone from another unit, a reviewer and an
    administrator; all read the default language (see ``team_in_english``)."""
    unit = make_unit("DINKES", "Dinas Kesehatan")
    return Team(
        unit=unit,
        manager=make_user("manager", unit, name="Kepala Dinkes", email=f"kepala.dinkes@{TEAM_DOMAIN}"),
        staff=make_user("staff", unit, name="Staf Dinkes", email=f"staf.dinkes@{TEAM_DOMAIN}"),
        outsider=make_user("staff", make_unit("DISHUB", "Dinas Perhubungan"), name="Staf Dishub",
                           email=f"staf.dishub@{TEAM_DOMAIN}"),
        reviewer=make_user("reviewer", name="Reviewer Bappeda", email=f"reviewer.bappeda@{TEAM_DOMAIN}"),
        admin=make_user("admin", name="Admin Kota", email=f"admin.kota@{TEAM_DOMAIN}"),
    )


@pytest.fixture
def team_in_english(team) -> Team:
    """The ``team``, every member reading English (``pytestmark = pytest.mark.usefixtures(...)``
    in modules that assert English text)."""
    for person in team.people:
        person.locale = "en"
    db.session.commit()
    return team


@pytest.fixture
def english(client) -> None:
    """Visitors who are not signed in read English on this ``client``."""
    with client.session_transaction() as session:
        session["locale"] = "en"


def signed_in(client: FlaskClient) -> bool:
    """Whether ``client`` is signed in: the board is shown rather than a redirect to the login."""
    response = client.get("/board/")
    assert response.status_code in (200, 302)
    return response.status_code == 200


class Auth:
    def __init__(self, client: FlaskClient):
        self.client = client

    def login(self, user: User | str, password: str = PASSWORD, **extra: Any):
        email = user if isinstance(user, str) else user.email
        return self.client.post("/auth/login", data={"email": email, "password": password, **extra})

    def sign_in(self, user: User, password: str = PASSWORD, **extra: Any) -> FlaskClient:
        """Sign ``user`` in (the login must succeed) and return the signed-in client."""
        response = self.login(user, password, **extra)
        assert response.status_code == 303, f"{user.email} not signed in: {response.status_code}"
        return self.client

    def logout(self):
        return self.client.post("/auth/logout")


@pytest.fixture
def auth(client) -> Auth:
    return Auth(client)


@pytest.fixture
def count_queries(app):
    """``with count_queries() as counter: ...`` then ``counter.count``: SQL statements run."""
    from contextlib import contextmanager

    @contextmanager
    def counting():
        class Counter:
            count = 0
            statements: list[str] = []

        counter = Counter()
        counter.statements = []

        def before(conn, cursor, statement, *args):
            counter.count += 1
            counter.statements.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", before)
        try:
            yield counter
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", before)

    return counting


# --------------------------------------------------------------------------- guards


@pytest.fixture(autouse=True)
def _no_stray_smtp(monkeypatch, request):
    """Fail any test that opens SMTP anywhere but a local test server (indico's habit)."""
    if "smtp_server" in request.fixturenames:
        return
    real_init = smtplib.SMTP.__init__

    def guarded(self, host="", port=0, *args, **kwargs):
        if host:
            raise AssertionError(f"test tried to open SMTP to {host}:{port}; use the smtp_server fixture")
        return real_init(self, host, port, *args, **kwargs)

    monkeypatch.setattr(smtplib.SMTP, "__init__", guarded)


# --------------------------------------------------------------------------- mail


class SMTPTestServer:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps what it receives.

    ``messages``: parsed ``EmailMessage`` objects; ``envelopes``: ``(mail_from, rcpt_tos)``.
    ``stop()``/``start()`` simulate the server going down and coming back on the same port;
    ``configure(app)`` points the app's SMTP settings at it.
    """

    def __init__(self) -> None:
        import socket

        # aiosmtpd 1.4.6 cannot bind port 0 (STACK-NOTES pitfall 7): reserve a free port first.
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            self.port: int = sock.getsockname()[1]
        self.host = "127.0.0.1"
        self.messages: list[Any] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self._controller: Any = None

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        import email
        import email.policy

        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(parsed)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"

    @property
    def running(self) -> bool:
        return self._controller is not None

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        if self._controller is None:
            self._controller = Controller(self, hostname=self.host, port=self.port)
            self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def configure(self, app: Flask) -> None:
        app.config.update(SMTP_HOST=self.host, SMTP_PORT=self.port, SMTP_SECURITY="none",
                          SMTP_USER="", SMTP_PASSWORD="")


@pytest.fixture
def smtp_server() -> Iterator[SMTPTestServer]:
    server = SMTPTestServer()
    server.start()
    yield server
    server.stop()


def t(msgid: str, **variables: Any) -> str:
    """``msgid`` as the app shows it by default (Bahasa Indonesia), for assertions on pages."""
    from flask_babel import gettext

    return gettext(msgid, **variables)
