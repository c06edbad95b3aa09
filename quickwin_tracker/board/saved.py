"""Saved views: a person's named filter sets ("Diskominfo, at risk"), listed beside the board's
filters as links to ``/board/?<query>``.

A view keeps the query string of ``BoardFilters.as_args()`` of the filters the board showed, so it
holds only filters the board understands, and (the filters being resolved for the reader, see
``BoardFilters.for_reader``) always names its unit: it shows the same cards whatever the person's
scope is when they open it. Nothing here widens what anyone sees: a view is a link to the board.

Services: they check, change and flush; the caller commits (``web.actions.user_action``).
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

import sqlalchemy as sa
from flask_babel import gettext as _

from ..domain.errors import Invalid
from ..domain.queries import lock
from ..extensions import db
from ..models import SavedView, User
from .filters import BoardFilters

log = logging.getLogger(__name__)

MAX_VIEWS = 30  # per person: the list beside the filters stays a list
NAME_LENGTH = SavedView.NAME_LENGTH


class ViewNotFound(LookupError):
    """No such view of this person (someone else's id included): the view answers 404."""


def query_of(filters: BoardFilters) -> str:
    """The query string a view keeps for ``filters`` (and the board's URL would carry)."""
    return urlencode(filters.as_args())


def list_views(user: User) -> list[SavedView]:
    """``user``'s views, by name (case-insensitively, then as typed)."""
    views = db.session.scalars(sa.select(SavedView).where(SavedView.user_id == user.id)).all()
    return sorted(views, key=lambda v: (v.name.casefold(), v.name, v.id))


def save_view(user: User, name: str, filters: BoardFilters) -> SavedView:
    """Keep ``filters`` as ``user``'s view ``name``. Raises ``Invalid`` (next to ``name``) for an
    empty or too long name, one they already use (whatever its case), or one view too many."""
    name = " ".join((name or "").split())  # as typed, without stray or doubled spaces
    if not name:
        raise Invalid(_("Give the view a name."), field="name")
    if len(name) > NAME_LENGTH:
        raise Invalid(_("A view's name can be at most %(max)d characters long.", max=NAME_LENGTH),
                      field="name")
    query = query_of(filters)
    if len(query) > SavedView.QUERY_LENGTH:
        raise Invalid(_("These filters are too long to keep: shorten the search."), field="name")
    # Two saves by the same person (two tabs) wait for each other on PostgreSQL, so neither the
    # name check nor the count below is passed by both.
    lock(sa.select(User.id).where(User.id == user.id))
    names = db.session.scalars(sa.select(SavedView.name).where(SavedView.user_id == user.id)).all()
    if name.casefold() in {n.casefold() for n in names}:
        raise Invalid(_("You already have a view called “%(name)s”.", name=name), field="name")
    if len(names) >= MAX_VIEWS:
        raise Invalid(_("You can keep at most %(max)d views: delete one first.", max=MAX_VIEWS),
                      field="name")
    view = SavedView(user_id=user.id, name=name, query=query)
    db.session.add(view)
    db.session.flush()
    log.info("%s saved the board view %r (%s)", user.email, name, query)
    return view


def get_view(user: User, view_id: int) -> SavedView:
    """``user``'s view ``view_id``; raises ``ViewNotFound`` for anyone else's or none."""
    view = db.session.scalar(
        sa.select(SavedView).where(SavedView.id == view_id, SavedView.user_id == user.id))
    if view is None:
        raise ViewNotFound(view_id)
    return view


def delete_view(user: User, view_id: int) -> str:
    """Delete ``user``'s view ``view_id`` and return its name; ``ViewNotFound`` otherwise."""
    view = get_view(user, view_id)
    name = view.name
    db.session.delete(view)
    db.session.flush()
    log.info("%s deleted the board view %r", user.email, name)
    return name
