"""The summary page (``/summary``): the period and sort from the query string, the summary
(``services.build_summary``) and its two charts (``charts``)."""

from __future__ import annotations

from flask import abort, current_app, request
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..domain.clock import local_today
from ..domain.permissions import can_read_summary
from ..lifecycle import kept
from ..lifecycle.progress import bar_width
from ..models import Health
from ..web.actions import require
from ..web.htmx import render
from . import bp
from .charts import stacked_area, stacked_bars
from .periods import PRESET_LABELS, PeriodError, period_from_args
from .remembered import remembered_summary
from .services import SORT_KEYS, Summary, build_summary, previous_review

LIST_CAP = 10  # the summary lists the ten most urgent; the board shows them all


def requested_summary(attention_limit: int | None = None) -> tuple[Summary, str, bool]:
    """The summary the query string asks for (period, start, end, sort, dir), for the reader
    (``can_read_summary``, else 403): the page (its at-risk lists cut to ``attention_limit``) and
    its stocktake pack (whole) read it alike; the page's is counted once per change of the city
    (``remembered``). A bad period or sort is a 400 with its reason.
    The kept statuses the summary refreshed (``lifecycle.kept``) are committed once the response
    is made (committing earlier would expire every object the page still reads)."""
    require(can_read_summary(current_user))
    try:
        period = period_from_args(request.args, local_today())
    except PeriodError as exc:
        abort(400, description=str(exc))
    sort = request.args.get("sort", "code")
    if sort not in SORT_KEYS:
        abort(400, description=_("Unknown sort column."))
    descending = request.args.get("dir") == "desc"
    if attention_limit is None:
        summary = build_summary(current_user, period, sort=sort, descending=descending)
    else:
        summary = remembered_summary(current_user, period, sort=sort, descending=descending,
                                     attention_limit=attention_limit)
    kept.keep_after_response()
    return summary, sort, descending


@bp.get("/summary")
@login_required
def summary():
    data, sort, descending = requested_summary(attention_limit=LIST_CAP)
    stage_series = [(s.id, s.name) for s in data.stages]
    dimension_series = [(d.id, d.name) for d in data.dimensions]
    charts = {
        "cfd": stacked_area(_cfd_title(), data.cfd, stage_series,
                            lambda d: format_date(d, "d MMM")),
        "throughput": stacked_bars(_throughput_title(), data.throughput, dimension_series,
                                   lambda d: format_date(d, "MMM yy")),
    }
    today = local_today()
    board_args = {"unit": data.unit.code if data.unit else "all"}
    if data.period.end < today:  # (initiatives created later are not in the summary)
        board_args["until"] = data.period.end.isoformat()
    return render("review/summary.html", block="summary", summary=data, charts=charts,
                  presets=PRESET_LABELS, sort=sort, descending=descending, bar_width=bar_width,
                  previous=previous_review(data.unit), board_args=board_args, list_cap=LIST_CAP,
                  heat_band=_heat_band(max(data.matrix.values(), default=0)),
                  printed_on=today, city_name=current_app.config["CITY_NAME"],
                  health_labels={h.value: h.label for h in Health})


def _heat_band(top: int):
    """A cell's band, 0 (empty) to 4 (the fullest cells), relative to the fullest cell: the
    heat map's colour classes (``heat-0`` … ``heat-4``)."""
    def band(n: int) -> int:
        return 0 if not n or not top else max(1, -(-4 * n // top))
    return band


def _cfd_title() -> str:
    from flask_babel import gettext as _

    return _("Initiatives per stage, week by week")


def _throughput_title() -> str:
    from flask_babel import gettext as _

    return _("Quick wins rolled out per month, by dimension")
