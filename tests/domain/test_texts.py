"""``texts.Texts``: the catalogue and locale looked up once, with the same results as Flask-Babel."""

from datetime import date

import pytest
from flask_babel import force_locale, format_date, gettext, ngettext

from quickwin_tracker.domain.texts import Texts


@pytest.mark.parametrize("locale", ["id", "en"])
def test_texts_translate_and_format_as_flask_babel_does(app, locale):
    with app.test_request_context("/"), force_locale(locale):
        texts = Texts()
        assert texts.gettext("Outcome %(num)d%%", num=40) == gettext("Outcome %(num)d%%", num=40)
        assert texts.gettext("Board") == gettext("Board")
        for days in (0, 1, 2, 31):
            assert texts.ngettext("%(num)d day in stage", "%(num)d days in stage", days) == \
                ngettext("%(num)d day in stage", "%(num)d days in stage", days)
        for day in (date(2026, 11, 28), date(2027, 3, 1)):
            assert texts.date(day) == format_date(day)
            assert texts.date(day, "MMMM yyyy") == format_date(day, "MMMM yyyy")


def test_texts_are_in_the_language_they_were_made_in(app):
    with app.test_request_context("/"):
        with force_locale("id"):
            indonesian = Texts()
        with force_locale("en"):
            english = Texts()
        assert indonesian.date(date(2027, 3, 1)) == "1 Mar 2027"
        assert english.date(date(2027, 3, 1)) == "Mar 1, 2027"
        assert indonesian.gettext("Board") != english.gettext("Board")
