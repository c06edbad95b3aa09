"""The outcomes section of an initiative page, its actions, and evidence downloads.

Every action is a plain ``<form method="post">`` enhanced with htmx:

- htmx: the whole ``#outcomes`` section comes back (200 on success with a status message; 422,
  403 or 409 with the message next to the field or at the top of the section);
- without JavaScript: a 303 to the initiative page (``#outcomes``) with a flash, or the whole page
  with the errors in place (422/403/409).

Several forms share the page, so each carries a prefix (``indicator-7-name``,
``measurement-7-value``, ``return-12-reason``, ``correct-12-value``, ``withdraw-12-reason``,
``new-indicator-name``); the section is built by
:func:`build_view`, which the template also calls (through a context processor) when the
initiative page includes it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import abort, flash, g, render_template, request, send_from_directory, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from markupsafe import Markup
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.exceptions import RequestEntityTooLarge

from ..domain.clock import local_today
from ..domain.errors import DomainError
from ..domain.permissions import Decision, can_amend_measurement, can_edit, can_verify
from ..extensions import db
from ..lifecycle.progress import bar_width, mean_progress
from ..models import Evidence, Indicator, Initiative, Measurement, MeasurementStatus
from ..web.actions import attach_error
from ..web.htmx import changed, redirect_to, wants_fragment
from . import bp, evidence, evidence_bp, services
from .charts import indicator_chart_svg
from .forms import CorrectionForm, IndicatorForm, MeasurementForm, ReturnForm, WithdrawForm

NEW_INDICATOR = "new-indicator"


def indicator_prefix(indicator_id: int) -> str:
    return f"indicator-{indicator_id}"


def measurement_prefix(indicator_id: int) -> str:
    return f"measurement-{indicator_id}"


def return_prefix(measurement_id: int) -> str:
    return f"return-{measurement_id}"


def correct_prefix(measurement_id: int) -> str:
    return f"correct-{measurement_id}"


def withdraw_prefix(measurement_id: int) -> str:
    return f"withdraw-{measurement_id}"


# --------------------------------------------------------------------------- the section


@dataclass
class IndicatorRow:
    indicator: Indicator
    measurements: list[Measurement]
    progress: float | None
    bar: int
    chart: Markup
    edit_form: IndicatorForm | None = None
    measurement_form: MeasurementForm | None = None
    return_forms: dict[int, ReturnForm] = field(default_factory=dict)
    # Per measurement the current user may correct or withdraw (``can_amend_measurement``).
    correct_forms: dict[int, CorrectionForm] = field(default_factory=dict)
    withdraw_forms: dict[int, WithdrawForm] = field(default_factory=dict)
    edit_open: bool = False
    record_open: bool = False


@dataclass
class OutcomesView:
    initiative: Initiative
    rows: list[IndicatorRow]
    can_edit: bool
    can_verify: bool
    new_form: IndicatorForm | None = None
    new_open: bool = False
    message: str | None = None
    message_kind: str = "success"

    @property
    def progress(self) -> float | None:
        """The initiative's outcome progress: mean over indicators, verified measurements only."""
        return mean_progress(row.progress for row in self.rows)


def build_view(initiative: Initiative, forms: dict[str, FlaskForm] | None = None,
               message: str | None = None, message_kind: str = "success") -> OutcomesView:
    """Everything the section shows; ``forms`` replaces fresh forms (submitted, with errors)."""
    forms = forms or {}
    editable = bool(can_edit(current_user, initiative)) and not initiative.archived
    verifier = bool(can_verify(current_user))
    indicators = db.session.scalars(
        sa.select(Indicator)
        .where(Indicator.initiative_id == initiative.id)
        .options(selectinload(Indicator.measurements).options(
            joinedload(Measurement.recorded_by), joinedload(Measurement.reviewed_by),
            joinedload(Measurement.corrected_by), joinedload(Measurement.withdrawn_by),
            joinedload(Measurement.evidence)))
        .order_by(Indicator.position, Indicator.id)
    ).all()
    today = local_today()
    rows = []
    for indicator in indicators:
        measurements = list(indicator.measurements)
        value = services.indicator_progress(indicator, measurements)
        row = IndicatorRow(indicator, measurements, value, bar_width(value),
                           indicator_chart_svg(indicator, measurements))
        if editable:
            key = indicator_prefix(indicator.id)
            row.edit_open = key in forms
            row.edit_form = forms[key] if key in forms else IndicatorForm(
                formdata=None, obj=indicator, prefix=key)
            key = measurement_prefix(indicator.id)
            row.record_open = key in forms
            row.measurement_form = forms[key] if key in forms else MeasurementForm(
                formdata=None, prefix=key, data={"measured_on": today})
        if verifier:
            for m in measurements:
                reviewable = (m.status == MeasurementStatus.SUBMITTED.value
                              and services.reviewable_by(m, current_user))
                if reviewable:
                    key = return_prefix(m.id)
                    row.return_forms[m.id] = forms[key] if key in forms else ReturnForm(
                        formdata=None, prefix=key)
        if not initiative.archived:
            for m in measurements:
                if (m.status != MeasurementStatus.WITHDRAWN.value
                        and can_amend_measurement(current_user, initiative, m)):
                    key = correct_prefix(m.id)
                    row.correct_forms[m.id] = forms[key] if key in forms else CorrectionForm(
                        formdata=None, prefix=key,
                        data={"value": m.value, "measured_on": m.measured_on, "note": m.note})
                    key = withdraw_prefix(m.id)
                    row.withdraw_forms[m.id] = forms[key] if key in forms else WithdrawForm(
                        formdata=None, prefix=key)
        rows.append(row)
    view = OutcomesView(initiative, rows, editable, verifier, message=message,
                        message_kind=message_kind)
    if editable:
        view.new_open = NEW_INDICATOR in forms
        view.new_form = forms[NEW_INDICATOR] if view.new_open else IndicatorForm(
            formdata=None, prefix=NEW_INDICATOR)
    return view


