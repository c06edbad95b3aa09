"""Downloads of the stocktake pack (``pack``): the summary for a period, and a review, each as
an XLSX workbook and as a PDF. Read like the pages they come from (``can_read_summary``); the
summary's take the page's query string (period, start, end, sort, dir): a bad one is a 400."""

from __future__ import annotations

from flask import Response
from flask_login import current_user, login_required

from ..domain.permissions import can_read_summary
from ..extensions import db
from ..models import Review
from ..web.actions import require
from . import bp
from .pack import Pack, review_pack, summary_pack
from .pack_pdf import PDF_MIMETYPE, pdf_bytes
from .pack_xlsx import XLSX_MIMETYPE, workbook_bytes
from .views import requested_summary


def _summary_pack() -> Pack:
    return summary_pack(requested_summary()[0])


def _review_pack(review_id: int) -> Pack:
    require(can_read_summary(current_user))
    return review_pack(db.get_or_404(Review, review_id))


def _download(content: bytes, content_type: str, name: str) -> Response:
    response = Response(content, content_type=content_type)
    response.headers.set("Content-Disposition", "attachment", filename=name)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _xlsx(pack: Pack) -> Response:
    return _download(workbook_bytes(pack), XLSX_MIMETYPE, f"{pack.file_stem}.xlsx")


def _pdf(pack: Pack) -> Response:
    return _download(pdf_bytes(pack), PDF_MIMETYPE, f"{pack.file_stem}.pdf")


@bp.get("/summary/stocktake.xlsx")
@login_required
def summary_xlsx():
    return _xlsx(_summary_pack())


@bp.get("/reviews/<int:review_id>/stocktake.xlsx")
@login_required
def review_xlsx(review_id: int):
    return _xlsx(_review_pack(review_id))


@bp.get("/summary/stocktake.pdf")
@login_required
def summary_pdf():
    return _pdf(_summary_pack())


@bp.get("/reviews/<int:review_id>/stocktake.pdf")
@login_required
def review_pdf(review_id: int):
    return _pdf(_review_pack(review_id))
