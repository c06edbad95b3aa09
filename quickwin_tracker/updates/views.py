"""Progress-update endpoints: the section alone, posting an update, editing one's own (15
minutes). htmx gets the re-rendered ``#updates`` section (built by ``section.build_section``, as on
the initiative page); a refusal comes back as the form with the reason next to the field, so the
typed text is kept."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..domain.permissions import can_edit, can_edit_update
from ..extensions import db
from ..initiatives.loading import part_of
from ..models import Initiative, ProgressUpdate
from ..web.actions import require, user_action
from ..web.htmx import changed, is_htmx, render, wants_fragment
from ..web.pages import render_page
from . import bp, services
from .forms import NewUpdateForm, UpdateForm
from .section import ADD_PREFIX, build_section


def _detail_url(initiative: Initiative) -> str:
    return url_for("initiatives.detail", initiative_id=initiative.id, _anchor="updates")


def _section(initiative: Initiative, form: NewUpdateForm | None = None) -> str:
    return render_template("updates/_section.html", initiative=initiative,
                           updates_section=build_section(initiative, form))


def _data(form: UpdateForm) -> services.UpdateData:
    return services.UpdateData(form.health.data, form.moved.data, form.blocks.data,
                               form.next_steps.data, form.link.data)


def _done(initiative: Initiative, message: str, category: str = "success"):
    """After a committed change: the section (htmx; the card, status and trail follow the
    board's and page's own refresh), or back to the page with a flash."""
    if is_htmx():
        return changed(_section(initiative))
    flash(message, category)
    return redirect(_detail_url(initiative), code=303)


def _refused(template: str, target: str, status: int, **ctx):
    if is_htmx():
        return render_template(template, **ctx), status, {
            "HX-Retarget": target, "HX-Reswap": "outerHTML"}
    return render_page("updates/form.html", form_template=template, **ctx), status


@bp.get("/<int:initiative_id>/updates")
@login_required
def index(initiative_id: int):
    """The section alone (htmx: refresh, cancel an edit); the initiative page otherwise."""
    initiative = db.get_or_404(Initiative, initiative_id)
    if wants_fragment():
        return _section(initiative)
    return redirect(_detail_url(initiative), code=303)


@bp.post("/<int:initiative_id>/updates")
@login_required
def add(initiative_id: int):
    initiative = db.get_or_404(Initiative, initiative_id)
    require(can_edit(current_user, initiative))
    form = NewUpdateForm(prefix=ADD_PREFIX)  # CSRFProtect has checked the token already
    with user_action(form) as action:
        services.post_update(current_user, initiative, _data(form), form.evidence.data)
    if not action.done:
        return _refused("updates/_form.html", "#update-form", action.error.status,
                        initiative=initiative, update_form=form)
    return _done(initiative, _("Progress update posted."))


@bp.route("/<int:initiative_id>/updates/<int:update_id>/edit", methods=["GET", "POST"])
@login_required
def edit(initiative_id: int, update_id: int):
    initiative = db.get_or_404(Initiative, initiative_id)
    update = part_of(initiative, ProgressUpdate, update_id)
    form = UpdateForm(prefix=f"update-{update.id}")
    if request.method == "GET":
        require(can_edit_update(current_user, update))
        form.process(obj=update)
        return render("updates/form.html", block="form", form_template="updates/_edit_form.html",
                      initiative=initiative, update=update, edit_form=form)
    # The service decides (the window may have closed since the form was opened).
    with user_action(form) as action:
        edited = services.edit_update(current_user, update, _data(form))
    if not action.done:
        return _refused("updates/_edit_form.html", f"#update-{update.id}-form",
                        action.error.status, initiative=initiative, update=update,
                        edit_form=form)
    if edited:
        return _done(initiative, _("Progress update saved."))
    return _done(initiative, _("Nothing changed."), "info")
