"""The admin outbox page: every email the app decided to send, its delivery, and resending.

Admins only (like the administration pages). The HTML body of an email is shown inside a
sandboxed ``<iframe srcdoc>``: no scripts, no same-origin access, never raw in our page.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select

from ..domain.clock import utcnow
from ..domain.permissions import can_administer
from ..extensions import db
from ..models import OutboxMessage, OutboxStatus
from ..web.actions import require, user_action
from ..web.forms import page_number
from ..web.htmx import redirect_to
from ..web.pages import render_page
from .outbox import resend

bp = Blueprint("outbox", __name__)

PER_PAGE = 50
STATUS_LABELS = {
    OutboxStatus.QUEUED.value: _l("queued"),
    OutboxStatus.SENT.value: _l("sent"),
    OutboxStatus.FAILED.value: _l("failed"),
}
# The kinds of email (``OutboxMessage.kind``) in words; an unknown kind shows as stored.
KIND_LABELS = {
    "digest": _l("weekly digest"),
    "reminder": _l("milestone reminder"),
    "stale_nudge": _l("no-activity nudge"),
    "followup": _l("follow-up after rollout"),
    "measurement_nudge": _l("measurement nudge"),
    "update_due": _l("progress update due"),
    "update_missed": _l("progress update missed"),
    "mention": _l("mention"),
    "password_reset": _l("password reset"),
    "token_created": _l("access token made"),
    "second_factor_reset": _l("two-step verification reset"),
    "test": _l("test email"),
    "webhook_disabled": _l("webhook endpoint disabled"),
    "review_decision": _l("review decision"),
    "telegram_reply": _l("Telegram bot reply"),
}
CHANNEL_LABELS = {"email": _l("Email"), "telegram": _l("Telegram")}


@bp.before_request
@login_required
def _admins_only():
    require(can_administer(current_user))



@bp.get("")
def index():
    status = request.args.get("status", "")
    if status and status not in STATUS_LABELS:
        abort(400, description=_("Unknown status."))
    kind = request.args.get("kind", "").strip()
    stmt = select(OutboxMessage)
    if status:
        stmt = stmt.where(OutboxMessage.status == status)
    if kind:
        stmt = stmt.where(OutboxMessage.kind == kind)
    stmt = stmt.order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
    pagination = db.paginate(stmt, page=page_number(request.args), per_page=PER_PAGE, error_out=False)
    kinds = db.session.scalars(
        select(OutboxMessage.kind).distinct().order_by(OutboxMessage.kind)
    ).all()
    filters = {k: v for k, v in (("status", status), ("kind", kind)) if v}
    return render_page("outbox/index.html", pagination=pagination, kinds=kinds,
                           status=status, kind=kind, filters=filters,
                           status_labels=STATUS_LABELS, kind_labels=KIND_LABELS,
                           channel_labels=CHANNEL_LABELS)


@bp.get("/<int:message_id>")
def detail(message_id: int):
    message = db.get_or_404(OutboxMessage, message_id)
    return render_page("outbox/detail.html", message=message, status_labels=STATUS_LABELS,
                       kind_labels=KIND_LABELS, channel_labels=CHANNEL_LABELS)


@bp.post("/<int:message_id>/resend")
def resend_message(message_id: int):
    message = db.get_or_404(OutboxMessage, message_id)
    if message.status != OutboxStatus.FAILED.value:
        abort(409, description=_("Only failed emails can be sent again."))
    with user_action() as action:
        resend(message, now=utcnow())
    if action.done:
        flash(_("The email to %(address)s is queued again.", address=message.to_address),
              "success")
    return redirect_to(url_for("outbox.detail", message_id=message.id))
