"""The endpoint form (the other actions are bare POSTs with their CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectMultipleField, StringField
from wtforms.validators import InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..web.forms import BaseForm
from . import network
from .events import EVENT_TYPES
from .services import DESCRIPTION_MAX, URL_MESSAGES


class EndpointForm(BaseForm):
    url = StringField(
        _l("Address (URL)"), validators=[InputRequired(), Length(max=network.URL_MAX)],
        render_kw={"type": "url", "maxlength": network.URL_MAX, "autocomplete": "off",
                   "spellcheck": "false", "placeholder": "https://hooks.example.go.id/quickwin"},
        description=_l("Where the events are posted. The app only sends to public internet "
                       "addresses."))
    description = StringField(
        _l("Description"), validators=[Optional(), Length(max=DESCRIPTION_MAX)],
        render_kw={"maxlength": DESCRIPTION_MAX},
        description=_l("What receives them, e.g. “SIPD sync (Bappeda)”."))
    event_types = SelectMultipleField(
        _l("Events to send"), option_widget=CheckboxInput(), widget=ListWidget(prefix_label=False))
    allow_private = BooleanField(
        _l("Allow private network addresses"),
        description=_l("Only for a receiver inside the city's own network (loopback, 10.x, "
                       "172.16–31.x, 192.168.x, link-local). Leave it off for anything on the "
                       "internet."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.event_types.choices = [(name, f"{label} ({name})")
                                    for name, label in EVENT_TYPES.items()]

    def validate_url(self, field) -> None:
        try:
            network.parse_url(field.data or "")
        except network.BadURL as exc:
            raise ValidationError(str(URL_MESSAGES[exc.code])) from exc

    def validate_event_types(self, field) -> None:
        if not field.data:
            raise ValidationError(str(_l("Choose at least one kind of event.")))
