"""The digest preview page (``/digests/preview``): one's own digest of a week, or (admins) anyone's,
exactly as the email would show it."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import abort, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from ..domain.clock import utcnow
from ..domain.permissions import can_administer
from ..domain.texts import date_span
from ..extensions import db
from ..models import User
from ..web.actions import require
from ..web.pages import render_page
from . import bp, emails
from .weeks import DigestWeek, WeekError, current_week


def _target_user() -> User:
    """The user whose digest is shown: oneself, or (admins only) ``?user=<id>``."""
    raw = (request.args.get("user") or "").strip()
    if not raw:
        return current_user._get_current_object()
    try:
        user_id = int(raw)
    except ValueError:
        abort(400, description=_("The user must be given by number, e.g. ?user=12."))
    if not 0 < user_id < 2**31:  # no such id (and the database would refuse the number)
        abort(404)
    if user_id == current_user.id:
        return current_user._get_current_object()
    require(can_administer(current_user))
    return db.get_or_404(User, user_id)


@bp.get("/preview")
@login_required
def preview():
    user = _target_user()
    now = utcnow()
    raw_week = (request.args.get("week") or "").strip()
    try:
        week = DigestWeek.parse(raw_week) if raw_week else current_week(now)
    except WeekError as error:
        abort(400, description=str(error))
    result = emails.preview(user, week, now)
    people = []
    if can_administer(current_user):
        people = list(db.session.scalars(
            sa.select(User).where(User.active.is_(True)).options(joinedload(User.unit))
            .order_by(User.name, User.id)))
    return render_page("digests/preview.html", preview=result, people=people,
                       current_week=current_week(now),
                       sent_week=date_span(week.monday, week.monday + timedelta(days=6)))