def _number(value: float | None) -> str:
    return "—" if value is None else format_decimal(value)


@bp.app_context_processor
def _template_helpers() -> dict[str, Any]:
    return {
        "outcomes_section": _section_for,
        "outcome_number": _number,
        "evidence_size": evidence.size_label,
        "outcome_labels": {"status": services.STATUS_LABELS, "icons": services.STATUS_ICONS,
                           "direction": services.DIRECTION_LABELS},
    }


def _section(view: OutcomesView) -> str:
    return render_template("outcomes/_section.html", initiative=view.initiative, outcomes_view=view)


def _page(view: OutcomesView):
    """The whole initiative page with this section (for answers without JavaScript).

    Rendered by the initiative page's own view, so the page is the real one whatever context its
    other sections need; the section picks ``view`` up from ``g`` (see :func:`_section_for`).
    """
    from ..initiatives.views import detail

    g.outcomes_view = view
    return detail(initiative_id=view.initiative.id)


def _section_for(initiative: Initiative) -> OutcomesView:
    """What the template calls when included by the initiative page."""
    prepared = g.pop("outcomes_view", None)
    if prepared is not None and prepared.initiative.id == initiative.id:
        return prepared
    return build_view(initiative)


def _refuse(initiative: Initiative, forms: dict[str, FlaskForm], status: int,
            message: str | None = None):
    view = build_view(initiative, forms, message=message, message_kind="error")
    return (_section(view) if wants_fragment() else _page(view)), status



def _run(initiative: Initiative, decision: Decision, action: Callable[[], Any],
         success: Callable[[Any], str], form: FlaskForm | None = None, key: str = ""):
    """Check, validate, act, commit once, answer (see the module docstring)."""
    forms = {key: form} if form is not None else {}
    if not decision:
        return _refuse(initiative, {}, 403, decision.reason)
    if form is not None and not form.validate_on_submit():
        return _refuse(initiative, forms, 422)
    try:
        result = action()
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        attached = form is not None and attach_error(form, error, fallback=False)
        return _refuse(initiative, forms, error.status, None if attached else error.message)
    message = success(result)
    if wants_fragment():
        return changed(_section(build_view(initiative, message=message)))
    flash(message, "success")
    return redirect_to(url_for("initiatives.detail", initiative_id=initiative.id,
                               _anchor="outcomes"))


def _load_indicator(initiative_id: int, indicator_id: int) -> tuple[Initiative, Indicator]:
    initiative = db.get_or_404(Initiative, initiative_id)
    indicator = db.get_or_404(Indicator, indicator_id)
    if indicator.initiative_id != initiative.id:
        abort(404)
    return initiative, indicator


def _load_measurement(initiative_id: int, measurement_id: int) -> tuple[Initiative, Measurement]:
    initiative = db.get_or_404(Initiative, initiative_id)
    measurement = db.get_or_404(Measurement, measurement_id)
    if measurement.indicator.initiative_id != initiative.id:
        abort(404)
    return initiative, measurement


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
    form = IndicatorForm(prefix=NEW_INDICATOR)
    return _run(
        initiative, can_edit(current_user, initiative),
        lambda: services.add_indicator(current_user, initiative, _indicator_data(form)),
        lambda indicator: _("Indicator “%(name)s” added.", name=indicator.name),
        form, NEW_INDICATOR,
    )


