"""GET /healthz: 200 when the database answers, 503 when it does not."""

import time

from quickwin_tracker import create_app


def test_healthy(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_database_down_is_503(tmp_path):
    app = create_app({
        "TESTING": True, "SECRET_KEY": "x",
        "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/nothing",
        "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"connect_timeout": 1}},
    })
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


def test_pages_show_a_friendly_error_when_the_database_is_down():
    app = create_app({
        "TESTING": True, "SECRET_KEY": "x", "PROPAGATE_TEST_ERRORS": False,
        "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/nothing",
        "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"connect_timeout": 1}},
    })
    client = app.test_client()
    with client.session_transaction() as session:
        # A well-formed sign-in id ("<id>:<token>:<signed in at>"), so loading the user needs
        # the database.
        session["_user_id"] = f"1:some-token:{int(time.time())}"
    response = client.get("/board/")
    assert response.status_code == 503
    assert b"<html" in response.data
