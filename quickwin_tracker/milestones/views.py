"""Milestone endpoints. Every change answers htmx with the re-rendered ``#milestones`` section
(200, or 422 with the form and the message next to its field), and a plain form post with a 303
back to the initiative page."""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..domain.errors import DomainError
from ..domain.permissions import can_edit
from ..extensions import db
from ..models import Initiative, Milestone, User
from ..web.actions import attach_error, require
from ..web.forms import check_not_past
from ..web.htmx import changed, wants_fragment
from . import bp, services
from .forms import ActionForm, MilestoneForm, MoveForm, edit_form, new_form


@bp.app_template_global("milestone_form")
def _milestone_form(initiative: Initiative) -> MilestoneForm:
    """The empty add form, for the section when the initiative page includes it."""
    return new_form(initiative)


@bp.app_template_global("milestone_rows")
def _milestone_rows(initiative: Initiative):
    return services.milestone_rows(initiative)


def _load(initiative_id: int, milestone_id: int | None = None):
    initiative = db.get_or_404(Initiative, initiative_id)
    require(can_edit(current_user, initiative))
    if milestone_id is None:
        return initiative, None
    milestone = db.get_or_404(Milestone, milestone_id)
    if milestone.initiative_id != initiative.id:
        abort(404)
    return initiative, milestone


def _actor() -> User:
    return current_user._get_current_object()


def _detail_url(initiative: Initiative) -> str:
    return url_for("initiatives.detail", initiative_id=initiative.id) + "#milestones"


def _section(initiative: Initiative, status: int = 200, **ctx):
    body = render_template("milestones/_section.html", initiative=initiative, **ctx)
    return changed(body) if status == 200 else make_response(body, status)


def _done(initiative: Initiative, message: str):
    """After a change was committed: the section (htmx) or back to the page (plain post)."""
    if wants_fragment():
        return _section(initiative)
    flash(message, "success")
    return redirect(_detail_url(initiative), code=303)


def _refused(initiative: Initiative, error: DomainError):
    """A refusal that belongs to no form field (archived, already done, …)."""
    db.session.rollback()
    if wants_fragment():
        return _section(initiative, error.status, message=error.message)
    flash(error.message, "error")
    return redirect(_detail_url(initiative), code=303)



def _invalid(initiative: Initiative, form: MilestoneForm, milestone: Milestone | None,
             status: int = 422):
    """The form again with its messages: in the section (htmx) or as a page (plain post)."""
    if wants_fragment():
        if milestone is None:
            return _section(initiative, status, add_form=form)
        return _section(initiative, status, edit_form=form, editing=milestone.id)
    return render_template("milestones/edit.html", initiative=initiative, milestone=milestone,
                           form=form), status


def _responsible(form: MilestoneForm) -> User | None:
    return db.session.get(User, form.responsible.data) if form.responsible.data else None


@bp.get("/<int:initiative_id>/milestones")
@login_required
def section(initiative_id: int):
    """The section alone (e.g. "cancel" on an edit row); without htmx, the initiative page."""
    initiative = db.get_or_404(Initiative, initiative_id)
    if not wants_fragment():
        return redirect(_detail_url(initiative), code=303)
    return render_template("milestones/_section.html", initiative=initiative)


@bp.post("/<int:initiative_id>/milestones")
@login_required
def add(initiative_id: int):
    initiative, _m = _load(initiative_id)
    form = new_form(initiative, formdata=request.form)
    if not form.validate_on_submit() or not check_not_past(form.due_date, form.due_date_confirm):
        return _invalid(initiative, form, None)
    try:
        milestone = services.add_milestone(_actor(), initiative, form.title.data,
                                           form.due_date.data, _responsible(form))
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        if error.status != 422:
            return _refused(initiative, error)
        attach_error(form, error)
        return _invalid(initiative, form, None)
    return _done(initiative, _("Milestone “%(title)s” added.", title=milestone.title))


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
        return render_template("milestones/edit.html", initiative=initiative,
                               milestone=milestone, form=form)
    form = edit_form(milestone, formdata=request.form)
    if not form.validate_on_submit():
        return _invalid(initiative, form, milestone)
    try:
        changes = services.update_milestone(_actor(), milestone, form.title.data,
                                            form.due_date.data, _responsible(form))
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        if error.status != 422:
            return _refused(initiative, error)
        attach_error(form, error)
        return _invalid(initiative, form, milestone)
    message = _("Changes saved.") if changes else _("Nothing changed.")
    return _done(initiative, message)


def _action(initiative_id: int, milestone_id: int, action, message: str):
    initiative, milestone = _load(initiative_id, milestone_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    title = milestone.title
    try:
        action(_actor(), milestone)
        db.session.commit()
    except DomainError as error:
        return _refused(initiative, error)
    return _done(initiative, message % {"title": title})


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


@bp.post("/<int:initiative_id>/milestones/<int:milestone_id>/move")
@login_required
def move(initiative_id: int, milestone_id: int):
    initiative, milestone = _load(initiative_id, milestone_id)
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400, description=_("Choose up or down."))
    title = milestone.title
    try:
        moved = services.move_milestone(_actor(), milestone, form.direction.data)
        db.session.commit()
    except DomainError as error:
        return _refused(initiative, error)
    return _done(initiative, _("Milestone “%(title)s” moved.", title=title) if moved
                 else _("Nothing changed."))

