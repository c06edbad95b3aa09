"""The form that makes a token (revoking is a bare POST with its CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectChoice, StringField
from wtforms.validators import InputRequired, Length, Optional

from ..models import TOKEN_SCOPE_LABELS, TokenScope
from ..web.forms import BaseForm, DateField
from .services import NAME_MAX


class NewTokenForm(BaseForm):
    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=NAME_MAX)],
                       render_kw={"maxlength": NAME_MAX, "autocomplete": "off",
                                  "placeholder": _l("e.g. SIPD budget sync")})
    scope = RadioField(_l("Access"), default=TokenScope.READ.value,
                       choices=[SelectChoice(scope.value, label)
                                for scope, label in TOKEN_SCOPE_LABELS.items()],
                       validators=[InputRequired()])
    expires_on = DateField(_l("Expires on"), validators=[Optional()])
