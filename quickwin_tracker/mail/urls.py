"""Absolute links for emails, built without a request (jobs and the CLI have none).

``app_url`` is what every link in an email uses (templates get it as ``app_url(...)``, planners
call it when they build a plan's context); ``app_path`` is its path part, bound once per app.
"""

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


def app_url(endpoint: str, _anchor: str | None = None, **values: Any) -> str:
    """``QUICKWIN_BASE_URL`` + the endpoint's path, plus ``#_anchor`` when given (as ``url_for``)."""
    url = current_app.config["BASE_URL"] + app_path(endpoint, **values)
    return f"{url}#{_anchor}" if _anchor else url
