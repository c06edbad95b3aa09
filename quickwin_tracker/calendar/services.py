"""Calendar feeds: the secret token, which milestones each feed holds, and the iCalendar text.

The token (``User.calendar_token``) is the only credential a feed URL carries: calendar apps cannot
sign in. Resetting it revokes every URL handed out before; an inactive user's feeds are gone.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from icalendar import Calendar, Event
from sqlalchemy.orm import contains_eager, joinedload

from ..domain.clock import utcnow
from ..extensions import db
from ..mail.urls import app_url
from ..models import Initiative, Milestone, User, initiative_member

log = logging.getLogger(__name__)

TOKEN_BYTES = 32  # token_urlsafe(32): 43 characters, within the column's 64


def ensure_token(user: User) -> str:
    """The user's calendar token, created on first use (flushes; the caller commits)."""
    if not user.calendar_token:
        user.calendar_token = secrets.token_urlsafe(TOKEN_BYTES)
        db.session.flush()
        log.info("%s: calendar token created", user.email)
    return user.calendar_token


def reset_token(user: User) -> str:
    """A new token; the old feed URLs stop working (flushes; the caller commits)."""
    user.calendar_token = secrets.token_urlsafe(TOKEN_BYTES)
    db.session.flush()
    log.info("%s: calendar token reset", user.email)
    return user.calendar_token


def user_for_token(token: str) -> User | None:
    """The active user whose feed ``token`` opens, or None."""
    if not token or len(token) > 64:
        return None
    user = db.session.scalar(sa.select(User).where(User.calendar_token == token))
    if user is None or not user.active:
        return None
    return user


def _milestones(*conds: sa.ColumnElement[bool]) -> list[Milestone]:
    return list(
        db.session.scalars(
            sa.select(Milestone)
            .join(Milestone.initiative)
            .options(contains_eager(Milestone.initiative).joinedload(Initiative.unit),
                     joinedload(Milestone.responsible))
            .where(Initiative.archived.is_(False), *conds)
            .order_by(Milestone.due_date, Milestone.id)
        )
    )


def my_milestones(user: User) -> list[Milestone]:
    """Milestones the user is responsible for, or of initiatives they own or are on the team of
    (archived initiatives left out: they are off the board, their milestones with them)."""
    member_of = sa.select(initiative_member.c.initiative_id).where(
        initiative_member.c.user_id == user.id
    )
    return _milestones(
        sa.or_(
            Milestone.responsible_id == user.id,
            Initiative.owner_id == user.id,
            Initiative.id.in_(member_of),
        )
    )


def unit_milestones(user: User) -> list[Milestone]:
    """Milestones of the (non-archived) initiatives of the user's unit; none without a unit."""
    if user.unit_id is None:
        return []
    return _milestones(Initiative.unit_id == user.unit_id)


def _host() -> str:
    """The domain part of event UIDs: fixed per installation (not the request's host), or a
    calendar would see every event anew when reached by another address; 127.0.0.1, as before,
    when ``QUICKWIN_BASE_URL`` is not set."""
    return urlsplit(current_app.config["BASE_URL"] or "http://127.0.0.1").hostname \
        or "quickwin-tracker"


def build_calendar(milestones: list[Milestone], name: str, now: datetime | None = None) -> bytes:
    """An iCalendar (RFC 5545) document: one all-day event per milestone, on its due date.

    Call it with the feed owner's locale in force (the texts are translated)."""
    now = now or utcnow()
    host = _host()
    cal = Calendar()
    cal.add("prodid", "-//Quick-Win Tracker//Balikpapan Smart City//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", current_app.config["TIMEZONE"])
    # Hints for how often subscribers should refresh (honoured by Apple, Outlook and others).
    cal.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")
    for milestone in milestones:
        initiative = milestone.initiative
        link = app_url("initiatives.detail", initiative_id=initiative.id)
        done = milestone.done_on is not None
        summary = f"{milestone.title} · {initiative.title}"
        lines = [
            _("Milestone of “%(title)s” (%(unit)s).", title=initiative.title,
              unit=initiative.unit.code),
            _("Responsible: %(name)s", name=milestone.responsible.name)
            if milestone.responsible else _("Responsible: nobody yet"),
        ]
        if done:
            summary = f"✔ {summary}"
            lines.append(_("Done on %(date)s.", date=milestone.done_on.isoformat()))
        lines.append(link)
        event = Event()
        event.add("uid", f"milestone-{milestone.id}@{host}")
        event.add("dtstamp", now)
        event.add("last-modified", milestone.updated_at)
        event.add("dtstart", milestone.due_date)
        event.add("dtend", milestone.due_date + timedelta(days=1))
        event.add("summary", summary)
        event.add("description", "\n".join(lines))
        event.add("url", link)
        event.add("transp", "TRANSPARENT")  # a deadline, not a meeting: shows as free
        cal.add_component(event)
    return cal.to_ical()
