from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..domain.errors import DomainError
from ..domain.permissions import can_comment, can_edit_comment
from ..extensions import db
from ..models import Comment, Initiative
from ..web.actions import attach_error, require
from ..web.htmx import changed, is_htmx, render, wants_fragment
from . import bp, services
from .forms import CommentForm

ADD_FIELD_ID = "comment-body"


@bp.app_template_global()
def initiative_comments(initiative: Initiative) -> list[Comment]:
    """For ``comments/_section.html`` when the initiative page includes it."""
    return services.list_comments(initiative)


@bp.app_template_global()
def new_comment_form() -> CommentForm:
    return CommentForm(formdata=None, field_id=ADD_FIELD_ID)


def _edit_field_id(comment: Comment) -> str:
    return f"comment-{comment.id}-body"


def _detail_url(initiative: Initiative) -> str:
    return url_for("initiatives.detail", initiative_id=initiative.id, _anchor="comments")


def _section(initiative: Initiative):
    return render_template("comments/_section.html", initiative=initiative,
                           comments=services.list_comments(initiative),
                           comment_form=new_comment_form())


def _load(initiative_id: int, comment_id: int) -> tuple[Initiative, Comment]:
    initiative = db.get_or_404(Initiative, initiative_id)
    comment = db.get_or_404(Comment, comment_id)
    if comment.initiative_id != initiative.id:
        abort(404)
    return initiative, comment



def _refused(template: str, target: str, status: int, **ctx):
    """The form again with the reason next to the field: alone, swapped over itself, for htmx; on
    its own page otherwise."""
    if is_htmx():
        return render_template(template, **ctx), status, {
            "HX-Retarget": target, "HX-Reswap": "outerHTML"}
    return render_template("comments/form.html", form_template=template, **ctx), status


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
    try:
        services.add_comment(current_user, initiative, form.body.data)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        attach_error(form, error)
        return _refused("comments/_form.html", "#comment-form", error.status,
                        initiative=initiative, comment_form=form)
    if is_htmx():
        return changed(_section(initiative))  # the trail shows the comment too
    flash(_("Comment added."), "success")
    return redirect(_detail_url(initiative), code=303)


@bp.route("/<int:initiative_id>/comments/<int:comment_id>/edit", methods=["GET", "POST"])
@login_required
def edit(initiative_id: int, comment_id: int):
    initiative, comment = _load(initiative_id, comment_id)
    form = CommentForm(field_id=_edit_field_id(comment))
    if request.method == "GET":
        require(can_edit_comment(current_user, comment))
        form.body.data = comment.body
        return render("comments/form.html", block="form", form_template="comments/_edit_form.html",
                      initiative=initiative, comment=comment, edit_form=form)
    # The service decides (the window may have closed since the form was opened): a refusal
    # comes back as the form with the reason, so the typed text is not lost.
    try:
        edited = services.edit_comment(current_user, comment, form.body.data)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        attach_error(form, error)
        return _refused("comments/_edit_form.html", f"#comment-{comment.id}-form", error.status,
                        initiative=initiative, comment=comment, edit_form=form)
    if is_htmx():
        return changed(_section(initiative))
    if edited:
        flash(_("Comment saved."), "success")
    else:
        flash(_("Nothing changed."), "info")
    return redirect(_detail_url(initiative), code=303)
