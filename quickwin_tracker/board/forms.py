from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Optional

TOP = "top"
BOTTOM = "bottom"


class MoveForm(FlaskForm):
    """One form for the drag-and-drop post and the keyboard/no-JS "move to" control."""

    stage = SelectField(_l("Move to stage"), validators=[DataRequired()])
    # "top", "bottom", or the id of the card it should follow.
    after = SelectField(_l("Position"), validators=[Optional()], validate_choice=False)
    version = IntegerField(validators=[InputRequired()])
    submit = SubmitField(_l("Move"))
    # Filters of the board the move was made on, so the answer re-renders the same view.
    unit = HiddenField()
    owner = HiddenField()
    dimension = HiddenField()
    q = HiddenField()
    mine = HiddenField()
