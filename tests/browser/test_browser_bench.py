"""``make bench``'s browser measure (``benchmarks/browser.py``) runs end to end: a server process
on a copy of the database, a sign-in through the form, timed loads of the board in Chromium."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from benchmarks import browser as measure
from quickwin_tracker import create_app
from quickwin_tracker.extensions import db
from tests.browser.conftest import seed
from tests.conftest import PASSWORD, base_config


def test_the_browser_measure_runs_on_a_tiny_board(database_factories, tmp_path, browser):
    """In pytest-playwright's ``browser`` (Debian's Chromium, see conftest): a second sync
    Playwright cannot start beside it in one process; ``make bench`` launches its own."""
    factory = database_factories("sqlite")
    url = factory.create()
    try:
        app = create_app(base_config(SQLALCHEMY_DATABASE_URI=url))
        with app.app_context():
            data = seed()
            db.session.remove()
            db.engine.dispose()
        database = Path(sa.engine.make_url(url).database)
        results, server = measure.run_browser({6: database}, data.manager, PASSWORD, runs=2,
                                              work=tmp_path, browser=browser)
    finally:
        factory.drop(url)

    [result] = results
    assert result.n == 6 and len(result.loads_ms) == 2
    assert all(0 < ms < 30_000 for ms in result.loads_ms)
    assert result.cards == 6  # the manager sees the whole city's six cards
    assert result.cards < result.elements < measure.ELEMENTS_TARGET
    table = measure.render(results, 2, server)
    assert "GET /board/ to the load event" in table and "< 300 ms, < 3,000" in table
