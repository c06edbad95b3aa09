from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, EqualTo, Length

from ..models import LOCALES
from ..web.forms import BaseForm
from .passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH

LANGUAGE_CHOICES = [("id", "Bahasa Indonesia"), ("en", "English")]
assert [c for c, _ in LANGUAGE_CHOICES] == list(LOCALES)


class LoginForm(BaseForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1000)])
    remember = BooleanField(_l("Keep me signed in on this device"))
    next = HiddenField()
    submit = SubmitField(_l("Sign in"))


class NewPasswordForm(BaseForm):
    """A new password twice; the rules (``passwords.py``) are checked by the view, which knows
    the account."""

    new_password = PasswordField(
        _l("New password"),
        validators=[
            DataRequired(),
            Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH,
                   message=_l("Use at least %(num)d characters.", num=MIN_PASSWORD_LENGTH)),
        ],
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The two passwords differ."))],
    )
    submit = SubmitField(_l("Change password"))


class PasswordForm(NewPasswordForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])


class ForgotPasswordForm(BaseForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    submit = SubmitField(_l("Send the link"))


class LanguageForm(BaseForm):
    locale = SelectField(_l("Language"))
    submit = SubmitField(_l("Save language"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Set per instance, as everywhere else: WTForms 3.3 deprecates tuple choices declared on
        # the class (a DeprecationWarning, an error under the test suite's filterwarnings).
        self.locale.choices = list(LANGUAGE_CHOICES)


# --------------------------------------------------------------------------- second factor


class SecondStepForm(BaseForm):
    """The sign-in's second step: a code from the app, or a recovery code."""

    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=64)],
                       description=_l("The 6-digit code your authenticator app shows now, or one "
                                      "of your recovery codes."))
    submit = SubmitField(_l("Verify"))


class EnrolForm(BaseForm):
    """Confirming a new second factor with the first code the app shows."""

    code = StringField(_l("Code from the app"), validators=[DataRequired(), Length(max=64)])
    submit = SubmitField(_l("Turn on two-step verification"))


class RecoveryCodesForm(BaseForm):
    code = StringField(_l("Code from the app"), validators=[DataRequired(), Length(max=64)])
    submit = SubmitField(_l("Make new recovery codes"))


class DisableSecondFactorForm(BaseForm):
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1000)])
    code = StringField(_l("Code from the app, or a recovery code"),
                       validators=[DataRequired(), Length(max=64)])
    submit = SubmitField(_l("Turn off two-step verification"))
