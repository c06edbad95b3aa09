from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import RadioField, TextAreaField, URLField

from ..domain.links import LINK_MAX
from ..models import HEALTH_LABELS
from ..outcomes.evidence import ACCEPT
from ..web.forms import BaseForm
from .services import MAX_TEXT


class UpdateForm(BaseForm):
    """A progress update; its rules live in the service (``services._clean``). ``prefix`` keeps
    the ids of an open edit form apart from the add form's on the same page."""

    health = RadioField(_l("How is it going?"))
    moved = TextAreaField(_l("What moved since the last update"),
                          render_kw={"rows": 3, "maxlength": MAX_TEXT})
    blocks = TextAreaField(_l("What blocks it (optional)"),
                           render_kw={"rows": 2, "maxlength": MAX_TEXT})
    next_steps = TextAreaField(_l("What comes next (optional)"),
                               render_kw={"rows": 2, "maxlength": MAX_TEXT})
    link = URLField(_l("Link (optional)"), render_kw={"maxlength": LINK_MAX,
                                                      "placeholder": "https://"})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.health.choices = [(h.value, str(label)) for h, label in HEALTH_LABELS.items()]


class NewUpdateForm(UpdateForm):
    """Posting an update may attach a file (checked by ``outcomes.evidence``); an edit keeps it."""

    evidence = FileField(_l("File (optional)"), render_kw={"accept": ACCEPT})
