from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SubmitField
from wtforms.validators import InputRequired, NumberRange

from ..reminders.services import MAX_LEAD_DAYS
from ..web.forms import BaseForm, BoundedIntegerField


class PreferencesForm(BaseForm):
    digest_enabled = BooleanField(_l("Send me the weekly digest"))
    reminders_enabled = BooleanField(
        _l("Send me reminders (milestones, quiet initiatives, measurements, mentions)"))
    reminder_lead_days = BoundedIntegerField(
        _l("Remind me of a milestone this many days before it is due"),
        validators=[
            InputRequired(message=_l("Enter a number of days.")),
            NumberRange(min=1, max=MAX_LEAD_DAYS,
                        message=_l("Choose from %(min)d to %(max)d days.", min=1,
                                   max=MAX_LEAD_DAYS)),
        ],
    )
    submit = SubmitField(_l("Save email settings"))
