"""CSRF is on for every state-changing request, htmx ones included (token in a header)."""

import re

import pytest

from tests.conftest import PASSWORD


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


def token_from(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'"X-CSRFToken": "([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def test_login_without_token_is_refused(client, make_user):
    user = make_user("staff")
    response = client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 422 or response.status_code == 400
    assert "_user_id" not in (client.get_cookie("session") and {} or {})


def test_token_in_form_and_in_htmx_header(client, make_user, make_initiative):
    user = make_user("manager")
    initiative = make_initiative(user.unit, stage="approved")
    page = client.get("/auth/login").get_data(as_text=True)
    response = client.post("/auth/login", data={"email": user.email, "password": PASSWORD,
                                                "csrf_token": token_from(page)})
    assert response.status_code == 303
    board = client.get("/board/").get_data(as_text=True)
    header_token = re.search(r'data-hx-headers=\'\{"X-CSRFToken": "([^"]+)"\}\'', board).group(1)
    move = {"stage": "in_progress", "after": "top", "version": "1"}
    refused = client.post(f"/board/cards/{initiative.id}/move", data=move,
                          headers={"HX-Request": "true"})
    assert refused.status_code == 400
    accepted = client.post(f"/board/cards/{initiative.id}/move", data=move,
                           headers={"HX-Request": "true", "X-CSRFToken": header_token})
    assert accepted.status_code == 200
    assert client.post("/auth/logout").status_code == 400  # logout is protected too
