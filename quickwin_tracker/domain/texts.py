"""Translating and formatting thousands of small texts in one request.

Flask-Babel's ``gettext`` and ``format_date`` look up the request's locale and catalogue on every
call (about 15 µs each), which is more than the translation itself. A page that writes a text per
card (the board, the summary, a digest) binds one ``Texts`` to the current catalogue instead: the
same results, the lookup once. Strings passed to its ``gettext``/``ngettext`` are extracted by
``pybabel`` like any other call of those names.

It is also the one owner of **numbers shown to people**: :func:`number` ("3.000", "20,5" in
Indonesian; "3,000", "20.5" in English) and :func:`percent` ("40%"), in the current locale
unless told otherwise; templates have them as ``number`` and ``percent`` (``outcome_number`` is
:func:`number` too). Machine formats (CSV, JSON, data attributes, ``<meter value>``) stay plain.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Any

from babel import dates, numbers
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

    def number(self, value: float | None, digits: int | None = None) -> str:
        """:func:`number` in this catalogue's locale."""
        return number(value, digits, locale=self.language)

    def percent(self, value: float | None) -> str:
        """:func:`percent` in this catalogue's locale."""
        return percent(value, locale=self.language)

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


NO_NUMBER = "—"


def number(value: float | None, digits: int | None = None, locale: str | None = None) -> str:
    """``value`` written for people in ``locale`` (the current one by default): "3.000" and
    "20,5" in Indonesian, "3,000" and "20.5" in English; rounded to ``digits`` decimals when
    given; "—" for ``None``."""
    if value is None:
        return NO_NUMBER
    if digits is not None:
        value = round(value, digits)
    return _format_decimal(value, locale or str(get_locale()))


def percent(value: float | None, locale: str | None = None) -> str:
    """``value`` (in percent points: 40 is 40 %) as a whole percentage in ``locale``: "40%",
    "1.250%" in Indonesian; "—" for ``None``."""
    if value is None:
        return NO_NUMBER
    return _format_percent(round(value), locale or str(get_locale()))


def date_span(first: date, last: date, locale: str | None = None) -> str:
    """The days ``first`` to ``last`` (inclusive) as one short span in ``locale``, each month and
    year written once (CLDR's interval formats): "23–29 Nov 2026", "30 Nov – 6 Des 2026",
    "28 Des 2026 – 3 Jan 2027" in Indonesian; "Nov 23 – 29, 2026", "Nov 30 – Dec 6, 2026" in
    English. Plain spaces (CLDR's thin ones fare badly in subject lines and plain text), and
    spaces around the dash when the days on either side are more than a number."""
    text = dates.format_interval(first, last, "yMMMd", locale=locale or str(get_locale()))
    text = text.replace("\u2009", " ")
    start, dash, end = text.partition("–")
    if dash and not start.endswith(" ") and " " in start.strip() and " " in end.strip():
        text = f"{start.rstrip()} – {end.lstrip()}"
    return text


@lru_cache(maxsize=8192)
def _format_decimal(value: float, locale: str) -> str:
    return numbers.format_decimal(value, locale=locale)


@lru_cache(maxsize=4096)
def _format_percent(points: int, locale: str) -> str:
    return numbers.format_percent(points / 100, locale=locale)


TEMPLATE_HELPERS = {"number": number, "percent": percent}
