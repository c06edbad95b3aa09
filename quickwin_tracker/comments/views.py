"""Comment endpoints: the section alone, adding a comment, editing one's own. htmx gets the
re-rendered ``#comments`` section (built by ``section.build_section``, as on the initiative page);
a refusal comes back as the form with the reason next to the field, so the typed text is kept."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..domain.permissions import can_comment, can_edit_comment
from ..extensions import db
from ..initiatives.loading import part_of
from ..models import Comment, Initiative
from ..web.actions import require, user_action
from ..web.htmx import changed, is_htmx, render, wants_fragment
from ..web.pages import render_page
from . import bp, services
from .forms import CommentForm
from .section import ADD_FIELD_ID, build_section


def _edit_field_id(comment: Comment) -> str:
    return f"comment-{comment.id}-body"


def _detail_url(initiative: Initiative) -> str:
    return url_for("initiatives.detail", initiative_id=initiative.id, _anchor="comments")


def _section(initiative: Initiative) -> str:
    return render_template("comments/_section.html", initiative=initiative,
                           comments_section=build_section(initiative))


def _done(initiative: Initiative, message: str, category: str = "success"):
    """After a committed change: the section (htmx; the trail shows the change too), or back to
    the page with a flash."""
    if is_htmx():
        return changed(_section(initiative))
    flash(message, category)
    return redirect(_detail_url(initiative), code=303)


def _refused(template: str, target: str, status: int, **ctx):
    """The form again with the reason next to the field: alone, swapped over itself, for htmx; on
    its own page otherwise."""
    if is_htmx():
        return render_template(template, **ctx), status, {
            "HX-Retarget": target, "HX-Reswap": "outerHTML"}
    return render_page("comments/form.html", form_template=template, **ctx), status


@bp.get("/<int:initiative_id>/comments")
@login_required
def index(initiative_id: int):
    """The comments section alone (htmx: refresh, cancel an edit); the initiative page otherwise."""
    initiative = db.get_or_404(Initiative, initiative_id)
    if wants_fragment():
        return _section(initiative)
    return redirect(_detail_url(initiative), code=303)


@bp.post("/<int:initiative_id>/comments")
@login_required
def add(initiative_id: int):
    initiative = db.get_or_404(Initiative, initiative_id)
    require(can_comment(current_user))
    form = CommentForm(field_id=ADD_FIELD_ID)  # CSRFProtect has checked the token already
    with user_action(form) as action:
        services.add_comment(current_user, initiative, form.body.data)
    if not action.done:
        return _refused("comments/_form.html", "#comment-form", action.error.status,
                        initiative=initiative, comment_form=form)
    return _done(initiative, _("Comment added."))


@bp.route("/<int:initiative_id>/comments/<int:comment_id>/edit", methods=["GET", "POST"])
@login_required
def edit(initiative_id: int, comment_id: int):
    initiative = db.get_or_404(Initiative, initiative_id)
    comment = part_of(initiative, Comment, comment_id)
    form = CommentForm(field_id=_edit_field_id(comment))
    if request.method == "GET":
        require(can_edit_comment(current_user, comment))
        form.body.data = comment.body
        return render("comments/form.html", block="form", form_template="comments/_edit_form.html",
                      initiative=initiative, comment=comment, edit_form=form)
    # The service decides (the window may have closed since the form was opened): a refusal
    # comes back as the form with the reason, so the typed text is not lost.
    with user_action(form) as action:
        edited = services.edit_comment(current_user, comment, form.body.data)
    if not action.done:
        return _refused("comments/_edit_form.html", f"#comment-{comment.id}-form",
                        action.error.status, initiative=initiative, comment=comment,
                        edit_form=form)
    if edited:
        return _done(initiative, _("Comment saved."))
    return _done(initiative, _("Nothing changed."), "info")