@bp.post("/<int:initiative_id>/indicators/<int:indicator_id>/edit")
@login_required
def edit_indicator(initiative_id: int, indicator_id: int):
    initiative, indicator = _load_indicator(initiative_id, indicator_id)
    key = indicator_prefix(indicator.id)
    form = IndicatorForm(prefix=key)
    return _run(
        initiative, can_edit(current_user, initiative),
        lambda: services.update_indicator(current_user, indicator, _indicator_data(form)),
        lambda changes: (_("Changes to “%(name)s” saved.", name=indicator.name) if changes
                         else _("Nothing changed.")),
        form, key,
    )


@bp.post("/<int:initiative_id>/indicators/<int:indicator_id>/delete")
@login_required
def delete_indicator(initiative_id: int, indicator_id: int):
    initiative, indicator = _load_indicator(initiative_id, indicator_id)
    name = indicator.name
    return _run(
        initiative, can_edit(current_user, initiative),
        lambda: services.delete_indicator(current_user, indicator),
        lambda _result: _("Indicator “%(name)s” deleted.", name=name),
    )


# --------------------------------------------------------------------------- measurements


@bp.post("/<int:initiative_id>/indicators/<int:indicator_id>/measurements")
@login_required
def record_measurement(initiative_id: int, indicator_id: int):
    initiative, indicator = _load_indicator(initiative_id, indicator_id)
    key = measurement_prefix(indicator.id)
    form = MeasurementForm(prefix=key)

    def action():
        data = services.MeasurementData(
            value=form.value.data, measured_on=form.measured_on.data,
            note=form.note.data or "", link=form.link.data or "")
        return services.record_measurement(current_user, indicator, data, form.evidence.data)

    return _run(
        initiative, can_edit(current_user, initiative), action,
        lambda _m: _("Measurement recorded; it counts toward progress once a reviewer has "
                     "verified it."),
        form, key,
    )


@bp.post("/<int:initiative_id>/measurements/<int:measurement_id>/verify")
@login_required
def verify_measurement(initiative_id: int, measurement_id: int):
    initiative, measurement = _load_measurement(initiative_id, measurement_id)
    return _run(
        initiative, can_verify(current_user),
        lambda: services.verify_measurement(current_user, measurement),
        lambda _result: _("Measurement verified; it now counts toward progress."),
    )


@bp.post("/<int:initiative_id>/measurements/<int:measurement_id>/return")
@login_required
def return_measurement(initiative_id: int, measurement_id: int):
    initiative, measurement = _load_measurement(initiative_id, measurement_id)
    key = return_prefix(measurement.id)
    form = ReturnForm(prefix=key)
    return _run(
        initiative, can_verify(current_user),
        lambda: services.return_measurement(current_user, measurement, form.reason.data or ""),
        lambda _result: _("Measurement returned to the unit with your reason."),
        form, key,
    )


@bp.post("/<int:initiative_id>/measurements/<int:measurement_id>/correct")
@login_required
def correct_measurement(initiative_id: int, measurement_id: int):
    initiative, measurement = _load_measurement(initiative_id, measurement_id)
    key = correct_prefix(measurement.id)
    form = CorrectionForm(prefix=key)

    def action():
        data = services.CorrectionData(
            value=form.value.data, measured_on=form.measured_on.data,
            note=form.note.data or "", reason=form.reason.data or "")
        return services.correct_measurement(current_user, measurement, data)

    return _run(
        initiative, can_amend_measurement(current_user, initiative, measurement), action,
        lambda _changes: _("Measurement corrected; it counts toward progress once a reviewer "
                           "has verified it."),
        form, key,
    )


@bp.post("/<int:initiative_id>/measurements/<int:measurement_id>/withdraw")
@login_required
def withdraw_measurement(initiative_id: int, measurement_id: int):
    initiative, measurement = _load_measurement(initiative_id, measurement_id)
    key = withdraw_prefix(measurement.id)
    form = WithdrawForm(prefix=key)
    return _run(
        initiative, can_amend_measurement(current_user, initiative, measurement),
        lambda: services.withdraw_measurement(current_user, measurement, form.reason.data or ""),
        lambda _result: _("Measurement withdrawn; it stays listed with your reason and no longer "
                          "counts."),
        form, key,
    )


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
            return _section(build_view(initiative, {key: form}, message_kind="error")), 422
    # As core.errors renders every HTTP error, with the limit as the reason.
    described = RequestEntityTooLarge(description=message)
    template = "errors/_message.html" if wants_fragment() else "errors/error.html"
    return render_template(template, error=described), 413


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
