"""Translating and formatting thousands of small texts in one request.

Flask-Babel's ``gettext`` and ``format_date`` look up the request's locale and catalogue on every
call (about 15 µs each), which is more than the translation itself. A page that writes a text per
card (the board, the summary, a digest) binds one ``Texts`` to the current catalogue instead: the
same results, the lookup once. Strings passed to its ``gettext``/``ngettext`` are extracted by
``pybabel`` like any other call of those names.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Any

from babel import dates
from flask_babel import get_locale, get_translations


class Texts:
    """The current request's catalogue and locale, looked up once."""

    def __init__(self) -> None:
        self._catalogue = get_translations()
        self.locale = get_locale()
        self.language = str(self.locale)
        self._dates: dict[tuple[date, str], str] = {}

    def gettext(self, string: str, **variables: Any) -> str:
        text = self._catalogue.ugettext(string)
        return text % variables if variables else text

    def ngettext(self, singular: str, plural: str, num: int, **variables: Any) -> str:
        variables.setdefault("num", num)
        return self._catalogue.ungettext(singular, plural, num) % variables

    def date(self, day: date, format: str = "medium") -> str:
        """``flask_babel.format_date(day)``, formatted once per date and format."""
        key = (day, format)
        text = self._dates.get(key)
        if text is None:
            text = self._dates[key] = _format_date(day, format, self.language)
        return text


@lru_cache(maxsize=8192)
def _format_date(day: date, format: str, locale: str) -> str:
    """Babel's date formatting (about 10 µs) depends on nothing else: kept across requests."""
    return dates.format_date(day, format, locale=locale)
