"""The digest as an email: who gets one, its subject and dedupe key, the plan the weekly job
queues (``jobs.queue_digests``) and the browser preview (``/digests/preview``).

A digest email belongs to an ISO week (``weeks.DigestWeek``); its dedupe key
``digest:<user>:2026-W48`` makes it go out once per person and week. Its one-click unsubscribe link
turns the digest off (topic ``digest``). The content itself is ``services.build_digest``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _

from ..extensions import db
from ..mail.outbox import RenderedEmail
from ..mail.planning import PlannedEmail, render_plan
from ..models import Role, User
from ..reminders.services import plan_milestone_reminders
from .services import Digest, build_digest, receives_digest
from .weeks import DigestWeek

DIGEST = "digest"  # the unsubscribe topic


def digest_subject(digest: Digest) -> str:
    """The subject line, in the recipient's language; it names the week reported on by its days
    ("23–29 Nov 2026"), which a reader recognises where an ISO week number is not."""
    with force_locale(digest.user.locale):
        if digest.kind == "manager":
            return _("Weekly digest for %(unit)s, %(week)s", unit=digest.unit_code,
                     week=digest.period_text)
        return _("Weekly digest for Balikpapan, %(week)s", week=digest.period_text)


def plan_digest(user: User, week: DigestWeek, now: datetime) -> PlannedEmail:
    """The digest email of ``week`` for ``user`` (not queued)."""
    digest = build_digest(user, week.reported_monday, now)
    return PlannedEmail(
        kind="digest", dedupe_key=dedupe_key(user, week), to=user,
        subject=digest_subject(digest), template="weekly_digest", context={"digest": digest},
        unsubscribe=DIGEST,
    )


def dedupe_key(user: User, week: DigestWeek) -> str:
    """``digest:<user>:<ISO week>``: one digest per person and week."""
    return f"digest:{user.id}:{week.label}"


def recipients(only: User | None = None) -> list[User]:
    """Active managers with a unit and active reviewers who keep the digest on; one query."""
    stmt = (
        sa.select(User)
        .where(User.active.is_(True), User.digest_enabled.is_(True),
               sa.or_(sa.and_(User.role == Role.MANAGER.value, User.unit_id.is_not(None)),
                      User.role == Role.REVIEWER.value))
        .order_by(User.id)
    )
    if only is not None:
        stmt = stmt.where(User.id == only.id)
    return list(db.session.scalars(stmt))


@dataclass
class Preview:
    """What the preview page shows: a digest, or for people who receive none, a reminder."""

    user: User
    week: DigestWeek
    receives: bool
    digest: Digest | None = None
    subject: str = ""
    email: RenderedEmail | None = None
    reminder_subject: str = ""
    reminder: RenderedEmail | None = None


def preview(user: User, week: DigestWeek, now: datetime) -> Preview:
    """What ``user`` gets for ``week``: their digest (even if they turned it off), or, for people
    who receive none, today's milestone reminder (even if they turned reminders off)."""
    result = Preview(user=user, week=week, receives=receives_digest(user))
    if result.receives:
        plan = plan_digest(user, week, now)
        result.digest = plan.context["digest"]
        result.subject, result.email = plan.subject, render_plan(plan)
        return result
    plans = plan_milestone_reminders(now, user=user, respect_preferences=False)
    if plans:
        result.reminder_subject, result.reminder = plans[0].subject, render_plan(plans[0])
    return result
