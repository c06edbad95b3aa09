from __future__ import annotations

from flask import abort, request
from flask_login import login_required

from ..domain.clock import city_tz
from ..web.forms import page_number
from ..web.htmx import render, wants_fragment
from . import bp
from .services import FeedFilters, FilterError, feed_page, filter_options


@bp.get("")
@login_required
def index():
    """Only GET: nothing here changes the trail (it is append-only anyway)."""
    try:
        filters = FeedFilters.from_args(request.args)
    except FilterError as exc:
        abort(400, description=str(exc))
    pagination = feed_page(filters, city_tz(), page_number(request.args))
    options = None if wants_fragment() else filter_options()
    return render("feed/index.html", block="results", filters=filters, pagination=pagination,
                  options=options)
