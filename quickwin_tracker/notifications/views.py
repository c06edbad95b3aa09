from __future__ import annotations

from flask import abort, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..extensions import db
from ..web.forms import page_number
from ..web.htmx import is_htmx, render
from . import bp, services


@bp.app_context_processor
def _unread_count():
    """``unread_notification_count()`` for the header: one COUNT query, run only when a page
    that shows the header calls it, and only for a signed-in user."""

    def unread_notification_count() -> int:
        if not current_user.is_authenticated:
            return 0
        if "unread_notifications" not in g:
            g.unread_notifications = services.unread_count(current_user)
        return g.unread_notifications

    return {"unread_notification_count": unread_notification_count}



def _changed() -> None:
    g.pop("unread_notifications", None)


@bp.get("")
@login_required
def index():
    pagination = services.for_user(current_user, page_number(request.args))
    return render("notifications/index.html", block="list", pagination=pagination)


@bp.post("/<int:notification_id>/read")
@login_required
def read(notification_id: int):
    notification = services.own_notification(current_user, notification_id)
    if notification is None:
        abort(404)
    services.mark_read(current_user, notification)
    db.session.commit()
    _changed()
    if is_htmx():
        return render_template("notifications/_read.html", notification=notification)
    return redirect(url_for("notifications.index", page=page_number(request.form)), code=303)


@bp.post("/read-all")
@login_required
def read_all():
    services.mark_all_read(current_user)
    db.session.commit()
    _changed()
    page = page_number(request.form)
    if is_htmx():
        pagination = services.for_user(current_user, page)
        return render("notifications/index.html", block="list", pagination=pagination, oob=True)
    return redirect(url_for("notifications.index", page=page), code=303)
