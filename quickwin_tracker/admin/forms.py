from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from ..auth.forms import LANGUAGE_CHOICES, MIN_PASSWORD_LENGTH
from ..lifecycle.gates import CHECKS
from ..models import ROLE_LABELS, TAG_KIND_LABELS
from ..web.forms import BaseForm, BoundedIntegerField

NONE = 0


class UserForm(BaseForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    role = SelectField(_l("Role"))
    unit = SelectField(_l("Unit (OPD)"), coerce=int)
    locale = SelectField(_l("Language"))
    password = PasswordField(
        _l("Password"),
        validators=[
            Optional(),
            Length(min=MIN_PASSWORD_LENGTH, max=1000,
                   message=_l("Use at least %(num)d characters.", num=MIN_PASSWORD_LENGTH)),
        ],
        description=_l("Leave empty to keep the current password."),
    )
    active = BooleanField(_l("Active (may sign in)"), default=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Per instance: WTForms 3.3 deprecates tuple choices declared on the class.
        self.role.choices = [(r.value, label) for r, label in ROLE_LABELS.items()]
        self.locale.choices = list(LANGUAGE_CHOICES)


class UnitForm(BaseForm):
    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Length(max=32),
                    Regexp(r"^[A-Za-z0-9_-]+$", message=_l("Letters, digits, - and _ only."))],
    )
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    head = SelectField(_l("Head of unit"), coerce=int)
    active = BooleanField(_l("Active"), default=True)


class StageForm(BaseForm):
    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Length(max=32),
                    Regexp(r"^[a-z0-9_]+$", message=_l("Lower-case letters, digits and _ only."))],
        description=_l("A short, permanent identifier, e.g. “review”."),
    )
    name_id = StringField(_l("Name (Indonesian)"), validators=[DataRequired(), Length(max=80)])
    name_en = StringField(_l("Name (English)"), validators=[DataRequired(), Length(max=80)])
    wip_limit = BoundedIntegerField(
        _l("WIP limit"),
        validators=[Optional(), NumberRange(min=1, max=100000)],
        description=_l("The most initiatives this stage may hold at once; empty for no limit."),
    )
    expected_days = BoundedIntegerField(
        _l("Expected days in this stage"),
        validators=[Optional(), NumberRange(min=1, max=3650)],
        description=_l("Longer than this, an initiative is “at risk”; twice as long, “off track”. "
                       "Empty: no limit."),
    )
    update_cadence_days = BoundedIntegerField(
        _l("Progress update every (days)"),
        validators=[Optional(), NumberRange(min=1, max=366)],
        description=_l("How often the owners of initiatives in this stage post a progress update. "
                       "Empty: the deployment's default (QUICKWIN_UPDATE_CADENCE_DAYS)."),
    )
    rollout = BooleanField(
        _l("This is the rollout stage"),
        description=_l("Entering it rolls a quick win out. Initiatives here, and in any stage "
                       "after it (an evaluation stage, say), count as rolled out: done, on the "
                       "public page and in the summary's rollouts. Exactly one stage is the "
                       "rollout stage: ticking this moves the mark here."),
    )
    gates = SelectMultipleField(
        _l("To enter this stage, an initiative…"),
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.gates.choices = [(code, check.label) for code, check in CHECKS.items()]


class TagForm(BaseForm):
    kind = SelectField(_l("Kind of plan"))
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)],
                       description=_l("E.g. “11.2” for an SDG target, or the programme number."))
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [(kind.value, label) for kind, label in TAG_KIND_LABELS.items()]


class DirectoryTestForm(BaseForm):
    """The "test connection" button of the sign-in page (``admin.identity``): an optional
    person whose entry and groups the test looks up (no password of theirs is needed)."""

    email = EmailField(_l("Sample person's email (optional)"),
                       validators=[Optional(), Email(), Length(max=254)])
