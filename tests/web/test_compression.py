"""Compressed answers (Flask-Compress, configured in ``config.py``): text of 1 KB or more in the
best encoding the browser accepts, never binary files, small answers or 304s."""

from __future__ import annotations

import gzip

import brotli
import pytest
from flask import Response


@pytest.fixture
def routes(app):
    @app.get("/_test/big")
    def big():
        return "<p>" + "Balikpapan " * 500 + "</p>"

    @app.get("/_test/small")
    def small():
        return "<p>hello</p>"

    @app.get("/_test/binary")
    def binary():
        return Response(b"\x89PNG" + b"\0" * 5000, mimetype="image/png")

    @app.get("/_test/etag")
    def tagged():
        response = Response("x" * 5000, mimetype="text/plain")
        response.set_etag("v1")
        return response.make_conditional(request_for_etag())

    return app


def request_for_etag():
    from flask import request

    return request


def test_large_text_is_compressed_in_the_encoding_the_browser_prefers(routes, client):
    zipped = client.get("/_test/big", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.data).decode().startswith("<p>Balikpapan")
    assert int(zipped.headers["Content-Length"]) == len(zipped.data) < 1000
    chromium = client.get("/_test/big", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert chromium.headers["Content-Encoding"] == "br"
    assert brotli.decompress(chromium.data).decode().startswith("<p>Balikpapan")
    for response in (zipped, chromium):
        assert "Accept-Encoding" in response.headers["Vary"]
        assert "HX-Request" in response.headers["Vary"]  # the other Vary survives


def test_not_compressed_without_accept_encoding(routes, client):
    response = client.get("/_test/big")
    assert "Content-Encoding" not in response.headers
    assert response.get_data(as_text=True).startswith("<p>Balikpapan")
    assert "Accept-Encoding" in response.headers["Vary"]  # a cache must not serve it to gzip clients
    refused = client.get("/_test/big", headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert "Content-Encoding" not in refused.headers


def test_small_and_binary_responses_are_left_alone(routes, client):
    for url in ("/_test/small", "/_test/binary"):
        response = client.get(url, headers={"Accept-Encoding": "gzip"})
        assert "Content-Encoding" not in response.headers, url


def test_a_compressed_answer_has_its_own_etag(routes, client):
    plain = client.get("/_test/etag")
    zipped = client.get("/_test/etag", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert zipped.headers["ETag"] != plain.headers["ETag"]  # other bytes, another tag


def test_the_board_is_served_compressed(app, client, auth, make_user, make_initiative):
    user = make_user("manager")
    for _ in range(5):
        make_initiative(unit=user.unit)
    auth.login(user)
    response = client.get("/board/", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert b'data-initiative-id="' in gzip.decompress(response.data)
    assert "Accept-Encoding" in response.headers["Vary"]


def test_a_304_is_not_compressed(routes, client):
    etag = client.get("/_test/etag").headers["ETag"]
    not_modified = client.get("/_test/etag", headers={"Accept-Encoding": "gzip",
                                                      "If-None-Match": etag})
    assert not_modified.status_code == 304
    assert "Content-Encoding" not in not_modified.headers
