"""Forms of the import. Field checks only; what a file must hold is checked in ``imports/``."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import HiddenField, SubmitField
from wtforms.validators import InputRequired

from ..web.forms import BaseForm


class ImportForm(BaseForm):
    # The file is checked by ``imports.check_upload`` (presence, name, size, content), so that
    # every refusal reads the same and lands next to this field.
    file = FileField(
        _l("Spreadsheet file (XLSX or CSV)"),
        description=_l("The first sheet is read; its first row names the columns, in Indonesian "
                       "or English."),
    )
    submit = SubmitField(_l("Check the file"))


class ConfirmImportForm(BaseForm):
    upload = HiddenField(validators=[InputRequired()])
    submit = SubmitField(_l("Import"))

