"""The board in a real browser: headless Chromium (Playwright, sync API) against a real server.

For each size: a private copy of the seeded database is served by a server process (gunicorn with
one worker, as ``wsgi.py`` is deployed, or Werkzeug's threaded server when gunicorn is not
installed), a manager signs in through the login form, then ``/board/`` is loaded ``runs`` times
after one warm-up load. Per load it reads, from the page itself:

- the time to the ``load`` event: ``performance.getEntriesByType('navigation')[0].loadEventEnd``
  (from the start of the navigation: request, HTML, styles, scripts, layout);
- the DOM size: ``document.getElementsByTagName('*').length``.

The warm-up leaves styles and scripts in the browser's cache, as for a person who opens the board
again. Targets (issue 12): the load event under 300 ms and fewer than 3,000 elements.

``python -m benchmarks.browser serve DB PORT`` is the Werkzeug fallback server (a child process).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .harness import Table

CHROMIUM = os.environ.get("QUICKWIN_CHROMIUM") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
LOAD_TARGET_MS = 300
ELEMENTS_TARGET = 3000
ROOT = Path(__file__).resolve().parent.parent

LOAD_END = "performance.getEntriesByType('navigation')[0].loadEventEnd"
ELEMENTS = "document.getElementsByTagName('*').length"


def missing() -> str | None:
    """Why the browser measure cannot run here, or None."""
    if importlib.util.find_spec("playwright") is None:
        return "Playwright is not installed (pip install -e '.[dev]')"
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return f"no Chromium at {CHROMIUM} (apt-get install -y chromium, or set QUICKWIN_CHROMIUM)"
    return None


@dataclass
class BrowserResult:
    n: int
    loads_ms: list[float]
    elements: int
    cards: int

    @property
    def median_ms(self) -> float:
        return statistics.median(self.loads_ms)

    @property
    def misses(self) -> list[str]:
        """The targets missed: "load", "elements"."""
        return ([] if self.median_ms < LOAD_TARGET_MS else ["load"]) + \
            ([] if self.elements < ELEMENTS_TARGET else ["elements"])

    @property
    def ok(self) -> bool:
        return not self.misses


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_command(database: Path, port: int) -> tuple[list[str], str]:
    if importlib.util.find_spec("gunicorn") is not None:
        return ([sys.executable, "-m", "gunicorn", "--workers", "1", "--threads", "4",
                 "--bind", f"127.0.0.1:{port}", "--no-control-socket", "--log-level", "warning",
                 "quickwin_tracker.wsgi:app"], "gunicorn, 1 worker × 4 threads")
    return ([sys.executable, "-m", "benchmarks.browser", "serve", str(database), str(port)],
            "Werkzeug threaded server")


@contextlib.contextmanager
def served(database: Path, work: Path) -> Iterator[tuple[str, str]]:
    """(base URL, server description): a server process on ``database`` until the block ends."""
    port = _free_port()
    command, description = _server_command(database, port)
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "SECRET_KEY": "bench",
           "QUICKWIN_BASE_URL": f"http://127.0.0.1:{port}", "PYTHONPATH": str(ROOT)}
    # ``work`` as the working directory: no developer's .env is read (wsgi.py loads one).
    proc = subprocess.Popen(command, cwd=work, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the server exited: {proc.stderr.read()[-2000:]}")
            try:
                urllib.request.urlopen(f"{url}/healthz", timeout=2).read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("the server did not answer within 30 s") from None
                time.sleep(0.1)
        yield url, description
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def measure_board(base_url: str, email: str, password: str, runs: int,
                  browser: Any = None) -> tuple[list[float], int, int]:
    """(load times in ms, DOM elements, cards) of ``runs`` loads of ``/board/`` after a warm-up,
    signed in as ``email`` through the login form, in a new context of ``browser`` (a Playwright
    Browser, e.g. pytest-playwright's) or of a Chromium launched here."""
    if browser is None:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                return measure_board(base_url, email, password, runs, launched)
            finally:
                launched.close()

    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="id-ID",
                                  timezone_id="Asia/Makassar")
    try:
        page = context.new_page()
        page.goto(f"{base_url}/auth/login")
        page.locator("#email").fill(email)
        page.locator("#password").fill(password)
        page.locator("button[type=submit].primary").click()
        page.wait_for_url("**/board/**")
        loads: list[float] = []
        elements = cards = 0
        for i in range(runs + 1):  # the first load warms the cache and is not counted
            page.goto(f"{base_url}/board/", wait_until="load")
            page.wait_for_function(f"{LOAD_END} > 0")
            if i:
                loads.append(page.evaluate(LOAD_END))
            elements = page.evaluate(ELEMENTS)
            cards = page.evaluate("document.querySelectorAll('[data-initiative-id]').length")
    finally:
        context.close()
    return loads, elements, cards


