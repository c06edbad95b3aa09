"""What a person keeps of the board: the remembered scope (their unit or the whole city, "my work
first") and their saved views. Every signed-in person may keep these for what they can see; none
of it widens what anyone sees (a view is a link to the board, the scope a default filter).

Each form works without JavaScript (a 303 back to the board) and is htmx-enhanced: the scope
buttons navigate (``HX-Redirect``: the whole page changes), the saved-views panel answers with
itself (``templates/board/_views.html``).
"""

from __future__ import annotations

from flask import abort, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..web.actions import user_action
from ..web.htmx import is_htmx, redirect_to
from . import bp, saved
from .filters import BoardFilters, FilterError
from .forms import SaveViewForm, ScopeForm
from .panels import views_panel
from .settings import update_settings
from .views import board_filters, board_page


@bp.post("/scope")
@login_required
def set_scope():
    """Remember the pressed button's scope and show the board with it (the other filters kept;
    the unit is left out, so the new scope decides it)."""
    form = ScopeForm()
    if not form.validate_on_submit():
        abort(400, description=_("Choose the whole city or your own unit."))
    try:
        keep = BoardFilters.from_args(request.form).as_args()
    except FilterError as exc:
        abort(400, description=str(exc))
    keep.pop("unit", None)
    with user_action():
        update_settings(current_user, scope=form.scope.data)
    return redirect_to(url_for("board.index", **keep))


@bp.get("/views")
@login_required
def saved_views():
    """The saved-views panel for the board's current filters: the board's filter form refreshes
    it (as it does the export links), so "Keep this view" keeps what the board shows."""
    return render_template("board/_views.html", saved=views_panel(board_filters(request.args),
                                                                  current_user))


@bp.post("/views")
@login_required
def save_view():
    """Keep the board's filters (sent along as plain fields) under the name given."""
    form = SaveViewForm()
    filters = board_filters(request.form)
    if form.validate_on_submit():
        with user_action(form) as action:
            name = saved.save_view(current_user, form.name.data, filters).name
        if action.done:
            message = _("View “%(name)s” kept.", name=name)
            if is_htmx():
                return render_template("board/_views.html", saved=views_panel(
                    filters, current_user, message=message))
            flash(message, "success")
            return redirect_to(url_for("board.index", **filters.as_args()))
    if is_htmx():
        return render_template("board/_views.html",
                               saved=views_panel(filters, current_user, form)), 422
    return board_page(filters, save_form=form), 422


@bp.post("/views/<int:view_id>/delete")
@login_required
def delete_view(view_id: int):
    """Delete one of the reader's views (anyone else's is 404: not theirs to know of)."""
    filters = board_filters(request.form)
    try:
        saved.get_view(current_user, view_id)
    except saved.ViewNotFound:
        abort(404)
    with user_action():
        name = saved.delete_view(current_user, view_id)
    message = _("View “%(name)s” deleted.", name=name)
    if is_htmx():
        return render_template("board/_views.html",
                               saved=views_panel(filters, current_user, message=message))
    flash(message, "success")
    return redirect_to(url_for("board.index", **filters.as_args()))
