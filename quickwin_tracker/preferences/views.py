"""Email settings: the signed-in person's page, and unsubscribing from an email's link."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from itsdangerous import BadData

from ..channels.registry import CHOICE_LABELS, CHOICES, TOPICS, choice_of, telegram_enabled
from ..digests.services import receives_digest
from ..extensions import csrf, db
from ..mail.tokens import read_unsubscribe_token
from ..models import User
from ..web.actions import user_action
from ..web.pages import render_page
from . import bp, services
from .forms import ChannelsForm, PreferencesForm


def _channels_form(user: User, formdata=None) -> ChannelsForm:
    """Where each kind goes: the choices of this deployment (email only without a bot)."""
    form = ChannelsForm(formdata=formdata, **{
        f"channel_{topic}": choice_of(user, topic) for topic in TOPICS})
    choices = [(value, str(CHOICE_LABELS[value])) for value in CHOICES]
    form.set_choices(choices if telegram_enabled() else choices[:1])
    return form


def _page(user: User, form: PreferencesForm, channels: ChannelsForm):
    return render_page("preferences/index.html", form=form, channels=channels,
                       receives_digest=receives_digest(user),
                       telegram_enabled=telegram_enabled())


@bp.route("/", methods=["GET", "POST"])
@login_required
def index():
    user = current_user._get_current_object()
    form = PreferencesForm(obj=user)
    if form.validate_on_submit():
        with user_action(form) as action:
            services.update_preferences(
                user, digest=form.digest_enabled.data, reminders=form.reminders_enabled.data,
                lead_days=form.reminder_lead_days.data,
            )
        if action.done:
            flash(_("Your email settings have been saved."), "success")
            return redirect(url_for("preferences.index"), code=303)
    status = 422 if form.is_submitted() else 200
    return _page(user, form, _channels_form(user)), status


@bp.post("/channels")
@login_required
def channels():
    """Save where each kind of message goes. Without a bot only email is offered, and the
    choices saved earlier are kept as they are (they apply again once a bot is configured)."""
    user = current_user._get_current_object()
    form = _channels_form(user, request.form)
    if form.validate_on_submit():
        if telegram_enabled():
            with user_action(form) as action:
                services.update_channels(user, {topic: getattr(form, f"channel_{topic}").data
                                                for topic in TOPICS})
        if not telegram_enabled() or action.done:
            flash(_("Your choices of where messages go have been saved."), "success")
            return redirect(url_for("preferences.index"), code=303)
    return _page(user, PreferencesForm(obj=user), form), 422


def _token_user(token: str) -> tuple[User, str]:
    try:
        user_id, topic = read_unsubscribe_token(token)
    except BadData:
        abort(400, description=_(
            "This unsubscribe link is not valid: it may have been cut off or changed. Open it "
            "again from the email, or sign in and change your email settings."))
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user, topic


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # mail clients POST "List-Unsubscribe=One-Click" (RFC 8058) without a session
def unsubscribe(token: str):
    """GET shows a confirmation (link scanners must not unsubscribe anyone); POST does it."""
    user, topic = _token_user(token)
    if request.method == "POST":
        with user_action():
            changed = services.unsubscribe(user, topic)
        return render_page("preferences/unsubscribed.html", user=user, topic=topic,
                               changed=changed)
    return render_page("preferences/unsubscribe.html", user=user, topic=topic, token=token,
                           subscribed=services.is_subscribed(user, topic))
