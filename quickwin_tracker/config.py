"""Configuration: safe defaults, overridden by the environment, overridden by a test mapping.

Operators set the names they expect (``DATABASE_URL``, ``SECRET_KEY``) and ``QUICKWIN_*`` for the
app's own settings. Every name is documented in README.md and ``.env.example``.
"""

from __future__ import annotations

import os
import re
import secrets
from datetime import timedelta
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


def _env_int(name: str, default: int | None) -> int | None:
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


def _secure_cookies() -> bool:
    """``QUICKWIN_SECURE_COOKIES`` when set; otherwise whether ``QUICKWIN_BASE_URL`` is https."""
    base_url = os.environ.get("QUICKWIN_BASE_URL", "")
    return _env_bool("QUICKWIN_SECURE_COOKIES", base_url.strip().lower().startswith("https://"))


UPLOAD_MARGIN = 1024 * 1024  # bytes allowed beyond EVIDENCE_MAX_BYTES for the rest of a form


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
        # The city's name on the stocktake pack's title block (``review/pack.py``).
        CITY_NAME=os.environ.get("QUICKWIN_CITY_NAME", "Kota Balikpapan"),
        # The pack's PDF font (``review/pack_pdf.py``): Debian's DejaVu Sans; Helvetica without it.
        PDF_FONT=os.environ.get("QUICKWIN_PDF_FONT", ""),
        PDF_FONT_BOLD=os.environ.get("QUICKWIN_PDF_FONT_BOLD", ""),
        # Empty when unset: links then use the request's address, or outside a request the one
        # ``quickwin run`` serves on (``mail.urls.base_url``).
        BASE_URL=os.environ.get("QUICKWIN_BASE_URL", "").strip().rstrip("/"),
        BABEL_DEFAULT_LOCALE="id",
        LANGUAGES=("id", "en"),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # Secure cookies: on by default when the site's address is https:// (see _secure_cookies).
        SESSION_COOKIE_SECURE=_secure_cookies(),
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=_secure_cookies(),
        # Reverse proxies in front of the app (nginx: 1); their X-Forwarded-* headers are trusted.
        PROXY_FIX=_env_int("QUICKWIN_PROXY_FIX", 0),
        # Login throttling (auth/throttle.py), per window: failures per account *and* address
        # together; per account from all addresses (None: 10 times as many); per address for all
        # accounts (None: 4 times as many, for several people behind one office NAT).
        LOGIN_MAX_FAILURES=_env_int("QUICKWIN_LOGIN_MAX_FAILURES", 5),
        LOGIN_ACCOUNT_MAX_FAILURES=_env_int("QUICKWIN_LOGIN_ACCOUNT_MAX_FAILURES", None),
        LOGIN_ADDRESS_MAX_FAILURES=_env_int("QUICKWIN_LOGIN_ADDRESS_MAX_FAILURES", None),
        LOGIN_WINDOW_MINUTES=_env_int("QUICKWIN_LOGIN_WINDOW_MINUTES", 15),
        PASSWORD_RESET_HOURS=_env_int("QUICKWIN_PASSWORD_RESET_HOURS", 2),
        # Password-reset emails per hour, per account and per client address (auth/throttle.py).
        PASSWORD_RESET_MAX_PER_ACCOUNT=_env_int("QUICKWIN_PASSWORD_RESET_MAX_PER_ACCOUNT", 3),
        PASSWORD_RESET_MAX_PER_ADDRESS=_env_int("QUICKWIN_PASSWORD_RESET_MAX_PER_ADDRESS", 10),
        # Sessions (auth/sessions.py): signed out after this many minutes without a request, and
        # a sign-in (remember-me included) ends this many days after the password was typed.
        SESSION_IDLE_MINUTES=_env_int("QUICKWIN_SESSION_IDLE_MINUTES", 60),
        # The second factor (``auth/totp.py``, docs/identity.md): the roles that must have one
        # (comma-separated; empty: optional for everyone), and how many minutes the step between
        # the password and the code (or the enrolment it requires) may take.
        TOTP_REQUIRED_ROLES=os.environ.get("QUICKWIN_TOTP_REQUIRED_ROLES", "admin"),
        TOTP_PENDING_MINUTES=_env_int("QUICKWIN_TOTP_PENDING_MINUTES", 10),
        REMEMBER_DAYS=_env_int("QUICKWIN_REMEMBER_DAYS", 14),
        # Flask-Compress: text answers of 1 KB or more, in the best encoding the browser takes.
        COMPRESS_MIMETYPES=["text/html", "text/css", "text/plain", "text/csv", "text/calendar",
                            "text/javascript", "application/javascript", "application/json",
                            "application/ld+json", "image/svg+xml"],
        COMPRESS_MIN_SIZE=1024,
        # gzip level 3 (Flask-Compress's default is 6): level 6 cost about 5 ms on the 1,000-card
        # board for some 20 % fewer bytes (52 KB against 64 KB); nginx's own default is 1.
        COMPRESS_LEVEL=3,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
        # How many cards a board cell loads at a time as it is scrolled (and the most it shows
        # at first, whatever the density).
        BOARD_PAGE_SIZE=_env_int("QUICKWIN_BOARD_PAGE_SIZE", 30),
        # The cards a cell shows at first in the comfortable density (the compact one shows
        # twice as many): about what its bounded height holds; the rest load as it scrolls.
        BOARD_CELL_FIRST_CARDS=_env_int("QUICKWIN_BOARD_CELL_FIRST_CARDS", 6),
        # The board's first paint shows at most this many cards in all (each cell its share, see
        # ``board.reading.first_page_size``); longer cells load more on demand.
        BOARD_FIRST_PAINT_CARDS=_env_int("QUICKWIN_BOARD_FIRST_PAINT_CARDS", 1000),
        # Open boards ask every this many seconds whether another user changed something.
        BOARD_POLL_SECONDS=_env_int("QUICKWIN_BOARD_POLL_SECONDS", 15),
        PUBLIC_PAGE=_env_bool("QUICKWIN_PUBLIC_PAGE", False),
        # Open data (``public/opendata.py``, with the public page): the licence the CSV files and
        # the DCAT catalogue carry (a URL), the publisher named in the catalogue, and the
        # contact point's email (none: the catalogue names the publisher only).
        OPEN_DATA_LICENSE=os.environ.get("QUICKWIN_OPEN_DATA_LICENSE", "").strip()
        or "https://creativecommons.org/licenses/by/4.0/",
        OPEN_DATA_PUBLISHER=os.environ.get("QUICKWIN_OPEN_DATA_PUBLISHER", "").strip()
        or "Pemerintah Kota Balikpapan",
        OPEN_DATA_CONTACT_EMAIL=os.environ.get("QUICKWIN_OPEN_DATA_CONTACT_EMAIL", "").strip(),
        # The API (``api/``) and its personal access tokens (``tokens/``): requests a minute per
        # token (over it: 429 with Retry-After), and how many days ahead a token may expire.
        API_RATE_LIMIT=_env_int("QUICKWIN_API_RATE_LIMIT", 120),
        TOKEN_MAX_DAYS=_env_int("QUICKWIN_TOKEN_MAX_DAYS", 365),
        # Budget and realisation (``budget/``): planned APBD budgets, spending with evidence, and
        # absorption on the summary and in the pack. Off: no budget section, column or sheet.
        BUDGET=_env_bool("QUICKWIN_BUDGET", True),
        # The summary's "spent much, achieved little": absorption at or above this percentage
        # and verified outcome progress below BUDGET_FLAG_PROGRESS percent (or none measured).
        BUDGET_FLAG_ABSORPTION=_env_int("QUICKWIN_BUDGET_FLAG_ABSORPTION", 75),
        BUDGET_FLAG_PROGRESS=_env_int("QUICKWIN_BUDGET_FLAG_PROGRESS", 25),
        # Evidence uploads (outcome measurements): the largest file accepted, in bytes.
        EVIDENCE_MAX_BYTES=_env_int("QUICKWIN_EVIDENCE_MAX_MB", 10) * 1024 * 1024,
        # Initiative imports (``transfer/imports/``): the largest XLSX/CSV file, in bytes.
        IMPORT_MAX_BYTES=_env_int("QUICKWIN_IMPORT_MAX_MB", 5) * 1024 * 1024,
        # Mail (used by the outbox; no host means mail stays in the outbox).
        SMTP_HOST=os.environ.get("QUICKWIN_SMTP_HOST", ""),
        SMTP_PORT=_env_int("QUICKWIN_SMTP_PORT", 25),
        SMTP_USER=os.environ.get("QUICKWIN_SMTP_USER", ""),
        SMTP_PASSWORD=os.environ.get("QUICKWIN_SMTP_PASSWORD", ""),
        SMTP_SECURITY=os.environ.get("QUICKWIN_SMTP_SECURITY", "none"),
        MAIL_FROM=os.environ.get("QUICKWIN_MAIL_FROM", "Quick-Win Tracker <quickwin@localhost>"),
        MAIL_REPLY_TO=os.environ.get("QUICKWIN_MAIL_REPLY_TO", ""),
        MAIL_MAX_ATTEMPTS=_env_int("QUICKWIN_MAIL_MAX_ATTEMPTS", 8),
        # The scheduler process (``quickwin scheduler``); times are in TIMEZONE.
        REMINDER_TIME=os.environ.get("QUICKWIN_REMINDER_TIME", "07:00"),
        DIGEST_DAY=os.environ.get("QUICKWIN_DIGEST_DAY", "mon").strip().lower(),
        DIGEST_TIME=os.environ.get("QUICKWIN_DIGEST_TIME", "07:00"),
        STATUS_REFRESH_TIME=os.environ.get("QUICKWIN_STATUS_REFRESH_TIME", "00:05"),
        OUTBOX_INTERVAL_SECONDS=_env_int("QUICKWIN_OUTBOX_INTERVAL_SECONDS", 60),
        MENTION_INTERVAL_SECONDS=_env_int("QUICKWIN_MENTION_INTERVAL_SECONDS", 60),
        CATCHUP_HOURS=_env_int("QUICKWIN_CATCHUP_HOURS", 12),
        SCHEDULER_POLL_SECONDS=_env_int("QUICKWIN_SCHEDULER_POLL_SECONDS", 15),
        SCHEDULER_JOBS=os.environ.get("QUICKWIN_SCHEDULER_JOBS", ""),
        SCHEDULER_EXTRA_JOBS=os.environ.get("QUICKWIN_SCHEDULER_EXTRA_JOBS", ""),
        # Signed webhooks (``webhooks/``): how often the queue is delivered, the timeout of one
        # request (seconds), attempts before a delivery is marked failed, the days an endpoint may
        # fail before it is disabled, and whether admins may allow an endpoint to reach loopback,
        # private or link-local addresses at all (off: never).
        WEBHOOK_INTERVAL_SECONDS=_env_int("QUICKWIN_WEBHOOK_INTERVAL_SECONDS", 15),
        WEBHOOK_TIMEOUT=_env_int("QUICKWIN_WEBHOOK_TIMEOUT", 5),
        WEBHOOK_MAX_ATTEMPTS=_env_int("QUICKWIN_WEBHOOK_MAX_ATTEMPTS", 14),
        WEBHOOK_DISABLE_AFTER_DAYS=_env_int("QUICKWIN_WEBHOOK_DISABLE_AFTER_DAYS", 3),
        WEBHOOK_ALLOW_PRIVATE=_env_bool("QUICKWIN_WEBHOOK_ALLOW_PRIVATE", False),
        # Telegram (``channels.telegram``, docs/telegram.md): off without a bot token. The bot's
        # username makes the deep links; updates arrive by polling (``getUpdates``, a scheduler
        # job; works behind NAT) or, with QUICKWIN_TELEGRAM_MODE=webhook, at
        # /telegram/webhook/<QUICKWIN_TELEGRAM_WEBHOOK_SECRET>. A link token lasts
        # QUICKWIN_TELEGRAM_LINK_MINUTES.
        TELEGRAM_BOT_TOKEN=os.environ.get("QUICKWIN_TELEGRAM_BOT_TOKEN", "").strip(),
        TELEGRAM_BOT_USERNAME=os.environ.get("QUICKWIN_TELEGRAM_BOT_USERNAME", "").strip()
        .lstrip("@"),
        TELEGRAM_API_URL=os.environ.get("QUICKWIN_TELEGRAM_API_URL",
                                        "https://api.telegram.org").strip().rstrip("/"),
        TELEGRAM_MODE=os.environ.get("QUICKWIN_TELEGRAM_MODE", "polling").strip().lower(),
        TELEGRAM_WEBHOOK_SECRET=os.environ.get("QUICKWIN_TELEGRAM_WEBHOOK_SECRET", "").strip(),
        TELEGRAM_INTERVAL_SECONDS=_env_int("QUICKWIN_TELEGRAM_INTERVAL_SECONDS", 10),
        TELEGRAM_TIMEOUT=_env_int("QUICKWIN_TELEGRAM_TIMEOUT", 10),
        TELEGRAM_LINK_MINUTES=_env_int("QUICKWIN_TELEGRAM_LINK_MINUTES", 15),
        # Reminders and nudges (``reminders/services.py``). The lead time is each user's own
        # preference; this is the fallback for a user without one (the column default is 3).
        REMINDER_LEAD_DAYS=_env_int("QUICKWIN_REMINDER_LEAD_DAYS", 3),
        STALE_DAYS=_env_int("QUICKWIN_STALE_DAYS", 21),
        FOLLOWUP_MONTHS=os.environ.get("QUICKWIN_FOLLOWUP_MONTHS", "3,6"),
        MEASUREMENT_NUDGE_DAYS=_env_int("QUICKWIN_MEASUREMENT_NUDGE_DAYS", 30),
        # Progress updates (``updates/``): due every UPDATE_CADENCE_DAYS (a stage may set its
        # own); UPDATE_GRACE_DAYS after a missed one, the unit's manager is told.
        UPDATE_CADENCE_DAYS=_env_int("QUICKWIN_UPDATE_CADENCE_DAYS", 14),
        UPDATE_GRACE_DAYS=_env_int("QUICKWIN_UPDATE_GRACE_DAYS", 7),
        # The plausible dates: every date on a form or in an import lies in these years
        # (``clock.date_window``); a typo such as 2207 is refused with a message.
        DATE_MIN_YEAR=_env_int("QUICKWIN_DATE_MIN_YEAR", 2000),
        DATE_MAX_YEAR=_env_int("QUICKWIN_DATE_MAX_YEAR", 2100),
        # Achievement bands (``lifecycle/bands.py``): "lower bound:key", highest first; by
        # default the SAKIP scale. Checked at start-up into ACHIEVEMENT_BAND_LIST.
        ACHIEVEMENT_BANDS=os.environ.get("QUICKWIN_ACHIEVEMENT_BANDS",
                                         "91:very_good,76:good,66:fair,51:poor,0:very_poor"),
        # Signing in with the city's identity systems (``identity/``, docs/identity.md).
        # OpenID Connect: on when the discovery URL and the client id are set.
        OIDC_DISCOVERY_URL=os.environ.get("QUICKWIN_OIDC_DISCOVERY_URL", "").strip(),
        OIDC_CLIENT_ID=os.environ.get("QUICKWIN_OIDC_CLIENT_ID", "").strip(),
        OIDC_CLIENT_SECRET=os.environ.get("QUICKWIN_OIDC_CLIENT_SECRET", ""),
        OIDC_SCOPES=os.environ.get("QUICKWIN_OIDC_SCOPES", "openid email profile").strip(),
        OIDC_GROUPS_CLAIM=os.environ.get("QUICKWIN_OIDC_GROUPS_CLAIM", "groups").strip(),
        OIDC_CREATE_USERS=_env_bool("QUICKWIN_OIDC_CREATE_USERS", False),
        OIDC_TIMEOUT=_env_int("QUICKWIN_OIDC_TIMEOUT", 10),
        # LDAP: on when the server's URL is set; bind as the user (DN template) or search for
        # the entry with a service account first.
        LDAP_URL=os.environ.get("QUICKWIN_LDAP_URL", "").strip(),
        LDAP_STARTTLS=_env_bool("QUICKWIN_LDAP_STARTTLS", False),
        LDAP_CA_FILE=os.environ.get("QUICKWIN_LDAP_CA_FILE", "").strip(),
        LDAP_USER_DN_TEMPLATE=os.environ.get("QUICKWIN_LDAP_USER_DN_TEMPLATE", "").strip(),
        LDAP_BIND_DN=os.environ.get("QUICKWIN_LDAP_BIND_DN", "").strip(),
        LDAP_BIND_PASSWORD=os.environ.get("QUICKWIN_LDAP_BIND_PASSWORD", ""),
        LDAP_SEARCH_BASE=os.environ.get("QUICKWIN_LDAP_SEARCH_BASE", "").strip(),
        LDAP_SEARCH_FILTER=os.environ.get("QUICKWIN_LDAP_SEARCH_FILTER", "(mail={email})").strip(),
        LDAP_GROUP_SEARCH_BASE=os.environ.get("QUICKWIN_LDAP_GROUP_SEARCH_BASE", "").strip(),
        LDAP_GROUP_FILTER=os.environ.get("QUICKWIN_LDAP_GROUP_FILTER",
                                         "(|(member={dn})(uniqueMember={dn}))").strip(),
        LDAP_EMAIL_ATTRIBUTE=os.environ.get("QUICKWIN_LDAP_EMAIL_ATTRIBUTE", "mail").strip(),
        LDAP_NAME_ATTRIBUTE=os.environ.get("QUICKWIN_LDAP_NAME_ATTRIBUTE", "cn").strip(),
        LDAP_CREATE_USERS=_env_bool("QUICKWIN_LDAP_CREATE_USERS", False),
        LDAP_TIMEOUT=_env_int("QUICKWIN_LDAP_TIMEOUT", 5),
        # Groups and claims -> role and unit (``identity/mapping.py``): JSON, or a file of it.
        IDENTITY_RULES=os.environ.get("QUICKWIN_IDENTITY_RULES", ""),
        IDENTITY_RULES_FILE=os.environ.get("QUICKWIN_IDENTITY_RULES_FILE", "").strip(),
        # Off: the password form signs in only the break-glass administrators (emails, comma
        # separated), with their local password; everyone else uses the city account.
        PASSWORD_SIGN_IN=_env_bool("QUICKWIN_PASSWORD_SIGN_IN", True),
        BREAK_GLASS_ADMINS=os.environ.get("QUICKWIN_BREAK_GLASS_ADMINS", ""),
    )
    if "SECRET_KEY" not in test_config:
        app.config["SECRET_KEY"] = _secret_key(instance)
    if "SQLALCHEMY_DATABASE_URI" in test_config:
        test_config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(
            test_config["SQLALCHEMY_DATABASE_URI"]
        )
    app.config.update(test_config)
    _derive_session_settings(app, test_config)
    if "MAX_CONTENT_LENGTH" not in test_config:
        # Whole request bodies: one evidence file plus room for the other form fields.
        # Werkzeug answers 413 beyond it; files between the two limits get a 422 next to the
        # file field (``outcomes/evidence.py``).
        app.config["MAX_CONTENT_LENGTH"] = (
            max(app.config["EVIDENCE_MAX_BYTES"], app.config["IMPORT_MAX_BYTES"]) + UPLOAD_MARGIN
        )
    _validate(app)


