"""Form and query-argument helpers shared by several features.

Every form of the app derives from :class:`BaseForm`, which gives it three habits:

- **WTForms' own messages in the user's language.** WTForms ships no Indonesian catalogue, so its
  built-in messages ("This field is required.", "Not a valid date value.") are translated in ours
  (``WTFORMS_MESSAGES`` lists them for extraction) and looked up through Flask-Babel.
- **Text as the user typed it, once.** Browsers send a textarea's line breaks as CRLF, htmx as LF;
  both are stored as LF, so a form submitted unchanged never "changes" a text.
- **Plausible dates.** :class:`DateField` refuses a date outside ``clock.date_window()``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from flask_babel import format_date, get_translations
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, StringField
from wtforms import DateField as WTFormsDateField
from wtforms.validators import ValidationError

from ..domain.clock import date_window, local_today


def N_(message: str) -> str:  # noqa: N802 (gettext's conventional name for "mark only")
    """Mark a message for extraction without translating it here."""
    return message


def Nn_(singular: str, plural: str) -> tuple[str, str]:  # noqa: N802 (as ``N_``, with a plural)
    """Mark a message with a plural for extraction (``pybabel extract -k Nn_:1,2``)."""
    return singular, plural


# WTForms' built-in messages (its ``wtforms.pot``), so that ``pybabel extract`` puts them in our
# catalogue; tests/app/test_i18n.py checks this list against the installed WTForms.
WTFORMS_MESSAGES = (
    N_("Invalid field name '%s'."),
    N_("Field must be equal to %(other_name)s."),
    Nn_("Field must be at least %(min)d character long.",
        "Field must be at least %(min)d characters long."),
    Nn_("Field cannot be longer than %(max)d character.",
        "Field cannot be longer than %(max)d characters."),
    Nn_("Field must be exactly %(max)d character long.",
        "Field must be exactly %(max)d characters long."),
    N_("Field must be between %(min)d and %(max)d characters long."),
    N_("Number must be at least %(min)s."),
    N_("Number must be at most %(max)s."),
    N_("Number must be between %(min)s and %(max)s."),
    N_("Date must be at least %(min)s."),
    N_("Date must be at most %(max)s."),
    N_("Date must be between %(min)s and %(max)s."),
    N_("This field is required."),
    N_("Invalid input."),
    N_("Invalid email address."),
    N_("Invalid IP address."),
    N_("Invalid Mac address."),
    N_("Invalid URL."),
    N_("Invalid UUID."),
    N_("Invalid value, must be one of: %(values)s."),
    N_("Invalid value, can't be any of: %(values)s."),
    N_("This field cannot be edited."),
    N_("This field is disabled and cannot have a value."),
    N_("Invalid CSRF Token."),
    N_("CSRF token missing."),
    N_("CSRF failed."),
    N_("CSRF token expired."),
    N_("Invalid Choice: could not coerce."),
    N_("Choices cannot be None."),
    N_("Not a valid choice."),
    N_("Invalid choice(s): one or more data inputs could not be coerced."),
    Nn_("'%(value)s' is not a valid choice for this field.",
        "'%(value)s' are not valid choices for this field."),
    N_("Not a valid datetime value."),
    N_("Not a valid date value."),
    N_("Not a valid time value."),
    N_("Not a valid week value."),
    N_("Not a valid integer value."),
    N_("Not a valid decimal value."),
    N_("Not a valid float value."),
)


class _BabelTranslations:
    """What WTForms asks of a translations object, answered by the app's catalogue (the
    request's language, as every other text on the page)."""

    def gettext(self, string: str) -> str:
        return get_translations().ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return get_translations().ungettext(singular, plural, n)


_TRANSLATIONS = _BabelTranslations()


def normalise_newlines(value: Any) -> Any:
    """CRLF and CR (as browsers submit a textarea) become LF, as stored."""
    if isinstance(value, str) and "\r" in value:
        return value.replace("\r\n", "\n").replace("\r", "\n")
    return value


class BaseForm(FlaskForm):
    """The base of every form in the app (see the module docstring)."""

    class Meta(FlaskForm.Meta):
        def get_translations(self, form):
            return _TRANSLATIONS

        def bind_field(self, form, unbound_field, options):
            if issubclass(unbound_field.field_class, StringField):  # incl. textareas
                filters = unbound_field.kwargs.get("filters") or ()
                options = dict(options, filters=[normalise_newlines, *filters])
            return super().bind_field(form, unbound_field, options)


class DateField(WTFormsDateField):
    """A date in the plausible window (``QUICKWIN_DATE_MIN_YEAR`` … ``_MAX_YEAR``)."""

    def pre_validate(self, form) -> None:
        super().pre_validate(form)
        if self.data is None:
            return
        first, last = date_window()
        if not first <= self.data <= last:
            self.data = None
            raise ValidationError(_("Enter a date between %(first)s and %(last)s.",
                                    first=format_date(first), last=format_date(last)))


CONFIRM_PAST_LABEL = _l("Yes, this date lies in the past on purpose")


def check_not_past(date_field: WTFormsDateField, confirm: BooleanField,
                   today: date | None = None) -> bool:
    """For a new record whose date should lie ahead (a target, a due date): a date before today
    needs the user's confirmation. Without it the date field gets an error and the form shows the
    confirmation box (``confirm.flags.shown``); returns whether the form may be saved."""
    day = date_field.data
    if day is None or day >= (today or local_today()) or confirm.data:
        return True
    confirm.flags.shown = True
    date_field.errors = [*date_field.errors, _(
        "This date is in the past. Check the date, or confirm below that it is right.")]
    return False


def page_number(args: Mapping[str, str]) -> int:
    """The ``page`` argument of a paged list: 1 when missing or not a number, and bounded, so a
    page past any real one shows an empty page, not a 500 (the OFFSET must fit the database's
    integers)."""
    try:
        return min(max(1, int(args.get("page", "1"))), 1_000_000)
    except ValueError:
        return 1


class BoundedIntegerField(IntegerField):
    """An IntegerField that refuses numbers beyond a 32-bit integer as "not a valid integer".
    (WTForms' ``NumberRange`` calls ``math.isnan()``, which raises OverflowError on huge ints.)"""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and not -(2**31) <= self.data < 2**31:
            self.data = None
            raise ValueError(self.gettext("Not a valid integer value."))
