from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField

from ..web.forms import BaseForm
from .services import MAX_BODY


class CommentForm(BaseForm):
    """The body only; its rules (not empty, at most ``MAX_BODY`` characters) live in the service.

    ``field_id`` gives the textarea a page-unique id: the add box and an open edit box can be on
    the page together, and both post ``body``.
    """

    body = TextAreaField(_l("Comment"), render_kw={"rows": 4, "maxlength": MAX_BODY})

    def __init__(self, *args, field_id: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if field_id:
            self.body.id = field_id
            self.body.label.field_id = field_id
