"""Links people attach (to a measurement, a progress update): web addresses only."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l

from .errors import Invalid

LINK_MAX = 500


def clean_link(link: str | None, field: str = "link") -> str:
    """``link`` trimmed, or "" when empty; anything but an http(s) address of at most
    ``LINK_MAX`` characters is refused with a message for ``field``."""
    link = (link or "").strip()
    if not link:
        return ""
    parts = urlsplit(link)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise Invalid(_l("The link must be a web address starting with http:// or https://."),
                      field)
    if len(link) > LINK_MAX:
        raise Invalid(_l("At most %(max)d characters.", max=LINK_MAX), field)
    return link
