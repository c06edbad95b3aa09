"""Fixtures for the API: bearer tokens made by the tokens service, and a client that sends one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from quickwin_tracker.extensions import db
from quickwin_tracker.models import TokenScope, User
from quickwin_tracker.tokens.services import issue


@pytest.fixture
def make_token(app) -> Callable[..., str]:
    """``make_token(user, scope="write")``: a new token's secret."""

    def make(user: User, scope: str = TokenScope.WRITE, **kw: Any) -> str:
        _token, secret = issue(user, f"test {user.id}", scope, kw.pop("expires_on", None))
        db.session.commit()
        return secret

    return make


def bearer(secret: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}", **headers}


@pytest.fixture
def api(client, make_token):
    """``api(user, scope)`` -> a callable ``call(method, path, **kw)`` with that person's token."""

    def for_user(user: User, scope: str = TokenScope.WRITE, language: str = "en"):
        secret = make_token(user, scope)

        def call(method: str, path: str, headers: dict[str, str] | None = None, **kw: Any):
            sent = bearer(secret, **{"Accept-Language": language, **(headers or {})})
            return client.open(path, method=method, headers=sent, **kw)

        call.secret = secret
        return call

    return for_user
