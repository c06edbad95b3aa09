"""Numbers shown to people go through one helper (``domain.texts.number``/``percent``), in the
reader's language: "3.000" and "20,5" in Indonesian, "3,000" and "20.5" in English."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from quickwin_tracker.domain.texts import Texts, number, percent


@pytest.mark.parametrize(("language", "expected"), [
    ("id", ["3.000", "20,5", "20", "1.234,57", "—", "40%", "-13%", "1.250%", "—"]),
    ("en", ["3,000", "20.5", "20", "1,234.57", "—", "40%", "-13%", "1,250%", "—"]),
])
def test_number_and_percent_in_both_languages(app, language, expected):
    with app.test_request_context(), force_locale(language):
        got = [number(3000), number(20.5), number(20.0), number(1234.567, 2), number(None),
               percent(40.2), percent(-12.6), percent(1250), percent(None)]
        assert got == expected
        texts = Texts()
        assert texts.number(3000.5) == ("3.000,5" if language == "id" else "3,000.5")
        assert texts.gettext("Outcome %(percent)s", percent=texts.percent(1250.4)) == (
            "Hasil 1.250%" if language == "id" else "Outcome 1,250%")  # the board card

