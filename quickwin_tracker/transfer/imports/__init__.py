"""Import of initiatives from an XLSX workbook or a CSV file.

Three steps, none of which trusts the previous one:

1. **Check the upload** (:func:`check_upload`, ``uploads.py``): a size limit (``IMPORT_MAX_BYTES``,
   from ``QUICKWIN_IMPORT_MAX_MB``), an ``.xlsx`` or ``.csv`` name, and content that really is one:
   a ZIP that openpyxl can open, or text (UTF-8, or Windows-1252 as older Excel saves it) without
   control characters. Anything else raises :class:`FileRefused` (shown next to the file field).
2. **Plan** (:func:`plan_import`, ``planning.py``): read the first sheet, within the caps and the
   time budget of :mod:`..tables` (a crafted file cannot stall the server), find the header row
   (``header.py``: either language, any case, any column order; unknown columns are ignored and
   listed), and check *every* row (``rows.py``, against what ``lookups.py`` loaded once) against
   the same rules as ``initiatives.services.create_initiative`` (permission per unit, active unit,
   owner active and in the unit) plus the file's own: known dimension, unit and plan tags, a real
   date within the years the app accepts (``clock.date_window()``), title and benefit present and
   not too long, no duplicate title within a unit, neither in the file nor among the non-archived
   initiatives. Nothing is written.
3. **Import** (:func:`import_initiatives`, ``applying.py``): the caller plans again (the data may
   have changed since the preview) and, when the plan has no error, this writes all rows in the
   caller's transaction: one multi-row INSERT for the initiatives, one for their plan tags and one
   for their "imported" Activity rows. Each initiative goes to the bottom of its (dimension, first
   stage) cell; the bottom of each cell is read once. Creating 10,000 initiatives one by one
   through ``create_initiative`` costs several queries each (minutes); this path takes seconds.

Between the preview and the confirmation the upload waits under ``<instance>/imports/`` with a
random name; :func:`store_upload`, :func:`load_upload` (checks the SHA-256 the caller remembered)
and :func:`discard_upload` manage it, :func:`sweep_uploads` removes abandoned ones
(``uploads.py``). The downloadable template is made by ``template.py``.
"""

from ..tables import MAX_ROWS, FileRefused, size_label
from .applying import import_initiatives
from .header import COLUMNS, COLUMNS_BY_KEY, ImportColumn
from .planning import ImportPlan, plan_import
from .rows import PlannedRow, RowError
from .template import template_csv, template_rows, template_workbook
from .uploads import (
    ACCEPT,
    EXTENSIONS,
    UPLOAD_TTL,
    CheckedUpload,
    Upload,
    check_upload,
    discard_upload,
    display_name,
    load_upload,
    max_bytes,
    sniff_kind,
    store_upload,
    sweep_uploads,
    too_large_message,
    uploads_folder,
)
from .values import BENEFIT_MAX, DESCRIPTION_MAX, TITLE_MAX, OutsideWindow, parse_date

__all__ = [
    "ACCEPT",
    "BENEFIT_MAX",
    "COLUMNS",
    "COLUMNS_BY_KEY",
    "DESCRIPTION_MAX",
    "EXTENSIONS",
    "MAX_ROWS",
    "TITLE_MAX",
    "UPLOAD_TTL",
    "CheckedUpload",
    "FileRefused",
    "ImportColumn",
    "ImportPlan",
    "OutsideWindow",
    "PlannedRow",
    "RowError",
    "Upload",
    "check_upload",
    "discard_upload",
    "display_name",
    "import_initiatives",
    "load_upload",
    "max_bytes",
    "parse_date",
    "plan_import",
    "size_label",
    "sniff_kind",
    "store_upload",
    "sweep_uploads",
    "template_csv",
    "template_rows",
    "template_workbook",
    "too_large_message",
    "uploads_folder",
]
