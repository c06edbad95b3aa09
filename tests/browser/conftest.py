"""Browser tests: headless Chromium (Debian's, see STACK-NOTES pitfall 8) driving a live server.

Every test here is marked ``browser`` (deselect with ``-m "not browser"``). They are skipped when
no Chromium is found at ``QUICKWIN_CHROMIUM`` (default ``/usr/bin/chromium``), unless
``QUICKWIN_REQUIRE_BROWSER=1``, which turns a missing browser into an error.

Each test gets its own live server on a fresh SQLite copy of the migrated template database, with
CSRF on (real users have it) and a small known dataset (:class:`Seeded`).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tarfile
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import Page, expect
from werkzeug.serving import make_server

from quickwin_tracker import create_app
from quickwin_tracker.extensions import db
from quickwin_tracker.models import Dimension, Indicator, Initiative, Stage, Unit, User
from tests.conftest import _PASSWORD_HASH, PASSWORD, base_config

HERE = Path(__file__).resolve().parent
CHROMIUM = os.environ.get("QUICKWIN_CHROMIUM") or "/usr/bin/chromium"
REQUIRE_BROWSER = os.environ.get("QUICKWIN_REQUIRE_BROWSER") == "1"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _chromium_available() -> bool:
    return os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)


def _in_this_folder(item: pytest.Item) -> bool:
    return HERE in Path(str(item.path)).resolve().parents


@pytest.hookimpl(tryfirst=True)  # before -m deselects by marker
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Collection hooks reach every conftest whatever the path: keep to this folder's tests.
    for item in items:
        if _in_this_folder(item):
            item.add_marker(pytest.mark.browser)


def pytest_runtest_setup(item: pytest.Item) -> None:
    # Runtest hooks of this conftest are only called for the tests under this folder.
    if _chromium_available():
        return
    message = f"no Chromium at {CHROMIUM} (apt-get install -y chromium, or set QUICKWIN_CHROMIUM)"
    if REQUIRE_BROWSER:
        pytest.fail(f"QUICKWIN_REQUIRE_BROWSER=1 but {message}", pytrace=False)
    pytest.skip(message)


# --------------------------------------------------------------------------- pytest-playwright


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """pytest-playwright's options (--headed, --slowmo, ...) plus Debian's Chromium."""
    args = [*browser_type_launch_args.get("args", []), *CHROMIUM_ARGS]
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": args}


@pytest.fixture(scope="session")
def base_url(pytestconfig: pytest.Config) -> str | None:
    """The same as pytest-playwright 0.10's fallback ``base_url`` (used when pytest-base-url is
    not installed), which pytest 9.2 warns about because it is a session fixture written as an
    instance method (PytestRemovedIn10Warning, an error under ``filterwarnings = error``).
    Redefining it here avoids the warning instead of silencing it. Tests use ``live_server.url``."""
    return pytestconfig.getoption("--base-url", None) or pytestconfig.getini("base_url") or None


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "locale": "id-ID", "timezone_id": "Asia/Makassar"}


# --------------------------------------------------------------------------- the live server


@dataclass
class Seeded:
    """Ids and emails of the known dataset (see :func:`seed`)."""

    manager: str
    staff: str
    other_staff: str
    unit: str
    other_unit: str
    initiatives: dict[str, int] = field(default_factory=dict)


@dataclass
class LiveServer:
    url: str
    app: Flask
    data: Seeded | None = None

    def path(self, path: str) -> str:
        return self.url + path


def seed() -> Seeded:
    """A small board: units DKIS and DLH, a manager and a staff of DKIS, a staff of DLH; the
    ``pilot`` stage gets a WIP limit of 1. Initiatives (key: lane / stage / unit):

    - ``portal``: governance / proposed / DKIS; has an indicator, so it may enter ``approved``
    - ``aduan``: governance / proposed / DKIS, below ``portal``; no indicator: the gate refuses
    - ``wifi``: governance / approved / DKIS
    - ``cctv``: governance / in_progress / DKIS; the WIP test drags it to ``pilot``
    - ``sensor``: environment / pilot / DLH; fills ``pilot`` (limit 1)
    - ``bank``: environment / proposed / DLH
    """
    stages = {s.code: s for s in db.session.scalars(sa.select(Stage))}
    dims = {d.code: d for d in db.session.scalars(sa.select(Dimension))}
    stages["pilot"].wip_limit = 1

    dkis = Unit(code="DKIS", name="Dinas Komunikasi, Informatika dan Statistik")
    dlh = Unit(code="DLH", name="Dinas Lingkungan Hidup")
    manager = User(email="kepala@dkis.example.go.id", name="Rina Kepala", role="manager",
                   unit=dkis, password_hash=_PASSWORD_HASH, locale="id")
    staff = User(email="staf@dkis.example.go.id", name="Budi Staf", role="staff", unit=dkis,
                 password_hash=_PASSWORD_HASH, locale="id")
    other = User(email="staf@dlh.example.go.id", name="Sari Staf", role="staff", unit=dlh,
                 password_hash=_PASSWORD_HASH, locale="id")
    # The browser tests drive the whole city's board: their people chose the whole city (staff
    # and heads would open on their unit, "my work first": tests/board/test_board_scope.py).
    for person in (manager, staff, other):
        person.board_settings = {"scope": "city"}
    db.session.add_all([dkis, dlh, manager, staff, other])
    db.session.flush()
    dkis.head = manager

    rows = [
        ("portal", "Portal layanan perizinan daring", "governance", "proposed", dkis, staff),
        ("aduan", "Kanal aduan warga via WhatsApp", "governance", "proposed", dkis, manager),
        ("wifi", "Wi-Fi publik di taman kota", "governance", "approved", dkis, staff),
        ("cctv", "CCTV simpang Balikpapan Baru", "governance", "in_progress", dkis, staff),
        ("sensor", "Sensor kualitas udara Teluk Balikpapan", "environment", "pilot", dlh, other),
        ("bank", "Bank sampah digital kelurahan", "environment", "proposed", dlh, other),
    ]
    positions: dict[tuple[str, str], int] = {}
    initiatives: dict[str, Initiative] = {}
    for key, title, dim, stage, unit, owner in rows:
        pos = positions.get((dim, stage), 0)
        positions[(dim, stage)] = pos + 1
        initiatives[key] = Initiative(
            title=title, benefit=f"Warga Balikpapan terbantu: {title.lower()}.",
            dimension=dims[dim], stage=stages[stage], unit=unit, owner=owner, created_by=owner,
            position=pos, target_date=date(2027, 3, 1),
        )
    # Entering "approved" needs an owner, a target date and an indicator with baseline and
    # target (migration 0003's default gate): only ``portal`` gets the indicator.
    initiatives["portal"].indicators.append(Indicator(
        name="Lama proses izin", unit_of_measure="hari", baseline=14, target=3, direction="lower",
    ))
    db.session.add_all(initiatives.values())
    db.session.commit()
    return Seeded(
        manager=manager.email, staff=staff.email, other_staff=other.email, unit="DKIS",
        other_unit="DLH", initiatives={k: i.id for k, i in initiatives.items()},
    )


@contextmanager
def serving(factory, seeder, instance_path: Path, **config: Any) -> Iterator[LiveServer]:
    """A live server (Werkzeug, threaded) on a fresh database of ``factory`` filled by
    ``seeder()``; on exit the server stops and the database is dropped. CSRF is on, as in
    production, unless ``config`` says otherwise."""
    url = factory.create()
    app = create_app(base_config(**{"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": True,
                                    **config}))
    app.instance_path = str(instance_path)
    try:
        with app.app_context():
            data = seeder()
            db.session.remove()
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                  name="live-server", daemon=True)
        thread.start()
        try:
            yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", app=app, data=data)
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)
    finally:
        with app.app_context():
            db.engine.dispose()
        factory.drop(url)


@pytest.fixture
def live_server_factory(database_factories, tmp_path):
    """``start(seeder)``: a live server on a fresh database filled by ``seeder()``."""
    factory = database_factories("sqlite")
    with ExitStack() as servers:
        def start(seeder=seed, **config: Any) -> LiveServer:
            return servers.enter_context(serving(factory, seeder, tmp_path / "instance", **config))

        yield start


@pytest.fixture
def live_server(live_server_factory) -> LiveServer:
    return live_server_factory()


# --------------------------------------------------------------------------- npm tools (axe, vnu)
# Fetched with npm at test time into ``.cache/`` (gitignored), never committed. ``.ci/run`` fetches
# them up front; a missing tool skips its tests unless QUICKWIN_REQUIRE_BROWSER=1.

CACHE = Path(os.environ.get("QUICKWIN_TOOL_CACHE") or HERE.parents[1] / ".cache")


def _npm_tool(env: str, package: str, inner: str) -> Path:
    """The file ``inner`` of npm ``package``: from ``$env``, the cache, or ``npm pack``."""
    if os.environ.get(env):
        path = Path(os.environ[env])
        if not path.is_file():
            pytest.fail(f"{env}={path} does not exist", pytrace=False)
        return path
    folder = CACHE / package.split("@")[0]
    path = folder / "package" / inner
    if path.is_file():
        return path
    problem = None
    npm = shutil.which("npm")
    if npm is None:
        problem = "npm is not installed"
    else:
        folder.mkdir(parents=True, exist_ok=True)
        done = subprocess.run([npm, "pack", package, "--pack-destination", str(folder)],
                              capture_output=True, text=True, timeout=300, cwd=folder)
        tarballs = sorted(folder.glob("*.tgz"))
        if done.returncode != 0 or not tarballs:
            problem = f"npm pack {package} failed: {done.stderr.strip()[-500:]}"
        else:
            with tarfile.open(tarballs[-1]) as tar:
                tar.extractall(folder, filter="data")
            if not path.is_file():
                problem = f"{inner} not found in {tarballs[-1].name}"
    if problem:
        if REQUIRE_BROWSER:
            pytest.fail(f"QUICKWIN_REQUIRE_BROWSER=1 but {problem}", pytrace=False)
        pytest.skip(problem)
    return path


@pytest.fixture(scope="session")
def axe_js() -> Path:
    """``axe.min.js`` of axe-core 4 (``QUICKWIN_AXE_JS`` overrides)."""
    return _npm_tool("QUICKWIN_AXE_JS", "axe-core@4", "axe.min.js")


@pytest.fixture(scope="session")
def vnu_jar() -> Path:
    """The Nu HTML Checker's ``vnu.jar`` (``QUICKWIN_VNU_JAR`` overrides); needs Java."""
    if shutil.which("java") is None:
        if REQUIRE_BROWSER:
            pytest.fail("QUICKWIN_REQUIRE_BROWSER=1 but java is not installed", pytrace=False)
        pytest.skip("java is not installed")
    return _npm_tool("QUICKWIN_VNU_JAR", "vnu-jar", "build/dist/vnu.jar")


# --------------------------------------------------------------------------- helpers


def sign_in(page: Page, live_server: LiveServer, email: str, password: str = PASSWORD) -> None:
    """Sign in through the login form and wait for the board (its scripts included)."""
    page.goto(live_server.path("/auth/login"))
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.locator("button[type=submit].primary").click()
    page.wait_for_url(re.compile(r"/board/"))
    expect(page.locator("#board")).to_be_visible()


@pytest.fixture
def login():
    """``login(page, live_server, email)``: the helper as a fixture, so test modules need not
    import a conftest (two conftest.py files without packages cannot import each other)."""
    return sign_in
