"""The review cycle's forms: starting a review (title, period) and recording a decision."""

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..models import REVIEW_DECISION_LABELS
from ..web.forms import BaseForm, DateField
from .periods import PRESET_LABELS


class StartReviewForm(BaseForm):
    title = StringField(_l("Title"), validators=[Optional(), Length(max=200)],
                        description=_l("Empty: “Review <period>”."))
    period = SelectField(_l("Period"))
    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("To"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.period.choices = [(k, v) for k, v in PRESET_LABELS.items()]


class DecisionForm(BaseForm):
    decision = SelectField(_l("Decision"), validators=[DataRequired(message=_l("Choose a decision."))])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=4000)])
    follow_up_on = DateField(_l("Follow-up date"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # "" is the page's "choose…" option: refused as missing, not as an unknown choice.
        self.decision.choices = [("", "")] + [(k.value, v) for k, v in REVIEW_DECISION_LABELS.items()]
