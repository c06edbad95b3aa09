"""Configuration: safe defaults, overridden by the environment, overridden by a test mapping.

Operators set the names they expect (``DATABASE_URL``, ``SECRET_KEY``) and ``QUICKWIN_*`` for the
app's own settings. Every name is documented in README.md and ``.env.example``.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Flask


class ConfigError(RuntimeError):
    """A configuration value is missing or invalid; raised at start-up, never at request time."""


def normalise_database_url(url: str) -> str:
    """Make hosted-style URLs explicit about the driver we ship (psycopg 3).

    ``postgres://`` (handed out by some hosts) and a bare ``postgresql://`` both become
    ``postgresql+psycopg://``; anything else is returned unchanged.
    """
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from exc


def _secret_key(instance_path: Path) -> str:
    """Return SECRET_KEY from the environment or from a file generated once in the instance folder."""
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    key = secrets.token_urlsafe(48)
    # Create the file readable by its owner only; a concurrent start-up keeps whichever won.
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return key_file.read_text().strip()
    with os.fdopen(fd, "w") as f:
        f.write(key)
    return key


def load_config(app: Flask, test_config: dict[str, Any] | None) -> None:
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    test_config = dict(test_config or {})

    app.config.from_mapping(
        SQLALCHEMY_DATABASE_URI=normalise_database_url(
            os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'quickwin.sqlite3'}"
        ),
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
        TIMEZONE=os.environ.get("QUICKWIN_TIMEZONE", "Asia/Makassar"),
        BASE_URL=os.environ.get("QUICKWIN_BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
        BABEL_DEFAULT_LOCALE="id",
        LANGUAGES=("id", "en"),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=_env_bool("QUICKWIN_SECURE_COOKIES", False),
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=_env_bool("QUICKWIN_SECURE_COOKIES", False),
        REMEMBER_COOKIE_DURATION=60 * 60 * 24 * _env_int("QUICKWIN_REMEMBER_DAYS", 14),
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
        BOARD_PAGE_SIZE=_env_int("QUICKWIN_BOARD_PAGE_SIZE", 200),
        # Mail (used by the outbox; no host means mail stays in the outbox).
        SMTP_HOST=os.environ.get("QUICKWIN_SMTP_HOST", ""),
        SMTP_PORT=_env_int("QUICKWIN_SMTP_PORT", 25),
        SMTP_USER=os.environ.get("QUICKWIN_SMTP_USER", ""),
        SMTP_PASSWORD=os.environ.get("QUICKWIN_SMTP_PASSWORD", ""),
        SMTP_SECURITY=os.environ.get("QUICKWIN_SMTP_SECURITY", "none"),
        MAIL_FROM=os.environ.get("QUICKWIN_MAIL_FROM", "Quick-Win Tracker <quickwin@localhost>"),
        MAIL_REPLY_TO=os.environ.get("QUICKWIN_MAIL_REPLY_TO", ""),
    )
    if "SECRET_KEY" not in test_config:
        app.config["SECRET_KEY"] = _secret_key(instance)
    if "SQLALCHEMY_DATABASE_URI" in test_config:
        test_config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(
            test_config["SQLALCHEMY_DATABASE_URI"]
        )
    app.config.update(test_config)
    _validate(app)


def _validate(app: Flask) -> None:
    try:
        ZoneInfo(app.config["TIMEZONE"])
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(
            f"QUICKWIN_TIMEZONE={app.config['TIMEZONE']!r} is not a known IANA time zone"
        ) from exc
    if app.config["SMTP_SECURITY"] not in {"none", "starttls", "ssl"}:
        raise ConfigError("QUICKWIN_SMTP_SECURITY must be one of: none, starttls, ssl")
    if not app.config.get("SECRET_KEY"):
        raise ConfigError("SECRET_KEY is empty")
