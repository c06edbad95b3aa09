"""Absolute links for emails, built without a request (jobs and the CLI have none)."""

from __future__ import annotations

from typing import Any

from flask import current_app


def app_path(endpoint: str, **values: Any) -> str:
    """The path of ``endpoint`` (e.g. ``/initiatives/3``), in or outside a request.

    Raises ``werkzeug.routing.BuildError`` when the endpoint does not exist.
    """
    adapter = current_app.extensions.get("quickwin_url_adapter")
    if adapter is None:  # bound once per app: a digest builds thousands of links
        adapter = current_app.extensions["quickwin_url_adapter"] = current_app.url_map.bind(
            "localhost", script_name="/")
    return adapter.build(endpoint, values, force_external=False)


def app_url(endpoint: str, **values: Any) -> str:
    """``QUICKWIN_BASE_URL`` + the endpoint's path: what every link in an email uses."""
    return current_app.config["BASE_URL"] + app_path(endpoint, **values)
