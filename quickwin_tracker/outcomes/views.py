"""The outcomes section's actions (indicators, measurements, their review and amendment), and
evidence downloads.

Every action is a plain ``<form method="post">`` enhanced with htmx:

- htmx: the whole ``#outcomes`` section comes back (200 on success with a status message; 422,
  403 or 409 with the message next to the field or at the top of the section);
- without JavaScript: a 303 to the initiative page (``#outcomes``) with a flash, or the whole page
  with the errors in place (422/403/409).

The section is built by ``section.build_section``, as on the initiative page; a form sent with
errors replaces its fresh twin there, keyed by its prefix (see ``section.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, render_template, request, send_from_directory, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.exceptions import RequestEntityTooLarge

from ..domain.clock import local_today
from ..domain.permissions import Decision, can_amend_measurement, can_edit, can_verify
from ..extensions import db
from ..initiatives import page as initiative_page
from ..initiatives.loading import part_of
from ..models import Evidence, Indicator, Initiative, Measurement
from ..web.actions import attach_error, user_action
from ..web.htmx import changed, redirect_to, wants_fragment
from ..web.pages import render_page
from . import bp, evidence, evidence_bp, plans, services
from .forms import (
    CorrectionForm,
    IndicatorForm,
    MeasurementForm,
    PlanForm,
    ReturnForm,
    WithdrawForm,
)
from .section import (
    NEW_INDICATOR,
    OutcomesSection,
    build_section,
    correct_prefix,
    indicator_prefix,
    measurement_prefix,
    plan_prefix,
    return_prefix,
    withdraw_prefix,
)


def _section(section: OutcomesSection) -> str:
    return render_template("outcomes/_section.html", initiative=section.initiative,
                           outcomes_section=section)


def _refuse(initiative: Initiative, forms: dict[str, FlaskForm], status: int,
            message: str | None = None):
    """The section (htmx) or the whole initiative page (plain post) with the forms as sent, their
    messages, and ``message`` at the top of the section."""
    section = build_section(initiative, forms, message=message, message_kind="error")
    if wants_fragment():
        return _section(section), status
    return initiative_page.render_initiative_page(initiative, outcomes_section=section), status


def _run(initiative: Initiative, decision: Decision, action: Callable[..., Any],
         success: Callable[[Any], str], form_class: type[FlaskForm] | None = None,
         key: str = ""):
    """Check, validate the form (``form_class`` with the prefix ``key``, given to ``action``), act
    in one user action, answer (see the module docstring)."""
    form = form_class(prefix=key) if form_class is not None else None
    forms = {key: form} if form is not None else {}
    if not decision:
        return _refuse(initiative, {}, 403, decision.reason)
    if form is not None and not form.validate_on_submit():
        return _refuse(initiative, forms, 422)
    with user_action(report=False) as act:
        result = action(form) if form is not None else action()
    if act.error is not None:
        attached = form is not None and attach_error(form, act.error, fallback=False)
        return _refuse(initiative, forms, act.error.status, None if attached else act.error.message)
    message = success(result)
    if wants_fragment():
        return changed(_section(build_section(initiative, message=message)))
    flash(message, "success")
    return redirect_to(url_for("initiatives.detail", initiative_id=initiative.id,
                               _anchor="outcomes"))


def _load_indicator(initiative_id: int, indicator_id: int) -> tuple[Initiative, Indicator]:
    initiative = db.get_or_404(Initiative, initiative_id)
    return initiative, part_of(initiative, Indicator, indicator_id)


def _load_measurement(initiative_id: int, measurement_id: int) -> tuple[Initiative, Measurement]:
    initiative = db.get_or_404(Initiative, initiative_id)
    return initiative, part_of(initiative, Measurement, measurement_id,
                               owner=lambda m: m.indicator.initiative_id)


def _indicator_data(form: IndicatorForm) -> services.IndicatorData:
    return services.IndicatorData(
        name=form.name.data or "", unit_of_measure=form.unit_of_measure.data or "",
        baseline=form.baseline.data, target=form.target.data, direction=form.direction.data,
        target_date=form.target_date.data,
    )


# --------------------------------------------------------------------------- indicators


@bp.post("/<int:initiative_id>/indicators")
@login_required
def add_indicator(initiative_id: int):
    initiative = db.get_or_404(Initiative, initiative_id)
    return _run(initiative, can_edit(current_user, initiative),
                lambda form: services.add_indicator(current_user, initiative,
                                                    _indicator_data(form)),
                lambda indicator: _("Indicator “%(name)s” added.", name=indicator.name),
                IndicatorForm, NEW_INDICATOR)


@bp.post("/<int:initiative_id>/indicators/<int:indicator_id>/edit")
@login_required
def edit_indicator(initiative_id: int, indicator_id: int):
    initiative, indicator = _load_indicator(initiative_id, indicator_id)
    return _run(initiative, can_edit(current_user, initiative),
                lambda form: services.update_indicator(current_user, indicator,
                                                       _indicator_data(form)),
                lambda changes: (_("Changes to “%(name)s” saved.", name=indicator.name)
                                 if changes else _("Nothing changed.")),
                IndicatorForm, indicator_prefix(indicator.id))


@bp.post("/<int:initiative_id>/indicators/<int:indicator_id>/delete")
@login_required
def delete_indicator(initiative_id: int, indicator_id: int):
    initiative, indicator = _load_indicator(initiative_id, indicator_id)
    name = indicator.name
    return _run(initiative, can_edit(current_user, initiative),
                lambda: services.delete_indicator(current_user, indicator),
                lambda _result: _("Indicator “%(name)s” deleted.", name=name))


# --------------------------------------------------------------------------- plans


@bp.post("/<int:initiative_id>/indicators/<int:indicator_id>/plan")
@login_required
def save_plan(initiative_id: int, indicator_id: int):
    """The trajectory editor: a planned value per period end (``outcomes.plans.save_plan``)."""
    initiative, indicator = _load_indicator(initiative_id, indicator_id)
    return _run(initiative, can_edit(current_user, initiative),
                lambda form: plans.save_plan(current_user, indicator, form.plan_period.data,
                                             form.end_dates(), list(form.values.data)),
                lambda changed_: (_("Plan of “%(name)s” saved.", name=indicator.name)
                                  if changed_ else _("Nothing changed.")),
                PlanForm, plan_prefix(indicator.id))


@bp.post("/<int:initiative_id>/indicators/<int:indicator_id>/plan/reset")
@login_required
def reset_plan(initiative_id: int, indicator_id: int):
    """Back to the straight line from the baseline to the target."""
    initiative, indicator = _load_indicator(initiative_id, indicator_id)
    return _run(initiative, can_edit(current_user, initiative),
                lambda: plans.reset_plan(current_user, indicator),
                lambda changed_: (_("“%(name)s” follows the straight line again.",
                                    name=indicator.name)
                                  if changed_ else _("Nothing changed.")))


# --------------------------------------------------------------------------- measurements


def _figures(form: MeasurementForm | CorrectionForm) -> dict[str, Any]:
    """What a measurement or correction form says about the figure: value, date, note."""
    return {"value": form.value.data, "measured_on": form.measured_on.data,
            "note": form.note.data or ""}


@bp.post("/<int:initiative_id>/indicators/<int:indicator_id>/measurements")
@login_required
def record_measurement(initiative_id: int, indicator_id: int):
    initiative, indicator = _load_indicator(initiative_id, indicator_id)
    return _run(initiative, can_edit(current_user, initiative),
                lambda form: services.record_measurement(
                    current_user, indicator,
                    services.MeasurementData(**_figures(form), link=form.link.data or ""),
                    form.evidence.data),
                lambda _m: _("Measurement recorded; it counts toward progress once a reviewer "
                             "has verified it."),
                MeasurementForm, measurement_prefix(indicator.id))


@bp.post("/<int:initiative_id>/measurements/<int:measurement_id>/verify")
@login_required
def verify_measurement(initiative_id: int, measurement_id: int):
    initiative, measurement = _load_measurement(initiative_id, measurement_id)
    return _run(initiative, can_verify(current_user),
                lambda: services.verify_measurement(current_user, measurement),
                lambda _result: _("Measurement verified; it now counts toward progress."))


@bp.post("/<int:initiative_id>/measurements/<int:measurement_id>/return")
@login_required
def return_measurement(initiative_id: int, measurement_id: int):
    initiative, measurement = _load_measurement(initiative_id, measurement_id)
    return _run(initiative, can_verify(current_user),
                lambda form: services.return_measurement(current_user, measurement,
                                                         form.reason.data or ""),
                lambda _result: _("Measurement returned to the unit with your reason."),
                ReturnForm, return_prefix(measurement.id))


@bp.post("/<int:initiative_id>/measurements/<int:measurement_id>/correct")
@login_required
def correct_measurement(initiative_id: int, measurement_id: int):
    initiative, measurement = _load_measurement(initiative_id, measurement_id)
    return _run(initiative, can_amend_measurement(current_user, initiative, measurement),
                lambda form: services.correct_measurement(
                    current_user, measurement,
                    services.CorrectionData(**_figures(form), reason=form.reason.data or "")),
                lambda _changes: _("Measurement corrected; it counts toward progress once a "
                                   "reviewer has verified it."),
                CorrectionForm, correct_prefix(measurement.id))


@bp.post("/<int:initiative_id>/measurements/<int:measurement_id>/withdraw")
@login_required
def withdraw_measurement(initiative_id: int, measurement_id: int):
    initiative, measurement = _load_measurement(initiative_id, measurement_id)
    return _run(initiative, can_amend_measurement(current_user, initiative, measurement),
                lambda form: services.withdraw_measurement(current_user, measurement,
                                                           form.reason.data or ""),
                lambda _result: _("Measurement withdrawn; it stays listed with your reason and "
                                  "no longer counts."),
                WithdrawForm, withdraw_prefix(measurement.id))


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error: RequestEntityTooLarge):
    """A body beyond ``MAX_CONTENT_LENGTH`` (werkzeug refuses it unread).

    htmx, recording a measurement: the section again, the message next to the file field (422,
    which htmx swaps). Otherwise the error page, 413, saying what the limit is.
    """
    message = evidence.too_large_message()
    args = request.view_args or {}
    if (wants_fragment() and current_user.is_authenticated
            and "indicator_id" in args and "initiative_id" in args):
        initiative = db.session.get(Initiative, args["initiative_id"])
        if initiative is not None:
            key = measurement_prefix(args["indicator_id"])
            form = MeasurementForm(formdata=None, prefix=key, data={"measured_on": local_today()})
            form.evidence.errors = [message]
            return _section(build_section(initiative, {key: form}, message_kind="error")), 422
    # As core.errors renders every HTTP error, with the limit as the reason.
    described = RequestEntityTooLarge(description=message)
    if wants_fragment():
        return render_template("errors/_message.html", error=described), 413
    return render_page("errors/error.html", error=described), 413


# --------------------------------------------------------------------------- evidence


@evidence_bp.get("/<int:evidence_id>")
@login_required
def download(evidence_id: int):
    """Any signed-in user may read evidence (everyone may view every initiative)."""
    item = db.get_or_404(Evidence, evidence_id)
    # The name on disk comes from the database, never from the request; send_from_directory
    # still refuses anything outside the folder, and answers 404 if the file is missing.
    response = send_from_directory(
        evidence.folder(), item.stored_name, mimetype=item.content_type, as_attachment=False,
        download_name=evidence.download_name(item), etag=item.sha256, max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.cache_control.private = True
    return response
