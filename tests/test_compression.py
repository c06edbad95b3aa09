"""Gzip for text responses (``quickwin_tracker/compression.py``)."""

from __future__ import annotations

import gzip

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
        return response

    return app


def test_large_text_is_gzipped_when_accepted(routes, client):
    response = client.get("/_test/big", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert "HX-Request" in response.headers["Vary"]  # the other Vary survives
    body = gzip.decompress(response.data).decode()
    assert body.startswith("<p>Balikpapan") and len(body) > 5000
    assert int(response.headers["Content-Length"]) == len(response.data) < 1000


def test_not_gzipped_without_accept_encoding(routes, client):
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


def test_strong_etag_becomes_weak_when_gzipped(routes, client):
    plain = client.get("/_test/etag")
    assert plain.headers["ETag"] == '"v1"'
    zipped = client.get("/_test/etag", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert zipped.headers["ETag"] == 'W/"v1"'


def test_the_board_is_served_gzipped(app, client, auth, make_user, make_initiative):
    user = make_user("manager")
    for _ in range(5):
        make_initiative(unit=user.unit)
    auth.login(user)
    response = client.get("/board/", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert b'data-initiative-id="' in gzip.decompress(response.data)
    assert "Accept-Encoding" in response.headers["Vary"]


def test_head_and_304_are_not_compressed(routes, client):
    head = client.head("/_test/big", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in head.headers
