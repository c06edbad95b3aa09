"""The budget section's actions: setting the budget, recording spending (with an evidence file),
withdrawing an entry with a reason; and the section alone.

Every action is a plain ``<form method="post">`` enhanced with htmx, answered as the outcomes
section's are: htmx gets the whole ``#budget`` section (200 with a message; 422, 403 or 409 with
the message next to the field or at the top of the section); without JavaScript, a 303 to the
initiative page (``#budget``) with a flash, or the whole page with the errors in place."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from ..domain.permissions import Decision, can_edit, can_edit_budget
from ..extensions import db
from ..initiatives import page as initiative_page
from ..initiatives.loading import part_of
from ..models import Initiative, Spending
from ..web.actions import attach_error, user_action
from ..web.htmx import changed, redirect_to, wants_fragment
from . import services
from .forms import BudgetForm, SpendingForm, WithdrawSpendingForm
from .section import BUDGET, SPENDING, BudgetSection, build_section, withdraw_prefix

bp = Blueprint("budget", __name__)


@bp.before_request
def _only_when_enabled():
    """Every route answers 404 when the deployment does not track budgets."""
    if not services.enabled():
        abort(404)


def _section(section: BudgetSection) -> str:
    return render_template("budget/_section.html", initiative=section.initiative,
                           budget_section=section)


def _detail_url(initiative: Initiative) -> str:
    return url_for("initiatives.detail", initiative_id=initiative.id, _anchor="budget")


def _refuse(initiative: Initiative, forms: dict[str, FlaskForm], status: int,
            message: str | None = None):
    section = build_section(initiative, forms, message=message, message_kind="error")
    if wants_fragment():
        return _section(section), status
    return initiative_page.render_initiative_page(initiative, budget_section=section), status


def _run(initiative: Initiative, decision: Decision, form: FlaskForm, key: str,
         action: Callable[[Any], Any], success: Callable[[Any], str]):
    """Check, validate, act in one user action, answer (see the module docstring)."""
    if not decision:
        status = 409 if initiative.archived and can_edit(current_user, initiative) else 403
        return _refuse(initiative, {}, status, decision.reason)
    forms = {key: form}
    if not form.validate_on_submit():
        return _refuse(initiative, forms, 422)
    with user_action(report=False) as act:
        result = action(form)
    if act.error is not None:
        attached = attach_error(form, act.error, fallback=False)
        return _refuse(initiative, forms, act.error.status,
                       None if attached else act.error.message)
    message = success(result)
    if wants_fragment():
        return changed(_section(build_section(initiative, message=message)))
    flash(message, "success")
    return redirect_to(_detail_url(initiative))


@bp.get("/<int:initiative_id>/budget")
@login_required
def index(initiative_id: int):
    """The section alone (htmx); the initiative page otherwise."""
    initiative = db.get_or_404(Initiative, initiative_id)
    if wants_fragment():
        return _section(build_section(initiative))
    return redirect(_detail_url(initiative), code=303)


@bp.post("/<int:initiative_id>/budget")
@login_required
def set_budget(initiative_id: int):
    initiative = db.get_or_404(Initiative, initiative_id)
    return _run(initiative, can_edit_budget(current_user, initiative),
                BudgetForm(prefix=BUDGET), BUDGET,
                lambda form: services.set_budget(current_user, initiative, form.planned.data,
                                                 form.program_code.data),
                lambda changed_: _("Budget saved.") if changed_ else _("Nothing changed."))


@bp.post("/<int:initiative_id>/spending")
@login_required
def record_spending(initiative_id: int):
    initiative = db.get_or_404(Initiative, initiative_id)
    return _run(initiative, can_edit_budget(current_user, initiative),
                SpendingForm(prefix=SPENDING), SPENDING,
                lambda form: services.record_spending(
                    current_user, initiative,
                    services.SpendingData(form.amount.data, form.spent_on.data, form.note.data,
                                          form.link.data),
                    form.evidence.data),
                lambda entry: _("Spending of %(amount)s recorded.",
                                amount=services.rupiah(entry.amount)))


@bp.post("/<int:initiative_id>/spending/<int:spending_id>/withdraw")
@login_required
def withdraw_spending(initiative_id: int, spending_id: int):
    initiative = db.get_or_404(Initiative, initiative_id)
    entry = part_of(initiative, Spending, spending_id)
    key = withdraw_prefix(entry.id)
    return _run(initiative, can_edit_budget(current_user, initiative),
                WithdrawSpendingForm(prefix=key), key,
                lambda form: services.withdraw_spending(current_user, entry, form.reason.data),
                lambda _result: _("Spending withdrawn; it stays listed with your reason and no "
                                  "longer counts."))
