"""Which address links in emails and calendars start with (``mail.urls.base_url``):
``QUICKWIN_BASE_URL`` when set; else the address a request came to; else, outside a request
(scheduler, CLI), the one ``quickwin run`` serves on (``FLASK_RUN_HOST``/``FLASK_RUN_PORT``),
with a warning in the log."""

from __future__ import annotations

import logging

import pytest

from quickwin_tracker.mail.outbox import render_email
from quickwin_tracker.mail.urls import app_url, base_url


@pytest.fixture
def unset(app, monkeypatch):
    """No ``QUICKWIN_BASE_URL``, no ``FLASK_RUN_*``; warnings not yet given."""
    monkeypatch.setitem(app.config, "BASE_URL", "")
    monkeypatch.delenv("FLASK_RUN_HOST", raising=False)
    monkeypatch.delenv("FLASK_RUN_PORT", raising=False)
    app.extensions.pop("quickwin_base_url_warned", None)
    yield
    app.extensions.pop("quickwin_base_url_warned", None)


def test_outside_a_request_links_use_the_served_port_and_warn_once(app, unset, monkeypatch,
                                                                  caplog):
    monkeypatch.setenv("FLASK_RUN_PORT", "8123")
    with caplog.at_level(logging.WARNING, logger="quickwin_tracker.mail.urls"):
        assert app_url("board.index") == "http://127.0.0.1:8123/board/"
        assert base_url() == "http://127.0.0.1:8123"
    warnings = [r for r in caplog.records if "QUICKWIN_BASE_URL is not set" in r.getMessage()]
    assert len(warnings) == 1 and "http://127.0.0.1:8123" in warnings[0].getMessage()


@pytest.mark.parametrize(("host", "port", "expected"), [
    (None, None, "http://127.0.0.1:5000"),  # ``quickwin run``'s defaults
    ("0.0.0.0", "8000", "http://127.0.0.1:8000"),  # listening everywhere: this machine
    ("quickwin.lan", "8080", "http://quickwin.lan:8080"),
    ("::1", "8000", "http://[::1]:8000"),
])
def test_the_served_address_comes_from_flask_run_settings(app, unset, monkeypatch, host, port,
                                                          expected):
    if host:
        monkeypatch.setenv("FLASK_RUN_HOST", host)
    if port:
        monkeypatch.setenv("FLASK_RUN_PORT", port)
    assert base_url() == expected


def test_in_a_request_links_use_the_requests_address(app, unset, caplog):
    with app.test_request_context("/", base_url="http://quickwin.lan:8080/"):
        assert app_url("board.index") == "http://quickwin.lan:8080/board/"
    assert not caplog.records  # nothing guessed


def test_the_configured_address_wins(app, unset, monkeypatch):
    monkeypatch.setitem(app.config, "BASE_URL", "https://quickwin.balikpapan.go.id")
    monkeypatch.setenv("FLASK_RUN_PORT", "8123")
    assert app_url("board.index") == "https://quickwin.balikpapan.go.id/board/"
    with app.test_request_context("/", base_url="http://10.0.0.7:8000/"):  # behind a proxy
        assert base_url() == "https://quickwin.balikpapan.go.id"


def test_an_email_composed_by_a_job_links_to_the_served_port(app, unset, monkeypatch, make_user):
    monkeypatch.setenv("FLASK_RUN_PORT", "8123")
    user = make_user("manager", locale="en")
    email = render_email(to=user, template="test", context={"smtp_host": "x"}, subject="Test",
                         unsubscribe="digest")
    assert "http://127.0.0.1:8123/" in email.text
    assert email.headers["List-Unsubscribe"].startswith(
        "<http://127.0.0.1:8123/preferences/unsubscribe/")


def test_the_calendar_page_shows_feeds_on_the_requests_address(app, unset, auth, client,
                                                               make_user):
    auth.sign_in(make_user("staff", locale="en"))
    html = client.get("/calendar").get_data(as_text=True)  # (the test client's http://localhost/)
    assert 'value="http://localhost/calendar/' in html
    assert "127.0.0.1:5000" not in html
