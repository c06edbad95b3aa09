"""What the comments section of an initiative page shows: the one builder for the page and for
every answer that re-renders the section (``templates/comments/_section.html``)."""

from __future__ import annotations

from dataclasses import dataclass

from flask_login import current_user

from ..domain.permissions import can_comment
from ..models import Comment, Initiative
from .forms import CommentForm
from .services import list_comments

ADD_FIELD_ID = "comment-body"


@dataclass
class CommentsSection:
    initiative: Initiative
    comments: list[Comment]  # oldest first
    add_form: CommentForm | None  # None when the current user may not comment


def add_form() -> CommentForm:
    """The empty add box (its textarea's id is unique on the page)."""
    return CommentForm(formdata=None, field_id=ADD_FIELD_ID)


def build_section(initiative: Initiative) -> CommentsSection:
    return CommentsSection(initiative, list_comments(initiative),
                           add_form() if can_comment(current_user) else None)
