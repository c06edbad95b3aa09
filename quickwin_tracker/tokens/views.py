"""Tokens on a person's account page, and every token for admins."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, current_app, flash, redirect, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..domain.clock import local_today
from ..domain.permissions import can_administer, can_revoke_token
from ..extensions import db
from ..models import AccessToken
from ..web.actions import require, user_action
from ..web.pages import render_page
from . import bp, services
from .forms import NewTokenForm


def _latest_expiry():
    days = current_app.config["TOKEN_MAX_DAYS"]
    return local_today() + timedelta(days=days) if days > 0 else None


def _page(form: NewTokenForm, secret: str | None = None, made: AccessToken | None = None):
    return render_page("tokens/index.html", form=form, secret=secret, made=made,
                       tokens=services.tokens_of(current_user), latest=_latest_expiry())


@bp.get("/")
@login_required
def index():
    form = NewTokenForm()
    form.expires_on.data = local_today() + timedelta(days=90)
    return _page(form)


@bp.post("/")
@login_required
def create():
    form = NewTokenForm()
    latest = _latest_expiry()
    if form.validate_on_submit():
        if latest is not None and form.expires_on.data is None:
            form.expires_on.errors.append(_("Choose an expiry date, at the latest %(day)s.",
                                            day=format_date(latest)))
        elif latest is not None and form.expires_on.data > latest:
            form.expires_on.errors.append(_("A token lasts at most until %(day)s.",
                                            day=format_date(latest)))
        else:
            with user_action(form) as action:
                token, secret = services.issue(current_user._get_current_object(),
                                               form.name.data, form.scope.data,
                                               form.expires_on.data)
            if action.done:
                # The secret is shown on this answer only: never stored, never redirected.
                response = current_app.make_response((_page(NewTokenForm(formdata=None),
                                                             secret=secret, made=token), 201))
                response.headers["Cache-Control"] = "no-store"
                return response
    return _page(form), 422


@bp.post("/<int:token_id>/revoke")
@login_required
def revoke(token_id: int):
    token = db.session.get(AccessToken, token_id)
    if token is None:
        abort(404)
    if token.user_id != current_user.id and not can_administer(current_user):
        abort(404)  # someone else's token is not even there
    require(can_revoke_token(current_user, token))
    with user_action():
        services.revoke(token, current_user._get_current_object())
    flash(_("The token “%(name)s” has been revoked: programs using it are refused from now on.",
            name=token.name), "success")
    back = request.form.get("back")
    if back == "all" and can_administer(current_user):
        return redirect(url_for("tokens.all_tokens"), code=303)
    return redirect(url_for("tokens.index"), code=303)


@bp.get("/all")
@login_required
def all_tokens():
    require(can_administer(current_user))
    return render_page("tokens/all.html", tokens=services.all_tokens())
