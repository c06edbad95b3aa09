"""Forms as a browser sees them: read the ``<form>`` elements of a page and build what a browser,
or htmx, would send when the user presses the form's first submit button without changing
anything (the HTML standard's "constructing the entry list").

What a browser does, and this module does:
- a single ``<select>`` with no option selected sends its first enabled option (and with several
  ``selected`` options, the last); a ``<select multiple>`` sends its selected options only;
- unchecked checkboxes and radio buttons send nothing; checked ones their value (or "on");
- a ``<textarea>`` sends its text, without the one line break the HTML parser drops after the
  start tag; line breaks go as CRLF (form submission), or LF from htmx in a urlencoded body;
- disabled controls (and controls in a disabled fieldset) and nameless ones send nothing; of the
  buttons only the one pressed; an empty file input sends an empty file part (htmx leaves it out);
- ``<input type=number|date|email>`` values are sanitised as browsers do.

``tests/browser/test_forms_like_a_browser.py`` checks this against Chromium itself.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urljoin, urlsplit

import lxml.html

BUTTON_TYPES = {"submit", "button", "reset", "image"}
NOT_EDITABLE = {"hidden", *BUTTON_TYPES}


@dataclass
class Submission:
    method: str
    url: str  # path and query
    fields: list[tuple[str, str]]
    files: list[str] = field(default_factory=list)  # names of empty file inputs sent
    multipart: bool = False
    headers: dict[str, str] = field(default_factory=dict)

    def data(self) -> dict[str, list]:
        """For Flask's test client: ``{name: [values]}``; empty file parts as empty files."""
        from io import BytesIO

        data: dict[str, list] = {}
        for name, value in self.fields:
            data.setdefault(name, []).append(value)
        for name in self.files:
            data.setdefault(name, []).append((BytesIO(b""), "", "application/octet-stream"))
        return data


def _text_value(element) -> str:
    text = element.text_content()
    return text[1:] if text.startswith("\n") else text


def _sanitise(kind: str, value: str) -> str:
    if kind in ("text", "search", "tel", "password", "url", "email"):
        value = value.replace("\r", "").replace("\n", "")
    if kind in ("email", "url"):
        value = value.strip()
    if kind == "number" and not re.fullmatch(r"-?(\d+(\.\d+)?|\.\d+)([eE][-+]?\d+)?", value):
        return ""
    if kind == "date":
        try:
            date.fromisoformat(value)
        except ValueError:
            return ""
    return value


def _disabled(element, form) -> bool:
    if element.get("disabled") is not None:
        return True
    for ancestor in element.iterancestors():
        if ancestor is form:
            return False
        if ancestor.tag == "fieldset" and ancestor.get("disabled") is not None:
            legend = ancestor.find("legend")
            if legend is None or element not in legend.iterdescendants():
                return True
    return False


@dataclass
class Form:
    element: lxml.html.HtmlElement
    page_url: str

    @property
    def method(self) -> str:
        return (self.element.get("method") or "get").lower()

    @property
    def action(self) -> str:
        target = urljoin("http://localhost" + self.page_url, self.element.get("action") or "")
        parts = urlsplit(target)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    @property
    def hx_post(self) -> str | None:
        return self.element.get("data-hx-post") or self.element.get("hx-post")

    def controls(self):
        return [el for el in self.element.iter("input", "select", "textarea", "button")]

    @property
    def is_action_button(self) -> bool:
        """Nothing to fill in, only hidden values and buttons: pressing it *is* the action
        (archive, complete, delete, sign out…). Or declared so by the template
        (``data-submit-acts``): a command whose choices come filled in, like "move to" with the
        next stage preselected; sent unchanged it does what its button says, and its own tests
        check exactly that."""
        if self.element.get("data-submit-acts") is not None:
            return True
        for el in self.controls():
            if el.tag in ("select", "textarea"):
                return False
            if el.tag == "input" and (el.get("type") or "text").lower() not in NOT_EDITABLE:
                return False
        return True

    @property
    def creates(self) -> bool:
        """Declared by the template: sent with its defaults, it creates something (a review
        for the current period, say), and must change nothing that exists."""
        return self.element.get("data-submit-creates") is not None

    @property
    def description(self) -> str:
        names = sorted({el.get("name") for el in self.controls() if el.get("name")})
        return f"<form action={self.action!r} fields={names}>"

    def submitter(self):
        for el in self.controls():
            if el.tag == "button" and (el.get("type") or "submit").lower() == "submit":
                return el
            if el.tag == "input" and (el.get("type") or "").lower() in ("submit", "image"):
                return el
        return None

    def entries(self, *, htmx: bool = False) -> tuple[list[tuple[str, str]], list[str]]:
        """The entry list for pressing the first submit button: ``(fields, empty file names)``."""
        fields: list[tuple[str, str]] = []
        files: list[str] = []
        pressed = self.submitter()
        for el in self.controls():
            name = el.get("name")
            if not name or _disabled(el, self.element):
                continue
            if el.tag == "button" or (el.tag == "input" and (el.get("type") or "").lower() in BUTTON_TYPES):
                if el is pressed:
                    fields.append((name, el.get("value") or ""))
                continue
            if el.tag == "select":
                options = [o for o in el.iter("option")]
                if el.get("multiple") is not None:
                    chosen = [o for o in options if o.get("selected") is not None]
                else:
                    selected = [o for o in options if o.get("selected") is not None]
                    enabled = [o for o in options if o.get("disabled") is None]
                    chosen = selected[-1:] or enabled[:1]
                for option in chosen:
                    if option.get("disabled") is None:
                        value = option.get("value")
                        fields.append((name, value if value is not None else
                                       " ".join(option.text_content().split())))
                continue
            if el.tag == "textarea":
                value = _text_value(el)
                fields.append((name, value))
                continue
            kind = (el.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if el.get("checked") is not None:
                    fields.append((name, el.get("value") or "on"))
            elif kind == "file":
                if not htmx:
                    files.append(name)
            else:
                fields.append((name, _sanitise(kind, el.get("value") or "")))
        return fields, files

    def submission(self, *, htmx: bool = False, page_headers: dict[str, str] | None = None
                   ) -> Submission:
        multipart = "multipart" in (self.element.get("enctype") or "") or (
            htmx and "multipart" in (self.element.get("data-hx-encoding") or ""))
        fields, files = self.entries(htmx=htmx)
        # Line breaks: CRLF in a form submission and in any multipart body; htmx sends a
        # urlencoded body through URLSearchParams, which keeps LF.
        crlf = not htmx or multipart
        fields = [(n, _line_breaks(v, crlf)) for n, v in fields]
        if htmx:
            headers = {"HX-Request": "true", **(page_headers or {})}
            return Submission("post", self.hx_post or self.action, fields, files, multipart, headers)
        return Submission(self.method, self.action, fields, files, multipart)


def _line_breaks(value: str, crlf: bool) -> str:
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value.replace("\n", "\r\n") if crlf else value


def page_headers(html: str) -> dict[str, str]:
    """The headers htmx adds from ``<body hx-headers>`` (the CSRF token)."""
    match = re.search(r"<body[^>]*data-hx-headers='([^']*)'", html)
    return json.loads(match.group(1)) if match else {}


def forms_in(html: str, page_url: str) -> list[Form]:
    if not html.strip():
        return []
    root = lxml.html.fromstring(html)
    return [Form(element, page_url) for element in root.iter("form")]
