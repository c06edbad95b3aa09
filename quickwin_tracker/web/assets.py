"""Static files with content-hashed URLs and long cache lifetimes.

Every ``url_for('static', filename=…)`` gets ``?v=<first 12 hex digits of the file's SHA-256>``
(hashes computed once, when the app is built, for every file under ``static/``). A request that
carries the file's current hash is answered with ``Cache-Control: public, max-age=31536000,
immutable``: a browser or proxy keeps it for a year, and a new release changes the URL. Requests
without a version, or with an old one, get a short lifetime (``STATIC_SHORT_MAX_AGE``, 5 min).

The version is a query string, so the files keep their names on disk and nginx can serve
``static/`` directly (docs/deploy.md, docs/deploy/nginx-quickwin.conf).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from flask import Flask, request
from flask.wrappers import Response

VERSION_ARG = "v"
LONG_MAX_AGE = 365 * 24 * 3600
DEFAULT_SHORT_MAX_AGE = 300


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(65536), b""):
            digest.update(chunk)
    return digest.hexdigest()[:12]


def hash_static_folder(folder: str | os.PathLike[str] | None) -> dict[str, str]:
    """``{"css/app.css": "3f2a…", …}``: posix paths relative to ``folder``."""
    if not folder or not Path(folder).is_dir():
        return {}
    root = Path(folder)
    return {
        path.relative_to(root).as_posix(): file_hash(path)
        for path in sorted(root.rglob("*"))
        if path.is_file() and not path.name.startswith(".")
    }


def init_app(app: Flask) -> None:
    hashes = hash_static_folder(app.static_folder)
    app.extensions["static_hashes"] = hashes
    app.config.setdefault("STATIC_SHORT_MAX_AGE", DEFAULT_SHORT_MAX_AGE)

    @app.url_defaults
    def add_static_version(endpoint: str, values: dict) -> None:
        if endpoint != "static" or VERSION_ARG in values:
            return
        version = hashes.get(str(values.get("filename", "")))
        if version:
            values[VERSION_ARG] = version

    @app.after_request
    def static_cache_headers(response: Response) -> Response:
        if request.endpoint != "static" or response.status_code not in (200, 304):
            return response
        filename = (request.view_args or {}).get("filename", "")
        wanted = request.args.get(VERSION_ARG)
        cache = response.cache_control
        cache.no_cache = None
        cache.public = True
        if wanted and wanted == hashes.get(filename):
            cache.max_age = LONG_MAX_AGE
            cache.immutable = True
        else:
            cache.max_age = int(app.config["STATIC_SHORT_MAX_AGE"])
            cache.immutable = False
        response.headers.pop("Expires", None)
        return response