def _derive_session_settings(app: Flask, test_config: dict[str, Any]) -> None:
    """Flask's and Flask-Login's own settings from ours (a test mapping may set theirs), and the
    throttling limits left to their defaults."""
    config = app.config
    for key, setting in (("PERMANENT_SESSION_LIFETIME", "SESSION_IDLE_MINUTES"),
                         ("REMEMBER_COOKIE_DURATION", "REMEMBER_DAYS")):
        value = config[setting]
        if key not in test_config and isinstance(value, int) and not isinstance(value, bool):
            config[key] = (timedelta(minutes=value) if setting == "SESSION_IDLE_MINUTES"
                           else timedelta(days=value))
    pair_limit = config["LOGIN_MAX_FAILURES"]
    if isinstance(pair_limit, int):
        if config["LOGIN_ACCOUNT_MAX_FAILURES"] is None:
            config["LOGIN_ACCOUNT_MAX_FAILURES"] = 10 * pair_limit
        if config["LOGIN_ADDRESS_MAX_FAILURES"] is None:
            config["LOGIN_ADDRESS_MAX_FAILURES"] = 4 * pair_limit


def _validate(app: Flask) -> None:
    from .lifecycle.bands import parse_bands

    try:
        app.config["ACHIEVEMENT_BAND_LIST"] = parse_bands(app.config["ACHIEVEMENT_BANDS"])
    except ValueError as exc:
        raise ConfigError(f"QUICKWIN_ACHIEVEMENT_BANDS={app.config['ACHIEVEMENT_BANDS']!r}: "
                          f"{exc}") from exc
    try:
        ZoneInfo(app.config["TIMEZONE"])
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(
            f"QUICKWIN_TIMEZONE={app.config['TIMEZONE']!r} is not a known IANA time zone"
        ) from exc
    if app.config["SMTP_SECURITY"] not in {"none", "starttls", "ssl"}:
        raise ConfigError("QUICKWIN_SMTP_SECURITY must be one of: none, starttls, ssl")
    if app.config["EVIDENCE_MAX_BYTES"] <= 0:
        raise ConfigError("QUICKWIN_EVIDENCE_MAX_MB must be at least 1")
    if app.config["IMPORT_MAX_BYTES"] <= 0:
        raise ConfigError("QUICKWIN_IMPORT_MAX_MB must be at least 1")
    for key, env, low, high in (
        ("PROXY_FIX", "QUICKWIN_PROXY_FIX", 0, 10),
        ("LOGIN_MAX_FAILURES", "QUICKWIN_LOGIN_MAX_FAILURES", 1, 1000),
        ("LOGIN_ACCOUNT_MAX_FAILURES", "QUICKWIN_LOGIN_ACCOUNT_MAX_FAILURES", 1, 100_000),
        ("LOGIN_ADDRESS_MAX_FAILURES", "QUICKWIN_LOGIN_ADDRESS_MAX_FAILURES", 1, 100_000),
        ("LOGIN_WINDOW_MINUTES", "QUICKWIN_LOGIN_WINDOW_MINUTES", 1, 24 * 60),
        ("PASSWORD_RESET_HOURS", "QUICKWIN_PASSWORD_RESET_HOURS", 1, 24 * 7),
        ("PASSWORD_RESET_MAX_PER_ACCOUNT", "QUICKWIN_PASSWORD_RESET_MAX_PER_ACCOUNT", 1, 100),
        ("PASSWORD_RESET_MAX_PER_ADDRESS", "QUICKWIN_PASSWORD_RESET_MAX_PER_ADDRESS", 1, 10_000),
        ("SESSION_IDLE_MINUTES", "QUICKWIN_SESSION_IDLE_MINUTES", 1, 7 * 24 * 60),
        ("REMEMBER_DAYS", "QUICKWIN_REMEMBER_DAYS", 1, 366),
        ("TOTP_PENDING_MINUTES", "QUICKWIN_TOTP_PENDING_MINUTES", 1, 60),
        ("BOARD_PAGE_SIZE", "QUICKWIN_BOARD_PAGE_SIZE", 1, 10_000),
        ("BOARD_FIRST_PAINT_CARDS", "QUICKWIN_BOARD_FIRST_PAINT_CARDS", 1, 100_000),
        ("BOARD_CELL_FIRST_CARDS", "QUICKWIN_BOARD_CELL_FIRST_CARDS", 1, 1_000),
        ("BUDGET_FLAG_ABSORPTION", "QUICKWIN_BUDGET_FLAG_ABSORPTION", 1, 1000),
        ("BUDGET_FLAG_PROGRESS", "QUICKWIN_BUDGET_FLAG_PROGRESS", 0, 1000),
    ):
        value = app.config[key]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ConfigError(f"{env} must be a whole number from {low} to {high}, got {value!r}")
    for key, env in (("DATE_MIN_YEAR", "QUICKWIN_DATE_MIN_YEAR"),
                     ("DATE_MAX_YEAR", "QUICKWIN_DATE_MAX_YEAR")):
        value = app.config[key]
        if isinstance(value, bool) or not isinstance(value, int) or not 1900 <= value <= 9999:
            raise ConfigError(f"{env} must be a year from 1900 to 9999, got {value!r}")
    if app.config["LOGIN_ACCOUNT_MAX_FAILURES"] < app.config["LOGIN_MAX_FAILURES"]:
        raise ConfigError("QUICKWIN_LOGIN_ACCOUNT_MAX_FAILURES must not be below "
                          "QUICKWIN_LOGIN_MAX_FAILURES (it is the ceiling over all addresses)")
    if app.config["DATE_MIN_YEAR"] > app.config["DATE_MAX_YEAR"]:
        raise ConfigError("QUICKWIN_DATE_MIN_YEAR must not be later than QUICKWIN_DATE_MAX_YEAR")
    if not app.config.get("SECRET_KEY"):
        raise ConfigError("SECRET_KEY is empty")
    _validate_open_data(app)
    _validate_identity(app)
    _validate_second_factor(app)
    _validate_scheduler(app)
    _validate_reminders(app)


