"""Milestone endpoints. Every change answers htmx with the re-rendered ``#milestones`` section
(200, or 422 with the form and the message next to its field; a refusal that belongs to no field
comes back as the section with the message at the top), and a plain form post with a 303 back to
the initiative page (or the form as a page, when it has messages). The section is built by
``section.build_section``, as on the initiative page."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..domain.permissions import can_edit
from ..extensions import db
from ..initiatives.loading import part_of
from ..models import Initiative, Milestone, User
from ..web.actions import attach_error, require, user_action
from ..web.forms import check_not_past
from ..web.htmx import changed, wants_fragment
from ..web.pages import render_page
from . import bp, services
from .forms import ActionForm, MilestoneForm, edit_form, new_form
from .section import build_section


def _load(initiative_id: int, milestone_id: int | None = None):
    initiative = db.get_or_404(Initiative, initiative_id)
    require(can_edit(current_user, initiative))
    if milestone_id is None:
        return initiative, None
    return initiative, part_of(initiative, Milestone, milestone_id)


def _actor() -> User:
    return current_user._get_current_object()


def _detail_url(initiative: Initiative) -> str:
    return url_for("initiatives.detail", initiative_id=initiative.id) + "#milestones"


def _section(initiative: Initiative, status: int = 200, **state):
    body = render_template("milestones/_section.html", initiative=initiative,
                           milestones_section=build_section(initiative, **state))
    return changed(body) if status == 200 else make_response(body, status)


def _invalid(initiative: Initiative, form: MilestoneForm, milestone: Milestone | None):
    """The form again with its messages (422): in the section (htmx) or as a page (plain post)."""
    if wants_fragment():
        if milestone is None:
            return _section(initiative, 422, add_form=form)
        return _section(initiative, 422, edit_form=form, editing=milestone.id)
    return render_page("milestones/edit.html", initiative=initiative, milestone=milestone,
                       form=form), 422


def _act(initiative: Initiative, change: Callable[[], str], form: MilestoneForm | None = None,
         milestone: Milestone | None = None):
    """Run ``change`` (the service call; it returns the message) as one user action and answer:
    the section (htmx) or back to the page (plain post); a refusal naming a field of ``form``
    (422), the form again with it; any other refusal, the section with the message (htmx) or a
    flash on the page."""
    with user_action(report=False) as action:
        message = change()
    error = action.error
    if error is None:
        if wants_fragment():
            return _section(initiative)
        flash(message, "success")
        return redirect(_detail_url(initiative), code=303)
    if form is not None and error.status == 422:
        attach_error(form, error)
        return _invalid(initiative, form, milestone)
    if wants_fragment():
        return _section(initiative, error.status, message=error.message)
    flash(error.message, "error")
    return redirect(_detail_url(initiative), code=303)


def _responsible(form: MilestoneForm) -> User | None:
    return db.session.get(User, form.responsible.data) if form.responsible.data else None


@bp.get("/<int:initiative_id>/milestones")
@login_required
def section(initiative_id: int):
    """The section alone (e.g. "cancel" on an edit row); without htmx, the initiative page."""
    initiative = db.get_or_404(Initiative, initiative_id)
    if not wants_fragment():
        return redirect(_detail_url(initiative), code=303)
    return render_template("milestones/_section.html", initiative=initiative,
                           milestones_section=build_section(initiative))


@bp.post("/<int:initiative_id>/milestones")
@login_required
def add(initiative_id: int):
    initiative, _m = _load(initiative_id)
    form = new_form(initiative, formdata=request.form)
    if not form.validate_on_submit() or not check_not_past(form.due_date, form.due_date_confirm):
        return _invalid(initiative, form, None)

    def change() -> str:
        milestone = services.add_milestone(_actor(), initiative, form.title.data,
                                           form.due_date.data, _responsible(form))
        return _("Milestone “%(title)s” added.", title=milestone.title)

    return _act(initiative, change, form)


@bp.route("/<int:initiative_id>/milestones/<int:milestone_id>/edit", methods=["GET", "POST"])
@login_required
def edit(initiative_id: int, milestone_id: int):
    initiative, milestone = _load(initiative_id, milestone_id)
    if request.method == "GET":
        form = edit_form(milestone)
        if wants_fragment():
            row = next(r for r in services.milestone_rows(initiative)
                       if r.milestone.id == milestone.id)
            return render_template("milestones/_row.html", initiative=initiative, row=row,
                                   editable=True, edit_form=form, editing=milestone.id)
        return render_page("milestones/edit.html", initiative=initiative, milestone=milestone,
                           form=form)
    form = edit_form(milestone, formdata=request.form)
    if not form.validate_on_submit():
        return _invalid(initiative, form, milestone)

    def change() -> str:
        changes = services.update_milestone(_actor(), milestone, form.title.data,
                                            form.due_date.data, _responsible(form))
        return _("Changes saved.") if changes else _("Nothing changed.")

    return _act(initiative, change, form, milestone)


def _action(initiative_id: int, milestone_id: int, action, message: str):
    initiative, milestone = _load(initiative_id, milestone_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    title = milestone.title

    def change() -> str:
        action(_actor(), milestone)
        return message % {"title": title}

    return _act(initiative, change)


@bp.post("/<int:initiative_id>/milestones/<int:milestone_id>/complete")
@login_required
def complete(initiative_id: int, milestone_id: int):
    return _action(initiative_id, milestone_id, services.complete_milestone,
                   _("Milestone “%(title)s” marked done."))


@bp.post("/<int:initiative_id>/milestones/<int:milestone_id>/reopen")
@login_required
def reopen(initiative_id: int, milestone_id: int):
    return _action(initiative_id, milestone_id, services.reopen_milestone,
                   _("Milestone “%(title)s” reopened."))


@bp.post("/<int:initiative_id>/milestones/<int:milestone_id>/delete")
@login_required
def delete(initiative_id: int, milestone_id: int):
    return _action(initiative_id, milestone_id, services.delete_milestone,
                   _("Milestone “%(title)s” deleted."))
