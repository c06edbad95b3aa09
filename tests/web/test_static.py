"""Static files: content-hashed URLs (``?v=<sha256[:12]>``), a year's cache for those, a short one
otherwise; and ``QUICKWIN_INSTANCE_PATH``."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from flask import url_for

from quickwin_tracker import create_app
from quickwin_tracker.web.assets import LONG_MAX_AGE, hash_static_folder
from tests.conftest import base_config

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "static"
ASSETS = ["css/app.css", "js/app.js", "vendor/htmx-2.0.11.min.js", "vendor/Sortable-1.15.7.min.js"]


def sha12(relative: str) -> str:
    return hashlib.sha256((STATIC / relative).read_bytes()).hexdigest()[:12]


@pytest.fixture
def static_app(tmp_path):
    return create_app(base_config(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'x.sqlite3'}"))


def test_url_for_static_carries_the_content_hash(static_app):
    with static_app.test_request_context():
        for name in ASSETS:
            assert url_for("static", filename=name) == f"/static/{name}?v={sha12(name)}"
        # An explicit version is kept; unknown files get none.
        assert url_for("static", filename="css/app.css", v="x") == "/static/css/app.css?v=x"
        assert url_for("static", filename="nope.css") == "/static/nope.css"


def test_hashes_follow_the_content(tmp_path):
    (tmp_path / "css").mkdir()
    (tmp_path / "css" / "a.css").write_text("body{}")
    (tmp_path / ".hidden").write_text("x")
    first = hash_static_folder(tmp_path)
    assert first == {"css/a.css": hashlib.sha256(b"body{}").hexdigest()[:12]}
    (tmp_path / "css" / "a.css").write_text("body{color:red}")
    assert hash_static_folder(tmp_path)["css/a.css"] != first["css/a.css"]
    assert hash_static_folder(tmp_path / "missing") == {}


def test_versioned_request_is_cached_for_a_year(static_app):
    client = static_app.test_client()
    response = client.get(f"/static/css/app.css?v={sha12('css/app.css')}")
    assert response.status_code == 200
    cache = response.cache_control
    assert cache.public and cache.immutable and cache.max_age == LONG_MAX_AGE
    assert not cache.no_cache
    assert "Expires" not in response.headers
    assert response.data == (STATIC / "css/app.css").read_bytes()
    response.close()


@pytest.mark.parametrize("query", ["", "?v=000000000000"])
def test_unversioned_or_stale_request_is_cached_briefly(static_app, query):
    response = static_app.test_client().get(f"/static/js/app.js{query}")
    assert response.status_code == 200
    cache = response.cache_control
    assert cache.public and not cache.immutable
    assert cache.max_age == 300
    response.close()


def test_conditional_request_keeps_the_headers(static_app):
    client = static_app.test_client()
    url = f"/static/js/app.js?v={sha12('js/app.js')}"
    first = client.get(url)
    etag = first.headers["ETag"]
    first.close()
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.cache_control.immutable and again.cache_control.max_age == LONG_MAX_AGE


def test_other_responses_are_untouched(static_app):
    response = static_app.test_client().get("/healthz")
    assert "immutable" not in response.headers.get("Cache-Control", "")
    assert static_app.test_client().get("/static/nope.css").status_code == 404


def test_pages_link_versioned_assets(client):
    html = client.get("/auth/login").get_data(as_text=True)
    for name in ASSETS:
        assert f"/static/{name}?v={sha12(name)}" in html, name
    assert not re.search(r'/static/[^"?]+"', html), "an unversioned static URL"


def test_instance_path_from_the_environment(tmp_path, monkeypatch):
    instance = tmp_path / "srv" / "instance"
    monkeypatch.setenv("QUICKWIN_INSTANCE_PATH", str(instance))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    app = create_app({"TESTING": True})
    assert app.instance_path == str(instance)
    assert (instance / "secret_key").is_file()  # created there, as is the SQLite database
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance / 'quickwin.sqlite3'}"


def test_instance_path_defaults_to_flask_s_choice(monkeypatch):
    monkeypatch.delenv("QUICKWIN_INSTANCE_PATH", raising=False)
    app = create_app(base_config(SQLALCHEMY_DATABASE_URI="sqlite://"))
    assert app.instance_path == str(ROOT / "instance")
