"""Absolute links for emails and calendars, in or outside a request (jobs and the CLI have none).

``app_url`` is what every link in an email or calendar uses (templates get it as
``app_url(...)``, planners call it when they build a plan's context); ``app_path`` is its path
part, bound once per app; ``base_url`` is the address in front of it:

1. ``QUICKWIN_BASE_URL`` when set (the public address: behind a proxy the request's host may be
   an internal one);
2. else, in a request, the address the request came to (``request.host_url``): a link in an email
   sent from a page works on whatever port ``quickwin run --port 8000`` serves;
3. else (the scheduler, ``digest send``, ``outbox deliver``), the address ``quickwin run`` serves
   on, from Flask's own ``FLASK_RUN_HOST``/``FLASK_RUN_PORT`` (``make run`` sets both for the
   web server and the scheduler; defaults 127.0.0.1 and 5000), with a warning in the log once
   per process: set ``QUICKWIN_BASE_URL`` in production.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from flask import current_app, has_request_context, request

log = logging.getLogger(__name__)

WILDCARD_HOSTS = {"0.0.0.0", "::", "[::]", ""}  # listening everywhere: link to this machine


def served_url() -> str:
    """The address ``quickwin run`` serves on, from ``FLASK_RUN_HOST``/``FLASK_RUN_PORT`` (the
    variables its ``--host``/``--port`` options read); a wildcard host becomes 127.0.0.1."""
    host = os.environ.get("FLASK_RUN_HOST", "127.0.0.1").strip()
    if host in WILDCARD_HOSTS:
        host = "127.0.0.1"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 address
    port = os.environ.get("FLASK_RUN_PORT", "5000").strip() or "5000"
    return f"http://{host}:{port}"


def base_url() -> str:
    """The address links start with (no trailing slash); see the module's docstring."""
    configured = current_app.config.get("BASE_URL") or ""
    if configured:
        return configured
    if has_request_context():
        return request.host_url.rstrip("/")
    guessed = served_url()
    if not current_app.extensions.get("quickwin_base_url_warned"):
        current_app.extensions["quickwin_base_url_warned"] = True
        log.warning("QUICKWIN_BASE_URL is not set: links in emails and calendars made outside a "
                    "request use %s (FLASK_RUN_HOST/FLASK_RUN_PORT). Set QUICKWIN_BASE_URL to the "
                    "address people open.", guessed)
    return guessed


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
    """``base_url()`` + the endpoint's path, plus ``#_anchor`` when given (as ``url_for``)."""
    url = base_url() + app_path(endpoint, **values)
    return f"{url}#{_anchor}" if _anchor else url