def _validate_open_data(app: Flask) -> None:
    """The licence is an absolute http(s) URL (the catalogue links it); the contact, an email."""
    licence = app.config["OPEN_DATA_LICENSE"]
    if not re.fullmatch(r"https?://[^\s/]+(/\S*)?", licence):
        raise ConfigError(f"QUICKWIN_OPEN_DATA_LICENSE must be the licence's URL (https://…), "
                          f"got {licence!r}")
    email = app.config["OPEN_DATA_CONTACT_EMAIL"]
    if email and not re.fullmatch(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+", email):
        raise ConfigError(f"QUICKWIN_OPEN_DATA_CONTACT_EMAIL must be an email address, "
                          f"got {email!r}")
    if not app.config["OPEN_DATA_PUBLISHER"]:
        raise ConfigError("QUICKWIN_OPEN_DATA_PUBLISHER is empty")


def _validate_identity(app: Flask) -> None:
    from .identity.settings import validate

    try:
        validate(app.config)
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
def _validate_second_factor(app: Flask) -> None:
    """``TOTP_REQUIRED_ROLES`` ("admin", "admin,reviewer", "" or a list) becomes a frozenset of
    known roles."""
    from .models import Role

    raw = app.config["TOTP_REQUIRED_ROLES"]
    parts = raw.split(",") if isinstance(raw, str) else list(raw or ())
    roles = frozenset(str(p).strip().lower() for p in parts if str(p).strip())
    unknown = roles - {r.value for r in Role}
    if unknown:
        raise ConfigError(f"QUICKWIN_TOTP_REQUIRED_ROLES: unknown role(s) {', '.join(sorted(unknown))}"
                          f" (known: {', '.join(r.value for r in Role)}; empty: optional for all)")
    app.config["TOTP_REQUIRED_ROLES"] = roles


def _validate_reminders(app: Flask) -> None:
    """Whole numbers in range; ``FOLLOWUP_MONTHS`` ("3,6" or a list) becomes a sorted tuple."""
    for key, env, low, high in (
        ("REMINDER_LEAD_DAYS", "QUICKWIN_REMINDER_LEAD_DAYS", 1, 14),
        ("STALE_DAYS", "QUICKWIN_STALE_DAYS", 1, 3650),
        ("MEASUREMENT_NUDGE_DAYS", "QUICKWIN_MEASUREMENT_NUDGE_DAYS", 1, 3650),
        ("UPDATE_CADENCE_DAYS", "QUICKWIN_UPDATE_CADENCE_DAYS", 1, 366),
        ("UPDATE_GRACE_DAYS", "QUICKWIN_UPDATE_GRACE_DAYS", 1, 366),
    ):
        value = app.config[key]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ConfigError(f"{env} must be a whole number from {low} to {high}, got {value!r}")
    raw = app.config["FOLLOWUP_MONTHS"]
    parts = raw.split(",") if isinstance(raw, str) else list(raw)
    try:
        months = tuple(sorted({int(str(p).strip()) for p in parts if str(p).strip()}))
    except ValueError as exc:
        raise ConfigError(
            f"QUICKWIN_FOLLOWUP_MONTHS must be whole numbers separated by commas, got {raw!r}"
        ) from exc
    if any(not 1 <= m <= 120 for m in months):
        raise ConfigError("QUICKWIN_FOLLOWUP_MONTHS must lie between 1 and 120 months")
    app.config["FOLLOWUP_MONTHS"] = months


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _validate_scheduler(app: Flask) -> None:
    """Mail retries and the scheduler's times; "HH:MM" times must be real times of day."""
    for key, env in (("REMINDER_TIME", "QUICKWIN_REMINDER_TIME"),
                     ("DIGEST_TIME", "QUICKWIN_DIGEST_TIME"),
                     ("STATUS_REFRESH_TIME", "QUICKWIN_STATUS_REFRESH_TIME")):
        value = str(app.config[key]).strip()
        match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", value)
        if not match:
            raise ConfigError(f"{env} must be a time of day as HH:MM (e.g. 07:00), got {value!r}")
        app.config[key] = f"{int(match[1]):02d}:{match[2]}"
    app.config["DIGEST_DAY"] = str(app.config["DIGEST_DAY"]).strip().lower()
    if app.config["DIGEST_DAY"] not in WEEKDAYS:
        raise ConfigError(
            f"QUICKWIN_DIGEST_DAY must be one of {', '.join(WEEKDAYS)}, "
            f"got {app.config['DIGEST_DAY']!r}"
        )
    for key, env, low, high in (
        ("MAIL_MAX_ATTEMPTS", "QUICKWIN_MAIL_MAX_ATTEMPTS", 1, 100),
        ("OUTBOX_INTERVAL_SECONDS", "QUICKWIN_OUTBOX_INTERVAL_SECONDS", 1, 86400),
        ("MENTION_INTERVAL_SECONDS", "QUICKWIN_MENTION_INTERVAL_SECONDS", 1, 86400),
        ("CATCHUP_HOURS", "QUICKWIN_CATCHUP_HOURS", 0, 24 * 7),
        ("SCHEDULER_POLL_SECONDS", "QUICKWIN_SCHEDULER_POLL_SECONDS", 1, 3600),
        ("WEBHOOK_INTERVAL_SECONDS", "QUICKWIN_WEBHOOK_INTERVAL_SECONDS", 1, 3600),
        ("WEBHOOK_TIMEOUT", "QUICKWIN_WEBHOOK_TIMEOUT", 1, 30),
        ("WEBHOOK_MAX_ATTEMPTS", "QUICKWIN_WEBHOOK_MAX_ATTEMPTS", 1, 100),
        ("WEBHOOK_DISABLE_AFTER_DAYS", "QUICKWIN_WEBHOOK_DISABLE_AFTER_DAYS", 1, 365),
        ("TELEGRAM_INTERVAL_SECONDS", "QUICKWIN_TELEGRAM_INTERVAL_SECONDS", 1, 3600),
        ("TELEGRAM_TIMEOUT", "QUICKWIN_TELEGRAM_TIMEOUT", 1, 60),
        ("TELEGRAM_LINK_MINUTES", "QUICKWIN_TELEGRAM_LINK_MINUTES", 1, 24 * 60),
    ):
        value = app.config[key]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ConfigError(f"{env} must be a whole number from {low} to {high}, got {value!r}")
    _check_telegram(app)


_TELEGRAM_SECRET = re.compile(r"[A-Za-z0-9_-]{16,256}")


def _check_telegram(app: Flask) -> None:
    """With a bot token, the bot's username is needed (deep links), the mode is polling or
    webhook, and a webhook needs a secret Telegram may send (16 to 256 of A-Z a-z 0-9 _ -)."""
    config = app.config
    config["TELEGRAM_MODE"] = str(config.get("TELEGRAM_MODE") or "polling").strip().lower()
    if config["TELEGRAM_MODE"] not in ("polling", "webhook"):
        raise ConfigError("QUICKWIN_TELEGRAM_MODE must be polling or webhook, "
                          f"got {config['TELEGRAM_MODE']!r}")
    if not config.get("TELEGRAM_BOT_TOKEN"):
        return
    if not config.get("TELEGRAM_BOT_USERNAME"):
        raise ConfigError("QUICKWIN_TELEGRAM_BOT_USERNAME is needed with "
                          "QUICKWIN_TELEGRAM_BOT_TOKEN (the deep links name the bot)")
    secret = config.get("TELEGRAM_WEBHOOK_SECRET") or ""
    if (config["TELEGRAM_MODE"] == "webhook" or secret) and not _TELEGRAM_SECRET.fullmatch(secret):
        raise ConfigError("QUICKWIN_TELEGRAM_WEBHOOK_SECRET must be 16 to 256 characters of "
                          "A-Z, a-z, 0-9, _ and - (QUICKWIN_TELEGRAM_MODE=webhook needs it)")