def run_browser(seeded: dict[int, Path], email: str, password: str, runs: int,
                work: Path | None = None, browser: Any = None) -> tuple[list[BrowserResult], str]:
    """Measures the board for every (size, seeded database); returns the results and the server
    used. Each size is served from its own copy of the database. ``browser``: see
    ``measure_board``."""
    own = work is None
    work = work or Path(tempfile.mkdtemp(prefix="quickwin-browser-"))
    results = []
    description = ""
    try:
        for n, database in sorted(seeded.items()):
            print(f"· browser, {n} initiatives", file=sys.stderr, flush=True)
            copy = work / f"browser-{n}-{time.monotonic_ns()}.sqlite3"
            shutil.copyfile(database, copy)
            _upgrade(copy)  # a database kept in --cache-dir may predate a migration
            with served(copy, work) as (url, description):
                loads, elements, cards = measure_board(url, email, password, runs, browser)
            results.append(BrowserResult(n, loads, elements, cards))
    finally:
        if own:
            shutil.rmtree(work, ignore_errors=True)
    return results, description


def _upgrade(database: Path) -> None:
    from flask_migrate import upgrade

    from quickwin_tracker import create_app
    from quickwin_tracker.extensions import db

    from .scenarios import _config

    app = create_app(_config(database))
    with app.app_context():
        upgrade()
        db.session.remove()
        db.engine.dispose()


def render(results: list[BrowserResult], runs: int, server: str) -> str:
    table = Table(["board in headless Chromium", "N", "load median", "min", "max", "DOM elements",
                   "cards", "target", "result"])
    for r in results:
        table.add("GET /board/ to the load event", r.n, f"{r.median_ms:.0f}", f"{min(r.loads_ms):.0f}",
                  f"{max(r.loads_ms):.0f}", f"{r.elements:,}", f"{r.cards:,}",
                  f"< {LOAD_TARGET_MS} ms, < {ELEMENTS_TARGET:,}",
                  "PASS" if r.ok else f"FAIL ({', '.join(r.misses)})")
    return (f"Browser: Chromium at {CHROMIUM}, served by {server}, median of {runs} loads after a "
            f"warm-up (times in ms)\n{table.render()}")


def _serve(database: str, port: int) -> None:
    """The fallback server: Werkzeug, threaded, in this (child) process."""
    import logging

    from werkzeug.serving import make_server

    from quickwin_tracker import create_app
    from quickwin_tracker.web.runtime import tune_gc

    logging.disable(logging.INFO)
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    app = create_app()
    tune_gc()
    make_server("127.0.0.1", port, app, threaded=True).serve_forever()


if __name__ == "__main__":  # ``python -m benchmarks.browser serve DB PORT``
    if sys.argv[1:2] != ["serve"] or len(sys.argv) != 4:
        sys.exit("usage: python -m benchmarks.browser serve DB PORT")
    _serve(sys.argv[2], int(sys.argv[3]))
