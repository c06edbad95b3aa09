"""Calendar feeds of milestones: the page with one's feed links (and making new ones), and the
.ics feeds themselves, opened by their token."""

from __future__ import annotations

from flask import Response, abort, flash, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..mail.urls import app_url
from ..web.actions import user_action
from ..web.htmx import redirect_to
from ..web.pages import render_page
from . import bp, services


@bp.get("")
@login_required
def index():
    """The two feed URLs and how to subscribe (the token is made on the first visit)."""
    with user_action():
        token = services.ensure_token(current_user)
    mine = app_url("calendar.mine", token=token)
    unit = app_url("calendar.unit", token=token) if current_user.unit_id else None
    return render_page("calendar/index.html", mine_url=mine, unit_url=unit)


@bp.post("/reset")
@login_required
def reset():
    with user_action():
        services.reset_token(current_user)
    flash(_("New calendar links made. The old ones no longer work: subscribe again with the new "
            "ones."), "success")
    return redirect_to(url_for("calendar.index"))


def _feed(token: str, which: str) -> Response:
    user = services.user_for_token(token)
    if user is None:
        abort(404)
    with force_locale(user.locale):  # nobody is signed in: write in the owner's language
        if which == "mine":
            milestones = services.my_milestones(user)
            name = _("Quick-Win: my milestones")
        else:
            milestones = services.unit_milestones(user)
            name = _("Quick-Win: milestones of %(unit)s",
                     unit=user.unit.code if user.unit else "—")
        body = services.build_calendar(milestones, name)
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'inline; filename="quickwin-{which}.ics"'
    response.headers["Cache-Control"] = "private, max-age=900"
    response.headers["X-Robots-Tag"] = "noindex"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.get("/<token>/mine.ics")
def mine(token: str):
    return _feed(token, "mine")


@bp.get("/<token>/unit.ics")
def unit(token: str):
    return _feed(token, "unit")
