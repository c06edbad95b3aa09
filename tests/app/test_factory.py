"""The application factory and configuration."""

import stat

import pytest
import sqlalchemy as sa

from quickwin_tracker import create_app
from quickwin_tracker.config import ConfigError, normalise_database_url
from quickwin_tracker.extensions import db


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for name in ("DATABASE_URL", "SECRET_KEY", "QUICKWIN_TIMEZONE", "QUICKWIN_BASE_URL",
                 "QUICKWIN_SMTP_SECURITY", "QUICKWIN_BOARD_PAGE_SIZE", "QUICKWIN_BOARD_FIRST_PAINT_CARDS"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def make(tmp_path, **config):
    app = create_app({"TESTING": True, **config})
    return app


@pytest.mark.parametrize(
    "given, expected",
    [
        ("postgres://u:p@h/db", "postgresql+psycopg://u:p@h/db"),
        ("postgresql://u@h:5432/db", "postgresql+psycopg://u@h:5432/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:////tmp/x.sqlite3", "sqlite:////tmp/x.sqlite3"),
    ],
)
def test_database_urls_are_normalised(given, expected):
    assert normalise_database_url(given) == expected


def test_defaults(clean_env, monkeypatch):
    monkeypatch.setattr("flask.Flask.instance_path", str(clean_env / "inst"), raising=False)
    app = create_app({"TESTING": True})
    assert app.config["TIMEZONE"] == "Asia/Makassar"
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("quickwin.sqlite3")
    assert app.config["BABEL_DEFAULT_LOCALE"] == "id"
    assert app.config["SESSION_COOKIE_HTTPONLY"] and app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_environment_is_read(clean_env, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db.example/quickwin")
    monkeypatch.setenv("QUICKWIN_TIMEZONE", "Asia/Jakarta")
    monkeypatch.setenv("QUICKWIN_BASE_URL", "https://quickwin.balikpapan.go.id/")
    monkeypatch.setenv("SECRET_KEY", "from-env")
    app = create_app({"TESTING": True})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example/quickwin"
    assert app.config["TIMEZONE"] == "Asia/Jakarta"
    assert app.config["BASE_URL"] == "https://quickwin.balikpapan.go.id"
    assert app.config["SECRET_KEY"] == "from-env"


def test_secret_key_is_generated_once_and_kept(clean_env, monkeypatch):
    monkeypatch.setattr("flask.Flask.auto_find_instance_path", lambda self: str(clean_env / "inst"))
    first = create_app({"TESTING": True}).config["SECRET_KEY"]
    second = create_app({"TESTING": True}).config["SECRET_KEY"]
    key_file = clean_env / "inst" / "secret_key"
    assert first == second == key_file.read_text().strip()
    assert len(first) >= 40
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


@pytest.mark.parametrize(
    "env, value",
    [("QUICKWIN_TIMEZONE", "Mars/Olympus"), ("QUICKWIN_SMTP_SECURITY", "tls-ish"),
     ("QUICKWIN_BOARD_PAGE_SIZE", "many"), ("QUICKWIN_BOARD_PAGE_SIZE", "0"),
     ("QUICKWIN_BOARD_FIRST_PAINT_CARDS", "-5"), ("QUICKWIN_BOARD_FIRST_PAINT_CARDS", "lots")],
)
def test_bad_configuration_fails_at_start_with_its_name(clean_env, monkeypatch, env, value):
    monkeypatch.setenv(env, value)
    with pytest.raises(ConfigError, match=env):
        create_app({"TESTING": True})


def test_sqlite_runs_with_foreign_keys_and_wal(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with db.engine.connect() as conn:
        assert conn.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"


def test_no_scheduler_or_connection_at_import_or_factory(clean_env, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/nothing")
    app = create_app({"TESTING": True})  # must not connect anywhere
    assert "apscheduler" not in " ".join(app.extensions)


def test_security_headers_and_no_inline_script(client, make_user, auth):
    auth.login(make_user("staff"))
    response = client.get("/board/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    html = response.get_data(as_text=True)
    import re

    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "inline <script> found"
    assert " on" + "click=" not in html and 'style="' not in html
