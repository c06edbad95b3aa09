"""Deployment smoke test (docs/deploy.md, as an operator would run it), on PostgreSQL only.

A throwaway database; ``quickwin db upgrade``, ``create-unit`` and ``create-user`` as
subprocesses; then ``gunicorn --workers 2 --no-control-socket`` and two ``quickwin scheduler``
processes. Through real HTTP (stdlib only): the Indonesian login page, signing in with the CSRF
token, the board, creating an initiative with the form, moving it with the htmx endpoint (CSRF
header), the move in its trail, a versioned static file with its year-long cache, ``/healthz``.
The second scheduler stands by while the first holds the advisory lock (the catch-up jobs ran
once per slot), and takes over when the first stops. Every process runs in its own process group
and is stopped in ``finally``, so nothing is left behind even when an assertion fails.
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import POSTGRES_URL, REQUIRE_POSTGRES, _pg_admin, _pg_url

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not POSTGRES_URL, reason="needs QUICKWIN_TEST_POSTGRES_URL (PostgreSQL)"),
]

BIN = Path(sys.executable).parent
PASSWORD = "smoke-test-password-1"
SLOTTED_JOBS = 7  # six daily jobs and the weekly digest (scheduler/registry.py)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(what: str, check: Callable[[], object], timeout: float = 15.0,
              procs: list[subprocess.Popen] | None = None) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for proc in procs or []:
            if proc.poll() is not None:
                raise AssertionError(f"{what}: {proc.args[0]} exited with {proc.returncode}")
        result = check()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


class Processes:
    """Subprocesses in their own sessions (process groups), logs in files, all stopped at the end."""

    def __init__(self, workdir: Path, env: dict[str, str]):
        self.workdir = workdir
        self.env = env
        self.running: list[tuple[subprocess.Popen, Path]] = []

    def run(self, *args: str) -> str:
        done = subprocess.run([str(BIN / args[0]), *args[1:]], env=self.env, cwd=self.workdir,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, f"{args}: {done.stdout}\n{done.stderr}"
        return done.stdout

    def start(self, name: str, *args: str) -> tuple[subprocess.Popen, Path]:
        log = self.workdir / f"{name}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen([str(BIN / args[0]), *args[1:]], env=self.env,
                                    cwd=self.workdir, stdout=out, stderr=subprocess.STDOUT,
                                    start_new_session=True)
        self.running.append((proc, log))
        return proc, log

    @staticmethod
    def stop(proc: subprocess.Popen, timeout: float = 10) -> int:
        """SIGTERM the process group, wait, SIGKILL what is left; the group must be empty."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
        # gunicorn's workers are in the master's group: give them a moment, then make sure.
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                os.killpg(proc.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)
        else:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            raise AssertionError(f"processes of {proc.args[0]} survived SIGTERM")
        return proc.returncode

    def stop_all(self) -> None:
        errors = []
        for proc, _log in reversed(self.running):
            try:
                self.stop(proc)
            except AssertionError as error:
                errors.append(str(error))
        self.running.clear()
        assert not errors, errors


