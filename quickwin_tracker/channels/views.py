"""Telegram routes: linking and unlinking from one's settings, and the bot's webhook."""

from __future__ import annotations

import hmac

from flask import abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..extensions import csrf
from ..web.actions import user_action
from ..web.pages import render_page
from . import bp, telegram


@bp.post("/preferences/telegram/link")
@login_required
def telegram_link():
    """A fresh one-time deep link to the bot (shown once, never in a URL of ours)."""
    if not telegram.enabled():
        abort(404)
    user = current_user._get_current_object()
    with user_action():
        link = telegram.new_link(user)
    return render_page("channels/telegram_link.html", link=link)


@bp.post("/preferences/telegram/unlink")
@login_required
def telegram_unlink():
    user = current_user._get_current_object()
    with user_action():
        changed = telegram.unlink(user)
    if changed:
        flash(_("Telegram is unlinked: your messages go by email."), "success")
    return redirect(url_for("preferences.index"), code=303)


@bp.post("/telegram/webhook/<secret>")
@csrf.exempt  # Telegram's servers post here; the secret in the path and header authenticate
def webhook(secret: str):
    """Bot updates pushed by Telegram (``setWebhook`` with ``secret_token``): the path's secret
    and the ``X-Telegram-Bot-Api-Secret-Token`` header must both match."""
    expected = current_app.config.get("TELEGRAM_WEBHOOK_SECRET") or ""
    if not telegram.enabled() or not expected or not hmac.compare_digest(
            secret.encode(), expected.encode()):
        abort(404)
    header = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
    if not hmac.compare_digest(header.encode(), expected.encode()):
        abort(403)
    update = request.get_json(silent=True)
    if not isinstance(update, dict):
        abort(400, description="expected a JSON update")
    with user_action():
        outcome = telegram.handle_update(update)
    return {"ok": True, "outcome": outcome}
