"""Exports (XLSX, CSV) of the board as filtered, and the two-step initiative import.

The import: ``POST /import`` checks the file and shows a preview (every row, every error, nothing
written). A clean file is kept under ``<instance>/imports/`` with a random id; the session
remembers that id with the file's SHA-256, its owner and the time, so only the same user in the
same session can confirm it, within ``imports.UPLOAD_TTL``. ``POST /import/confirm`` plans again
from the stored file (the data may have changed meanwhile) and imports every row in one
transaction, or nothing.
"""

from __future__ import annotations

import time

import sqlalchemy as sa
from flask import Response, abort, flash, render_template, request, session, url_for
from flask_babel import format_decimal, get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge

from ..board.filters import BoardFilters, FilterError
from ..domain.permissions import can_create_in, can_view
from ..extensions import db
from ..models import Dimension
from ..web.actions import require, user_action
from ..web.htmx import redirect_to, wants_fragment
from ..web.pages import render_page
from . import bp, exports, imports
from .forms import ConfirmImportForm, ImportForm

SESSION_KEY = "transfer.imports"
MAX_PENDING = 3  # waiting uploads remembered per session
PREVIEW_ROWS = 200  # rows listed on the preview (all are checked)
PREVIEW_ERRORS = 500


# --------------------------------------------------------------------------- exports


def _filters() -> BoardFilters:
    """The board's filters as the board resolves them for the reader (their scope, when the URL
    names no unit): an export holds what the board showed."""
    try:
        return BoardFilters.for_reader(request.args, current_user)
    except FilterError as exc:
        abort(400, description=str(exc))


def _language() -> str:
    locale = get_locale()
    return locale.language if locale is not None else "id"


def _download(content: bytes, content_type: str, name: str) -> Response:
    # ``content_type``, not ``mimetype``: werkzeug appends a charset to a text/* mimetype even
    # when it already has one ("text/csv; charset=utf-8; charset=utf-8").
    response = Response(content, content_type=content_type)
    response.headers.set("Content-Disposition", "attachment", filename=name)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _export(details: bool) -> exports.Export:
    require(can_view(current_user))
    filters = _filters()
    include_archived = request.args.get("archived") in ("1", "on", "true")
    return exports.collect(filters, current_user, include_archived, _language(), details=details)


@bp.get("/initiatives.xlsx")
@login_required
def export_xlsx():
    export = _export(details=True)
    return _download(exports.workbook_bytes(export), exports.XLSX_MIMETYPE,
                     exports.file_name("xlsx"))


@bp.get("/initiatives.csv")
@login_required
def export_csv():
    """The initiative list as CSV; ``sep=semicolon`` for Excel with Indonesian settings."""
    export = _export(details=False)
    delimiter = exports.CSV_SEPARATORS.get(request.args.get("sep") or "comma")
    if delimiter is None:
        abort(400, description=_("Unknown separator: use sep=comma or sep=semicolon."))
    return _download(exports.initiatives_csv(export, delimiter), exports.CSV_MIMETYPE,
                     exports.file_name("csv"))


@bp.get("/links")
@login_required
def links():
    """The export and import links for the board's current filters (the board's filter form
    refreshes them; see ``transfer/_links.html``)."""
    return render_template("transfer/_links.html", filters=_filters())


# --------------------------------------------------------------------------- import: pages


def _require_creator() -> None:
    require(can_create_in(current_user, None))


def _import_page(form: ImportForm, status: int = 200):
    dimensions = list(db.session.scalars(sa.select(Dimension).order_by(Dimension.position)))
    return render_page(
        "transfer/import.html", form=form, dimensions=dimensions, columns=imports.COLUMNS,
        max_size=imports.size_label(imports.max_bytes()), max_rows=format_decimal(imports.MAX_ROWS),
        accept=imports.ACCEPT,
    ), status


def _refused(message: str, status: int):
    form = ImportForm(formdata=None)
    form.file.errors = [message]
    return _import_page(form, status)


def _preview(plan: imports.ImportPlan, token: str | None):
    confirm = None
    if token is not None:
        confirm = ConfirmImportForm(formdata=None, upload=token)
    status = 200 if plan.ready else 422
    return render_page(
        "transfer/preview.html", plan=plan, confirm=confirm,
        rows=plan.rows[:PREVIEW_ROWS], errors=plan.errors[:PREVIEW_ERRORS],
    ), status


# --------------------------------------------------------------------------- import: the session


