"""The identity settings, checked once at start-up (``config._validate_identity``).

Adds to the configuration: ``IDENTITY_RULE_SET`` (``mapping.Rules``), ``BREAK_GLASS_EMAILS``
(a frozenset of normalised emails), and turns ``OIDC_ENABLED`` / ``LDAP_ENABLED`` on when the
provider's or the directory's address is set. A ``ValueError`` names the setting that is wrong.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .mapping import RuleError, parse_rules


def _rules_text(config: dict[str, Any]) -> str:
    path = config.get("IDENTITY_RULES_FILE") or ""
    if path:
        try:
            return Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise ValueError(f"QUICKWIN_IDENTITY_RULES_FILE={path!r} cannot be read: "
                             f"{exc.strerror}") from exc
    return config.get("IDENTITY_RULES") or ""


def validate(config: dict[str, Any]) -> None:
    try:
        config["IDENTITY_RULE_SET"] = parse_rules(_rules_text(config))
    except RuleError as exc:
        raise ValueError(f"QUICKWIN_IDENTITY_RULES: {exc}") from exc

    raw = config.get("BREAK_GLASS_ADMINS") or ""
    emails = raw.split(",") if isinstance(raw, str) else list(raw)
    config["BREAK_GLASS_EMAILS"] = frozenset(e.strip().lower() for e in emails if e.strip())

    discovery = config.get("OIDC_DISCOVERY_URL") or ""
    config["OIDC_ENABLED"] = bool(discovery)
    if discovery:
        parts = urlsplit(discovery)
        if parts.scheme not in ("https", "http") or not parts.netloc:
            raise ValueError("QUICKWIN_OIDC_DISCOVERY_URL must be the provider's "
                             "https://…/.well-known/openid-configuration address, "
                             f"got {discovery!r}")
        if not config.get("OIDC_CLIENT_ID"):
            raise ValueError("QUICKWIN_OIDC_CLIENT_ID is empty (QUICKWIN_OIDC_DISCOVERY_URL is set)")
        if "openid" not in (config.get("OIDC_SCOPES") or "").split():
            raise ValueError("QUICKWIN_OIDC_SCOPES must include openid")
    timeout = config.get("OIDC_TIMEOUT")
    if isinstance(timeout, bool) or not isinstance(timeout, int) or not 1 <= timeout <= 60:
        raise ValueError(f"QUICKWIN_OIDC_TIMEOUT must be a whole number from 1 to 60, got {timeout!r}")

    url = config.get("LDAP_URL") or ""
    config["LDAP_ENABLED"] = bool(url)
    if url:
        parts = urlsplit(url)
        if parts.scheme not in ("ldap", "ldaps") or not parts.hostname:
            raise ValueError(f"QUICKWIN_LDAP_URL must be ldap://host[:port] or ldaps://host[:port], "
                             f"got {url!r}")
        if parts.scheme == "ldaps" and config.get("LDAP_STARTTLS"):
            raise ValueError("QUICKWIN_LDAP_STARTTLS is for ldap:// (ldaps:// is TLS already)")
        template = config.get("LDAP_USER_DN_TEMPLATE") or ""
        base = config.get("LDAP_SEARCH_BASE") or ""
        if not template and not base:
            raise ValueError("LDAP needs QUICKWIN_LDAP_USER_DN_TEMPLATE (bind as the user) or "
                             "QUICKWIN_LDAP_SEARCH_BASE (search, then bind)")
        if template and not any(k in template for k in ("{username}", "{email}")):
            raise ValueError("QUICKWIN_LDAP_USER_DN_TEMPLATE must contain {username} or {email}")
        if base and not template and "{email}" not in (config.get("LDAP_SEARCH_FILTER") or "") \
                and "{username}" not in (config.get("LDAP_SEARCH_FILTER") or ""):
            raise ValueError("QUICKWIN_LDAP_SEARCH_FILTER must contain {email} or {username}")
        if config.get("LDAP_GROUP_SEARCH_BASE") and "{dn}" not in (config.get("LDAP_GROUP_FILTER") or ""):
            raise ValueError("QUICKWIN_LDAP_GROUP_FILTER must contain {dn}")
        ca = config.get("LDAP_CA_FILE") or ""
        if ca and not Path(ca).is_file():
            raise ValueError(f"QUICKWIN_LDAP_CA_FILE={ca!r} is not a file")
    timeout = config.get("LDAP_TIMEOUT")
    if isinstance(timeout, bool) or not isinstance(timeout, int) or not 1 <= timeout <= 60:
        raise ValueError(f"QUICKWIN_LDAP_TIMEOUT must be a whole number from 1 to 60, got {timeout!r}")
