"""A whole page: the view's context plus what the layout around it shows (``base.html``).

Views render a whole page with :func:`render_page` (``htmx.render`` does for its whole-page
answers); fragments are rendered with ``render_template``/``render_block`` and carry no layout.
The one thing the layout reads from the database is the number of unread notifications beside
"Notifications" in the header: ``render_page`` counts it (one COUNT, only for a signed-in
person) and passes it as ``unread_notifications``, unless the view passes it itself (the
notifications page, which shows it too). After a notification is read, the answer carries the new
count out of band (``notifications/_count.html``).

Why a value the page passes rather than a fragment the header loads (``hx-trigger="load"``):
the count is in the page as it arrives (no second request per page, no number popping in late,
right without JavaScript), and a reader of any view finds it by following ``render_page``.
"""

from __future__ import annotations

from typing import Any

from flask import render_template
from flask_login import current_user


def unread_notifications() -> int:
    """The header's count: the signed-in person's unread notifications (0, and no query, for a
    visitor)."""
    from ..notifications.services import unread_count  # here: notifications' views import us

    if not current_user.is_authenticated:
        return 0
    return unread_count(current_user)


def render_page(template: str, **context: Any) -> str:
    """Render ``template`` (a page extending ``base.html``) with what its header shows."""
    if "unread_notifications" not in context:
        context["unread_notifications"] = unread_notifications()
    return render_template(template, **context)
