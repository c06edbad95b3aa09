"""URL converters: every ``<int:…>`` in a route is an id that fits the database."""

from __future__ import annotations

from typing import Any

from werkzeug.routing import IntegerConverter

from ..models import MAX_ID


def digits_up_to(limit: int) -> str:
    """A regular expression for the decimal numbers from 0 to ``limit`` (no sign, and no leading
    zeros on the longest ones)."""
    text = str(limit)
    size = len(text)
    alternatives = [f"[0-9]{{1,{size - 1}}}"] if size > 1 else []
    for i, digit in enumerate(text):
        low, high = (1 if i == 0 and size > 1 else 0), int(digit) - 1
        if high >= low:
            rest = size - i - 1
            alternatives.append(text[:i] + f"[{low}-{high}]" + (f"[0-9]{{{rest}}}" if rest else ""))
    alternatives.append(text)
    return "(?:" + "|".join(alternatives) + ")"


class IdConverter(IntegerConverter):
    """``<int:…>`` in every route: a whole number that fits the database's integer ids
    (0 … 2**31 − 1). A larger one matches no route (its digits fail the rule's pattern), so it is
    a 404 on every method, instead of reaching the database, whose driver refuses the number."""

    regex = digits_up_to(MAX_ID)

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)
