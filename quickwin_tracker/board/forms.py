from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, Optional

from ..models import SavedView
from ..web.forms import BaseForm, BoundedIntegerField
from .settings import SCOPES

TOP = "top"
BOTTOM = "bottom"
KEEP = "keep"  # where it is now: in its own stage, no move at all; in another, the bottom


class MoveForm(BaseForm):
    """One form for the drag-and-drop post and the keyboard/no-JS "move to" control. The board's
    filters come along as plain fields (``BoardFilters.from_args``), so the answer re-renders the
    view the move was made on."""

    stage = SelectField(_l("Move to stage"), validators=[DataRequired()])
    # "keep", "top", "bottom", or the id of the card it should follow.
    after = SelectField(_l("Position"), validators=[Optional()], validate_choice=False)
    version = BoundedIntegerField(validators=[InputRequired()])
    # The stage the user's board showed the card in: its cell is re-rendered with the answer.
    from_stage = HiddenField()


class ScopeForm(BaseForm):
    """The scope bar's buttons ("Whole city", "Only DINKES"): the pressed button's value is the
    scope to remember. The board's other filters come along as plain fields, kept after it."""

    scope = HiddenField(validators=[AnyOf(SCOPES)])


class SaveViewForm(BaseForm):
    """"Keep this view": a name; the board's filters come along as plain fields. The name's rules
    (unique per person, how many views) are ``board.saved``'s."""

    name = StringField(_l("Name of this view"), validators=[
        DataRequired(message=_l("Give the view a name.")),
        Length(max=SavedView.NAME_LENGTH)], id="view-name")
