"""The quarterly report's page and download (``/reports/…``, the ``reports`` blueprint, registered
from ``BLUEPRINTS`` as ``review.report_views``): a small GET form (OPD, year, quarter) and the
workbook it asks for (``quarterly.quarterly_pack``). Who may: ``can_read_unit_report`` (reviewers
and admins any unit, a manager their own; 403 otherwise). A bad parameter (an unknown unit, a
quarter that is not 1–4, a year that is not a number or outside the plausible window) is a 400
with its reason."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import Blueprint, Response, abort, request
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..domain.clock import date_window, local_today
from ..domain.permissions import can_read_unit_report
from ..extensions import db
from ..models import Role, Unit
from ..web.actions import require
from ..web.pages import render_page
from .pack_views import _xlsx
from .periods import Period, PeriodError, quarter, quarter_number
from .quarterly import ROMAN, quarterly_pack

bp = Blueprint("reports", __name__)


@dataclass(frozen=True)
class Request:
    unit: Unit | None  # None: a reviewer who has not chosen one yet
    year: int
    quarter: int
    period: Period


def _number(name: str, default: int, low: int, high: int, message: str) -> int:
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        abort(400, description=message)
    if not low <= value <= high:
        abort(400, description=message)
    return value


def _requested() -> Request:
    """The unit, year and quarter the query string asks for (defaults: a manager's own unit, the
    current quarter), checked: 403 for a reader who may not, 400 for a bad parameter."""
    require(can_read_unit_report(current_user))
    today = local_today()
    first, last = date_window()
    year = _number("year", today.year, first.year, last.year,
                   _("The year must be a number from %(first)s to %(last)s.",
                     first=str(first.year), last=str(last.year)))
    number = _number("quarter", quarter_number(today), 1, 4,
                     _("The quarter must be 1, 2, 3 or 4."))
    try:
        period = quarter(year, number)
    except PeriodError as exc:  # pragma: no cover - the bounds above hold
        abort(400, description=str(exc))
    code = (request.args.get("unit") or "").strip().upper()
    if code:
        unit = db.session.scalar(sa.select(Unit).where(Unit.code == code))
        if unit is None:
            abort(400, description=_("There is no OPD with the code %(code)s.", code=code[:40]))
    elif current_user.role == Role.MANAGER:
        unit = current_user.unit
    else:
        unit = None
    if unit is not None:
        require(can_read_unit_report(current_user, unit))
    return Request(unit, year, number, period)


def _units() -> list[Unit]:
    """The OPDs the reader may choose: a manager their own, others every active one."""
    if current_user.role == Role.MANAGER:
        return [current_user.unit]
    return list(db.session.scalars(sa.select(Unit).where(Unit.active.is_(True))
                                   .order_by(Unit.code)))


@bp.get("/quarterly")
@login_required
def quarterly():
    asked = _requested()
    units = _units()
    chosen = asked.unit or (units[0] if units else None)
    if chosen is not None and chosen not in units:
        units = [*units, chosen]  # (an inactive unit asked for by its code)
    first, last = date_window()
    quarters = []
    for number, numeral in enumerate(ROMAN, start=1):
        period = quarter(asked.year, number)
        quarters.append((number, _("Quarter %(quarter)s (%(start)s – %(end)s)", quarter=numeral,
                                   start=format_date(period.start, "d MMM"),
                                   end=format_date(period.end, "d MMM"))))
    return render_page("review/quarterly.html", units=units, chosen=chosen, year=asked.year,
                       quarter=asked.quarter, quarters=quarters, first_year=first.year,
                       last_year=last.year)


@bp.get("/quarterly.xlsx")
@login_required
def quarterly_xlsx() -> Response:
    asked = _requested()
    if asked.unit is None:
        abort(400, description=_("Choose an OPD."))
    return _xlsx(quarterly_pack(asked.unit, asked.period))
