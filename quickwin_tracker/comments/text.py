"""Comment text: plain text in, safe HTML out.

Comments are plain text. :func:`linkify` (the ``|linkify`` template filter) escapes everything
first, then turns http(s) URLs into links, line breaks into ``<br>`` and ``@mentions`` into
emphasised names. Every pattern runs over the *escaped* text, so nothing a user types can open a
tag or leave an attribute: quotes and angle brackets are entities by then, and they end a URL.

:func:`mentioned_handles` reads mentions the same way, so what the page emphasises is exactly what
notifies people (a ``@name`` inside a URL is neither).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from markupsafe import Markup, escape

# After escaping, "&" only appears as the start of an entity. A URL may contain "&amp;" (a literal
# "&") but stops at any other entity: &#34; ("), &#39; ('), &lt; and &gt;.
_URL = re.compile(r"(?<![\w/@.])https?://(?:[^\s&]|&amp;)+", re.IGNORECASE)
_SCHEMES = ("http://", "https://")
_TRAILING = ".,;:!?"

# "@" + an email's local part (letters, digits, ._+- with no leading, trailing or double dot), not
# preceded by anything that would make it part of an email address or a word.
MAX_HANDLE = 64
_MENTION = re.compile(r"(?<![\w.+\-@/])@([A-Za-z0-9_+\-]+(?:\.[A-Za-z0-9_+\-]+)*)")


def _trim(url: str) -> str:
    """Drop sentence punctuation after a URL ("see https://x.id/a." links to ``/a``)."""
    while url and not url.endswith("&amp;"):
        last = url[-1]
        if last in _TRAILING or (last == ")" and url.count(")") > url.count("(")):
            url = url[:-1]
        else:
            break
    return url


def _split(escaped: str) -> Iterator[tuple[bool, str]]:
    """``(is_url, piece)`` for consecutive pieces of already escaped text."""
    pos = 0
    for match in _URL.finditer(escaped):
        url = _trim(match.group(0))
        if url.lower() in _SCHEMES:
            continue  # a bare "http://" stays text
        yield False, escaped[pos:match.start()]
        yield True, url
        pos = match.start() + len(url)
    yield False, escaped[pos:]


def _plain(text: object) -> str:
    """The text as a plain ``str`` (a Markup argument is treated as text, i.e. escaped too)."""
    if text is None:
        return ""
    return str(text).replace("\r\n", "\n").replace("\r", "\n")


def _mention_html(match: re.Match[str]) -> str:
    handle = match.group(1)
    if len(handle) > MAX_HANDLE:
        return match.group(0)
    return f'<strong class="mention">@{handle}</strong>'


def linkify(text: object) -> Markup:
    """Escaped ``text`` with clickable http(s) links, ``<br>`` line breaks and emphasised
    ``@mentions``."""
    parts: list[str] = []
    for is_url, piece in _split(str(escape(_plain(text)))):
        if is_url:
            # ``piece`` is escaped and holds no quote: safe inside a double-quoted attribute.
            parts.append(f'<a href="{piece}" rel="nofollow noopener noreferrer">{piece}</a>')
        else:
            parts.append(_MENTION.sub(_mention_html, piece).replace("\n", "<br>\n"))
    return Markup("".join(parts))


def mentioned_handles(text: object) -> list[str]:
    """The distinct handles mentioned in ``text``, lower-cased, in order of appearance."""
    handles: list[str] = []
    for is_url, piece in _split(str(escape(_plain(text)))):
        if is_url:
            continue
        for match in _MENTION.finditer(piece):
            handle = match.group(1).lower()
            if len(handle) <= MAX_HANDLE and handle not in handles:
                handles.append(handle)
    return handles
