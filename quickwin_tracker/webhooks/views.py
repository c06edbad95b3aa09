"""``/admin/webhooks``: endpoints with their health, the endpoint form, its secret (rotate), enable,
disable, delete, a test event, and its delivery log with "send again". Admins only
(``permissions.can_manage_webhooks``).

Each action is one transaction (``web.actions.user_action``); forms post without JavaScript (303
to the page) or through htmx (the form's fragment with its messages, 422, or ``HX-Redirect``).
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from ..domain.clock import utcnow
from ..domain.permissions import can_manage_webhooks
from ..extensions import db
from ..models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from ..web.actions import require, user_action
from ..web.forms import page_number
from ..web.htmx import redirect_to, render
from . import services
from .delivery import deliver_webhooks
from .events import EVENT_TYPES
from .forms import EndpointForm

bp = Blueprint("webhooks", __name__)

STATUS_LABELS = {
    DeliveryStatus.QUEUED.value: _l("queued"),
    DeliveryStatus.SENT.value: _l("delivered"),
    DeliveryStatus.FAILED.value: _l("failed"),
}


@bp.before_request
@login_required
def _admins_only():
    require(can_manage_webhooks(current_user))


def _me():
    return current_user._get_current_object()


def _context(**extra):
    return dict(event_types=EVENT_TYPES, status_labels=STATUS_LABELS,
                private_permitted=current_app.config["WEBHOOK_ALLOW_PRIVATE"],
                disable_after=current_app.config["WEBHOOK_DISABLE_AFTER_DAYS"], **extra)


@bp.get("")
def index():
    return render("webhooks/index.html", endpoints=services.endpoints(),
                  queued=services.queued_counts(), **_context())


@bp.route("/new", methods=["GET", "POST"])
def new():
    form = EndpointForm()
    if form.validate_on_submit():
        with user_action(form) as action:
            endpoint = services.create_endpoint(
                _me(), form.url.data, form.description.data, form.event_types.data,
                allow_private=form.allow_private.data)
        if action.done:
            flash(_("Endpoint registered. Give its secret to the receiver: it verifies every "
                    "event with it."), "success")
            return redirect_to(url_for("webhooks.detail", endpoint_id=endpoint.id))
    status = 422 if form.is_submitted() else 200
    return render("webhooks/form.html", block="form", form=form, endpoint=None,
                  **_context()), status


@bp.route("/<int:endpoint_id>", methods=["GET", "POST"])
def detail(endpoint_id: int):
    endpoint = db.get_or_404(WebhookEndpoint, endpoint_id)
    form = EndpointForm(data=dict(url=endpoint.url, description=endpoint.description,
                                  event_types=list(endpoint.event_types or []),
                                  allow_private=endpoint.allow_private)
                        if request.method == "GET" else None)
    if form.validate_on_submit():
        with user_action(form) as action:
            changed = services.update_endpoint(
                _me(), endpoint, form.url.data, form.description.data, form.event_types.data,
                allow_private=form.allow_private.data)
        if action.done:
            flash(_("Endpoint saved.") if changed else _("Nothing changed."), "success")
            return redirect_to(url_for("webhooks.detail", endpoint_id=endpoint.id))
    status = 422 if form.is_submitted() else 200
    log = services.delivery_log(endpoint, page_number(request.args))
    return render("webhooks/form.html", block="form", form=form, endpoint=endpoint, log=log,
                  **_context()), status


def _endpoint_action(endpoint_id: int, operation, message: str):
    endpoint = db.get_or_404(WebhookEndpoint, endpoint_id)
    with user_action() as action:
        operation(endpoint)
    if action.done:
        flash(message, "success")
    return redirect_to(url_for("webhooks.detail", endpoint_id=endpoint.id))


@bp.post("/<int:endpoint_id>/rotate")
def rotate(endpoint_id: int):
    return _endpoint_action(
        endpoint_id, lambda e: services.rotate_secret(_me(), e),
        _("New secret made: events are signed with it from now on. Give it to the receiver."))


@bp.post("/<int:endpoint_id>/enable")
def enable(endpoint_id: int):
    return _endpoint_action(endpoint_id, lambda e: services.set_active(_me(), e, True),
                            _("Endpoint enabled: waiting events go out again, in order."))


@bp.post("/<int:endpoint_id>/disable")
def disable(endpoint_id: int):
    return _endpoint_action(endpoint_id, lambda e: services.set_active(_me(), e, False),
                            _("Endpoint disabled: events wait until it is enabled again."))


@bp.post("/<int:endpoint_id>/delete")
def delete(endpoint_id: int):
    endpoint = db.get_or_404(WebhookEndpoint, endpoint_id)
    url = endpoint.url
    with user_action() as action:
        services.delete_endpoint(_me(), endpoint)
    if action.done:
        flash(_("Endpoint %(url)s deleted, with its delivery log.", url=url), "success")
    return redirect_to(url_for("webhooks.index"))


@bp.post("/<int:endpoint_id>/ping")
def ping(endpoint_id: int):
    """Queue a test event and try it at once (short timeout), so the admin sees the answer."""
    from .events import queue_ping

    endpoint = db.get_or_404(WebhookEndpoint, endpoint_id)
    with user_action() as action:
        delivery = queue_ping(endpoint, _me())
    if action.done:
        delivery_id = delivery.id
        deliver_webhooks(now=utcnow(), delivery_ids=[delivery_id])
        delivery = db.session.get(WebhookDelivery, delivery_id)
        if delivery.status == DeliveryStatus.SENT.value:
            flash(_("Test event delivered: the receiver answered %(code)s.",
                    code=delivery.response_code), "success")
        else:
            flash(_("The test event was not delivered: %(error)s. It is retried like any "
                    "other.", error=delivery.last_error or "?"), "error")
    return redirect_to(url_for("webhooks.detail", endpoint_id=endpoint_id))


@bp.post("/deliveries/<int:delivery_id>/send-again")
def send_again(delivery_id: int):
    delivery = db.get_or_404(WebhookDelivery, delivery_id)
    if delivery.status == DeliveryStatus.QUEUED.value and delivery.attempts == 0:
        abort(409, description=_("This event is already waiting to be sent."))
    with user_action() as action:
        services.send_again(_me(), delivery)
    if action.done:
        flash(_("The event is queued again, with the same id: a receiver that has it already "
                "drops it."), "success")
    return redirect_to(url_for("webhooks.detail", endpoint_id=delivery.endpoint_id))