class Browser:
    """urllib with a cookie jar: what a browser without JavaScript (plus htmx's headers) sends."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def request(self, path: str, data: dict | None = None, headers: dict | None = None):
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body, headers=headers or {})
        try:
            with self.opener.open(req, timeout=15) as response:
                return response.status, response.geturl(), dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.geturl(), dict(error.headers), error.read()


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)[1]


def _first_option(html: str, select: str) -> str:
    block = re.search(rf'<select[^>]*name="{select}"[^>]*>(.*?)</select>', html, re.S)[1]
    return next(v for v in re.findall(r'<option[^>]*value="([^"]*)"', block) if v not in ("", "0"))


@pytest.fixture
def deploy_db() -> Iterator[str]:
    name = f"qwt_deploy_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    _pg_admin(f'CREATE DATABASE "{name}"')
    try:
        yield _pg_url(name)
    finally:
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_gunicorn_and_scheduler_on_postgresql(deploy_db, tmp_path):
    if not (BIN / "gunicorn").exists():
        if REQUIRE_POSTGRES:
            pytest.fail("gunicorn is not installed (pip install -e '.[dev]')")
        pytest.skip("gunicorn is not installed")
    port = _free_port()
    six_hours_ago = datetime.now(UTC) - timedelta(hours=6)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("QUICKWIN_") and k not in ("DATABASE_URL", "SECRET_KEY")}
    env.update(
        DATABASE_URL=deploy_db,
        SECRET_KEY="smoke-" + uuid.uuid4().hex,
        QUICKWIN_INSTANCE_PATH=str(tmp_path / "instance"),
        QUICKWIN_BASE_URL=f"http://127.0.0.1:{port}",
        QUICKWIN_SECURE_COOKIES="0",
        QUICKWIN_SCHEDULER_POLL_SECONDS="1",
        QUICKWIN_OUTBOX_INTERVAL_SECONDS="2",
        QUICKWIN_MENTION_INTERVAL_SECONDS="2",
        # The daily and weekly jobs last fired 6 hours ago (and fire next in 18 hours, not during
        # the test): the first scheduler catches each of them up once, at start.
        QUICKWIN_TIMEZONE="UTC",
        QUICKWIN_REMINDER_TIME=f"{six_hours_ago:%H:%M}",
        QUICKWIN_STATUS_REFRESH_TIME=f"{six_hours_ago:%H:%M}",
        QUICKWIN_DIGEST_DAY=f"{six_hours_ago:%a}".lower(),
        QUICKWIN_DIGEST_TIME=f"{six_hours_ago:%H:%M}",
        QUICKWIN_CATCHUP_HOURS="12",
        PYTHONUNBUFFERED="1",
    )
    procs = Processes(tmp_path, env)
    engine = sa.create_engine(deploy_db.replace("postgresql://", "postgresql+psycopg://", 1)
                              if deploy_db.startswith("postgresql://") else deploy_db)
    try:
        # ------------------------------------------------------------ install steps
        procs.run("quickwin", "db", "upgrade")
        procs.run("quickwin", "create-unit", "DISKOMINFO", "--name", "Dinas Kominfo")
        procs.run("quickwin", "create-user", "admin@balikpapan.go.id", "--name", "Admin",
                  "--role", "admin", "--password", PASSWORD)
        # The unit's head: only managers (and admins) move a card out of "proposed".
        procs.run("quickwin", "create-user", "kepala@balikpapan.go.id", "--name", "Kepala Kominfo",
                  "--role", "manager", "--unit", "DISKOMINFO", "--password", PASSWORD)

        # ------------------------------------------------------------ services
        web, web_log = procs.start(
            "gunicorn", "gunicorn", "--workers", "2", "--no-control-socket",
            "--bind", f"127.0.0.1:{port}", "--graceful-timeout", "5", "quickwin_tracker.wsgi:app")
        first, first_log = procs.start("scheduler-1", "quickwin", "scheduler")
        base = f"http://127.0.0.1:{port}"

        def healthy():
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as response:
                    return response.status == 200 and json.loads(response.read())
            except OSError:
                return False

        health = _wait_for("gunicorn to answer /healthz", healthy, 20, [web])
        assert health == {"status": "ok", "database": "ok"}

        # ------------------------------------------------------------ HTTP smoke test
        browser = Browser(base)
        status, _url, _h, body = browser.request("/auth/login")
        page = body.decode()
        assert status == 200
        assert '<html lang="id"' in page and "Masuk" in page
        status, url, _h, body = browser.request("/auth/login", {
            "email": "kepala@balikpapan.go.id", "password": PASSWORD, "csrf_token": _csrf(page)})
        assert status == 200 and url.endswith("/board/"), (status, url)
        status, _url, _h, body = browser.request("/board/")
        board = body.decode()
        assert status == 200 and "Kepala Kominfo" in board

        # A versioned static file, cached for a year.
        css = re.search(r'href="(/static/css/app\.css\?v=[0-9a-f]{12})"', board)[1]
        status, _url, headers, _body = browser.request(css)
        assert status == 200
        assert "immutable" in headers["Cache-Control"] and "max-age=31536000" in headers["Cache-Control"]

        status, _url, _h, body = browser.request("/initiatives/new")
        form = body.decode()
        assert status == 200
        status, url, _h, body = browser.request("/initiatives/new", {
            "csrf_token": _csrf(form), "title": "Antrean daring Disdukcapil",
            "benefit": "Warga tidak perlu antre sejak subuh.",
            "dimension": _first_option(form, "dimension"), "unit": _first_option(form, "unit"),
            "owner": _first_option(form, "owner"), "target_date": "2027-03-01", "version": ""})
        assert status == 200, body.decode()[:2000]
        initiative_id = int(re.search(r"/initiatives/(\d+)$", url)[1])
        detail = body.decode()
        assert "Antrean daring Disdukcapil" in detail

        status, _url, _h, body = browser.request(
            f"/board/cards/{initiative_id}/move",
            {"stage": "in_progress", "after": "top", "version": "1"},
            headers={"HX-Request": "true", "X-CSRFToken": _csrf(detail)})
        assert status == 200, body.decode()[:2000]
        status, _url, _h, body = browser.request(f"/initiatives/{initiative_id}")
        assert status == 200 and "memindahkannya dari" in body.decode()
        # Without the CSRF header the same move is refused.
        status, *_ = browser.request(f"/board/cards/{initiative_id}/move",
                                     {"stage": "pilot", "after": "top", "version": "2"},
                                     headers={"HX-Request": "true"})
        assert status == 400

        # ------------------------------------------------------------ one scheduler leads
        def job_runs():
            with engine.connect() as conn:
                return conn.execute(sa.text(
                    "SELECT job, slot, finished_at IS NOT NULL FROM job_run ORDER BY job")).all()

        _wait_for("the first scheduler to catch up", lambda: (
            len(job_runs()) == SLOTTED_JOBS and all(done for *_, done in job_runs())), 20, [first])
        second, second_log = procs.start("scheduler-2", "quickwin", "scheduler")
        _wait_for("the second scheduler to stand by",
                  lambda: "standing by" in second_log.read_text(), 15, [second])
        with engine.connect() as conn:
            holders = conn.scalar(sa.text(
                "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
                "WHERE l.locktype = 'advisory' AND l.granted AND d.datname = current_database()"))
        assert holders == 1
        runs = job_runs()
        assert len(runs) == len({(job, slot) for job, slot, _ in runs}) == SLOTTED_JOBS
        assert "catching up" in first_log.read_text()
        assert "catching up" not in second_log.read_text()

        # The leader stops (as on `systemctl stop`): the standby takes over, runs nothing twice.
        assert Processes.stop(first) == 0
        assert "scheduler stopped" in first_log.read_text()
        _wait_for("the standby to take over",
                  lambda: "advisory lock" in second_log.read_text()
                  and "taken" in second_log.read_text(), 15, [second])
        time.sleep(1)
        assert job_runs() == runs
        assert "catching up" not in second_log.read_text()

        # ------------------------------------------------------------ clean shutdown
        assert Processes.stop(web) == 0, web_log.read_text()
        assert Processes.stop(second) == 0
    except BaseException:
        for _proc, log in procs.running:
            print(f"----- {log.name}\n{log.read_text()[-4000:]}")
        raise
    finally:
        procs.stop_all()
        engine.dispose()


def test_the_smoke_test_counts_every_slotted_job():
    from quickwin_tracker.scheduler.registry import JOBS

    assert sum(1 for _target, trigger in JOBS.values() if trigger.slotted) == SLOTTED_JOBS
