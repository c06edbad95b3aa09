from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, SubmitField
from wtforms.validators import AnyOf, InputRequired, NumberRange

from ..channels.registry import CHOICES, TOPIC_LABELS
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


def _channel_field(topic: str) -> SelectField:
    return SelectField(TOPIC_LABELS[topic], validate_choice=False, validators=[AnyOf(
        CHOICES, message=_l("Choose email, Telegram, or both."))])


class ChannelsForm(BaseForm):
    """Where each kind of message goes (``channels.registry``). The view offers Telegram only
    when the deployment has a bot (``set_choices``)."""

    channel_digest = _channel_field("digest")
    channel_milestones = _channel_field("milestones")
    channel_updates = _channel_field("updates")
    channel_mentions = _channel_field("mentions")
    channel_reviews = _channel_field("reviews")
    save_channels = SubmitField(_l("Save where messages go"))

    def set_choices(self, choices: list[tuple[str, str]]) -> None:
        for field in self.channel_fields():
            field.choices = choices

    def channel_fields(self) -> list[SelectField]:
        return [self.channel_digest, self.channel_milestones, self.channel_updates,
                self.channel_mentions, self.channel_reviews]
