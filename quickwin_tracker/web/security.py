"""Small security helpers shared by several blueprints."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, g, request, session


def is_safe_redirect(target: str | None) -> bool:
    """Only same-site relative paths: no scheme, no host, no protocol-relative ``//host``,
    no backslash tricks browsers normalise into a host."""
    if not target:
        return False
    if "\\" in target or any(ord(c) < 32 for c in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//")


# Scripts only from this site (htmx, SortableJS and app.js are vendored in static/), no inline
# script anywhere. Inline styles stay allowed: the HTML emails previewed in sandboxed iframes
# carry the inline styles mail clients need.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


HSTS = "max-age=31536000"  # a year; the same value as docs/deploy/nginx-quickwin.conf


def _for_signed_in_user() -> bool:
    """Whether this answer was (or may have been) made for a signed-in user: a user was loaded,
    or the request carried a session with a sign-in or a remember-me cookie. Nothing is loaded
    from the database here."""
    user = g.get("_login_user")
    if user is not None and user.is_authenticated:
        return True
    remember_cookie = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    return "_user_id" in session or remember_cookie in request.cookies


def add_security_headers(response):
    """after_request hook: the headers every answer carries.

    - ``Cache-Control: no-store`` on everything made for a signed-in user (pages, htmx fragments,
      exports, evidence files): no browser or proxy keeps a copy, so Back after signing out or
      the next person at a shared computer finds nothing. Static files keep their long cache
      lifetimes (``assets.py``); public pages for anonymous visitors are left to the defaults.
    - ``Strict-Transport-Security`` when the site's address (``QUICKWIN_BASE_URL``) is https.
    """
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if current_app.config["BASE_URL"].lower().startswith("https://"):
        headers.setdefault("Strict-Transport-Security", HSTS)
    if request.endpoint != "static" and _for_signed_in_user():
        headers["Cache-Control"] = "no-store"
        headers.pop("Expires", None)
    return response
