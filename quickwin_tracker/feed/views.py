from __future__ import annotations

from flask import abort, request
from flask_login import login_required

from ..clock import city_tz
from ..htmx import render, wants_fragment
from . import bp
from .services import FeedFilters, FilterError, feed_page, filter_options


def _page() -> int:
    try:
        # Bounded: a page number past any real page still shows an empty page, not a 500
        # (OFFSET must fit the database's integers).
        return min(max(1, int(request.args.get("page", "1"))), 1_000_000)
    except ValueError:
        return 1


@bp.get("")
@login_required
def index():
    """Only GET: nothing here changes the trail (it is append-only anyway)."""
    try:
        filters = FeedFilters.from_args(request.args)
    except FilterError as exc:
        abort(400, description=str(exc))
    pagination = feed_page(filters, city_tz(), _page())
    options = None if wants_fragment() else filter_options()
    return render("feed/index.html", block="results", filters=filters, pagination=pagination,
                  options=options)
