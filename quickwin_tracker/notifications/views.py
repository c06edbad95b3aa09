"""Notification pages: the list, marking one or all read. The header's unread count is passed by
every page (``web.pages.render_page``); after marking read, the answer carries the new count out
of band (``notifications/_count.html``)."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..web.actions import user_action
from ..web.forms import page_number
from ..web.htmx import is_htmx, render
from . import bp, services


@bp.get("")
@login_required
def index():
    pagination = services.for_user(current_user, page_number(request.args))
    return render("notifications/index.html", block="list", pagination=pagination,
                  unread_notifications=services.unread_count(current_user))


@bp.post("/<int:notification_id>/read")
@login_required
def read(notification_id: int):
    notification = services.own_notification(current_user, notification_id)
    if notification is None:
        abort(404)
    with user_action():
        services.mark_read(current_user, notification)
    if is_htmx():
        return render_template("notifications/_read.html", notification=notification,
                               unread_notifications=services.unread_count(current_user))
    return redirect(url_for("notifications.index", page=page_number(request.form)), code=303)


@bp.post("/read-all")
@login_required
def read_all():
    with user_action():
        services.mark_all_read(current_user)
    page = page_number(request.form)
    if is_htmx():
        pagination = services.for_user(current_user, page)
        return render("notifications/index.html", block="list", pagination=pagination, oob=True,
                      unread_notifications=services.unread_count(current_user))
    return redirect(url_for("notifications.index", page=page), code=303)
