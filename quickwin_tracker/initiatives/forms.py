from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..web.forms import CONFIRM_PAST_LABEL, BaseForm, DateField


class InitiativeForm(BaseForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    benefit = TextAreaField(
        _l("Citizen benefit"),
        validators=[DataRequired(), Length(max=2000)],
        description=_l("What will citizens feel at once when this is rolled out?"),
    )
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=10000)])
    dimension = SelectField(_l("Smart City dimension"), coerce=int, validators=[InputRequired()])
    unit = SelectField(_l("Unit (OPD)"), coerce=int, validators=[InputRequired()])
    owner = SelectField(_l("Owner"), coerce=int, validators=[Optional()])
    target_date = DateField(_l("Target rollout date"), validators=[Optional()])
    # Shown only when a new initiative's target date lies in the past (``forms.check_not_past``).
    target_date_confirm = BooleanField(CONFIRM_PAST_LABEL)
    members = SelectMultipleField(
        _l("Team members"), coerce=int, validators=[Optional()],
        description=_l("People from any unit who work on it with the owner; they may edit it too."),
    )
    tags = SelectMultipleField(
        _l("Plans it serves"), coerce=int, validators=[Optional()],
        option_widget=CheckboxInput(), widget=ListWidget(prefix_label=False),
    )
    version = HiddenField()
    submit = SubmitField(_l("Save"))


class ArchiveSearchForm(BaseForm):
    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=200)])