def _pending() -> dict[str, dict]:
    return dict(session.get(SESSION_KEY) or {})


def _expired(entry: dict, now: float) -> bool:
    return now - float(entry.get("at", 0)) > imports.UPLOAD_TTL.total_seconds()


def _remember(token: str, upload: imports.CheckedUpload) -> None:
    now = time.time()
    pending = _pending()
    for old, entry in list(pending.items()):
        if _expired(entry, now) or entry.get("user") != current_user.id:
            pending.pop(old)
            if entry.get("user") == current_user.id:
                imports.discard_upload(old, entry.get("kind", ""))
    while len(pending) >= MAX_PENDING:
        oldest = min(pending, key=lambda t: pending[t].get("at", 0))
        imports.discard_upload(oldest, pending.pop(oldest).get("kind", ""))
    pending[token] = {"user": current_user.id, "sha256": upload.sha256, "kind": upload.kind,
                      "name": upload.file_name, "at": now}
    session[SESSION_KEY] = pending


def _claim(token: str) -> dict | None:
    """The session's entry for ``token`` if it is this user's and still fresh."""
    entry = _pending().get(token)
    if entry is None or entry.get("user") != current_user.id or _expired(entry, time.time()):
        return None
    return entry


def _forget(token: str) -> None:
    pending = _pending()
    entry = pending.pop(token, None)
    session[SESSION_KEY] = pending
    if entry is not None:
        imports.discard_upload(token, entry.get("kind", ""))


# --------------------------------------------------------------------------- import: views


@bp.get("/import")
@login_required
def import_form():
    _require_creator()
    return _import_page(ImportForm(formdata=None))


@bp.post("/import")
@login_required
def import_preview():
    _require_creator()
    form = ImportForm()
    if not form.validate_on_submit():  # the CSRF token
        return _import_page(form, 422)
    try:
        upload = imports.check_upload(form.file.data)
        plan = imports.plan_import(current_user, upload.content, upload.file_name)
    except imports.FileRefused as refused:
        form.file.errors = [refused.message]
        return _import_page(form, 422)
    token = None
    if plan.ready:
        imports.sweep_uploads()
        token = imports.store_upload(upload)
        _remember(token, upload)
    return _preview(plan, token)


@bp.post("/import/confirm")
@login_required
def import_confirm():
    _require_creator()
    form = ConfirmImportForm()
    token = form.upload.data or ""
    entry = _claim(token) if form.validate_on_submit() else None
    content = imports.load_upload(token, entry["kind"], entry["sha256"]) if entry else None
    if entry is None or content is None:
        if entry is not None:
            _forget(token)
        return _refused(_("This import is no longer available: it has expired or was started "
                          "elsewhere. Please upload the file again."), 400)
    try:
        plan = imports.plan_import(current_user, content, entry["name"])
    except imports.FileRefused as refused:
        _forget(token)
        return _refused(refused.message, 422)
    if not plan.ready:
        # The data changed since the preview (e.g. someone added one of these titles).
        _forget(token)
        return _preview(plan, None)
    with user_action(report=False) as action:
        ids = imports.import_initiatives(current_user, plan)
    _forget(token)
    if not action.done:  # a ready plan is hardly refused, but if so, say why: nothing was imported
        return _refused(action.error.message, action.error.status)
    flash(ngettext("%(num)d initiative imported from %(file)s.",
                   "%(num)d initiatives imported from %(file)s.", len(ids), file=plan.file_name),
          "success")
    return redirect_to(url_for("board.index"))


@bp.get("/import-template.xlsx")
@login_required
def template_xlsx():
    _require_creator()
    return _download(imports.template_workbook(current_user), exports.XLSX_MIMETYPE,
                     "quick-wins-import-template.xlsx")


@bp.get("/import-template.csv")
@login_required
def template_csv():
    _require_creator()
    return _download(imports.template_csv(current_user), exports.CSV_MIMETYPE,
                     "quick-wins-import-template.csv")


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error: RequestEntityTooLarge):
    """A body beyond ``MAX_CONTENT_LENGTH``, refused unread by werkzeug: on the import page, the
    message goes next to the file field; elsewhere, the error page saying what the limit is."""
    message = imports.too_large_message()
    if (request.endpoint == "transfer.import_preview" and not wants_fragment()
            and current_user.is_authenticated and can_create_in(current_user, None)):
        return _refused(message, 413)
    return render_page("errors/error.html", error=RequestEntityTooLarge(description=message)), 413
