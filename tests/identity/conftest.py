"""Fixtures for the identity tests: a real OpenLDAP directory (once per session) and a real
OpenID provider (per test), both on 127.0.0.1 (``servers.py``); units the rules name."""

from __future__ import annotations

import json

import pytest

from quickwin_tracker.extensions import db
from quickwin_tracker.models import Unit
from tests.identity import servers

RULES = {
    "rules": [
        {"group": "bpk-diskominfo-kepala", "role": "manager", "unit": "DISKOMINFO"},
        {"group": "bpk-dlh-staf", "role": "staff", "unit": "DLH"},
    ],
    "default": {"role": "reviewer", "unit": None},
}


@pytest.fixture(scope="session")
def ldap_directory(tmp_path_factory):
    servers.need_slapd()
    with servers.running_slapd(tmp_path_factory.mktemp("slapd")) as directory:
        yield directory


@pytest.fixture
def oidc_provider(monkeypatch):
    # The provider serves plain http on 127.0.0.1; Authlib's server side refuses that without
    # this (the app's client side does not look at it).
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")
    with servers.running_provider() as provider:
        yield provider


@pytest.fixture
def units(app):
    made = {code: Unit(code=code, name=name) for code, name in (
        ("DISKOMINFO", "Dinas Komunikasi dan Informatika"), ("DLH", "Dinas Lingkungan Hidup"))}
    db.session.add_all(made.values())
    db.session.commit()
    return made


def rules_json(rules=None) -> str:
    return json.dumps(RULES if rules is None else rules)
