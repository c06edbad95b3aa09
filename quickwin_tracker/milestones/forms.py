from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length

from ..models import Milestone, User
from ..web.forms import CONFIRM_PAST_LABEL, BaseForm, DateField
from .services import TITLE_MAX, eligible_responsibles

NOBODY = 0


class MilestoneForm(BaseForm):
    """Add or edit. Built with a prefix ("new", "m<id>") so several forms on one page keep
    distinct element ids."""

    title = StringField(_l("Milestone"), validators=[DataRequired(), Length(max=TITLE_MAX)])
    due_date = DateField(_l("Due date"), validators=[InputRequired()])
    # Shown only when a new milestone's due date lies in the past (``forms.check_not_past``).
    due_date_confirm = BooleanField(CONFIRM_PAST_LABEL)
    responsible = SelectField(_l("Responsible"), coerce=int, default=NOBODY)
    submit = SubmitField(_l("Save"))

    def fill_choices(self, keep: User | None = None) -> MilestoneForm:
        """Active staff, managers and admins of any unit; ``keep`` (the current responsible) stays
        selectable even if no longer eligible, so editing the title alone is not refused."""
        people = eligible_responsibles()
        if keep is not None and all(u.id != keep.id for u in people):
            people.append(keep)
        self.responsible.choices = [(NOBODY, _("— nobody yet —"))] + [
            (u.id, f"{u.name} ({u.unit.code})" if u.unit else u.name) for u in people
        ]
        return self


class ActionForm(BaseForm):
    """Complete, reopen, delete: nothing but the CSRF token."""


def new_form(initiative, formdata=None) -> MilestoneForm:
    """The add form; the initiative's owner is suggested as responsible."""
    owner = initiative.owner
    default = owner.id if owner is not None and owner.active else NOBODY
    form = MilestoneForm(formdata=formdata, prefix="new", responsible=default)
    return form.fill_choices()


def edit_form(milestone: Milestone, formdata=None) -> MilestoneForm:
    form = MilestoneForm(formdata=formdata, prefix=f"m{milestone.id}", title=milestone.title,
                         due_date=milestone.due_date,
                         responsible=milestone.responsible_id or NOBODY)
    return form.fill_choices(keep=milestone.responsible)
