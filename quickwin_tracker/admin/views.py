"""Administration pages: people, units (OPD), workflow stages and plan tags. Every form here goes
through ``_form_page`` (shown, saved as one user action, or shown again with its messages)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import abort, current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select

from ..auth import services as people
from ..auth import totp
from ..auth.sessions import remembered, sign_in
from ..domain.errors import Invalid
from ..extensions import db
from ..identity import directory
from ..identity import oidc as city_account
from ..lifecycle.gates import CHECKS
from ..lifecycle.stages import ordered_stages, rolled_out
from ..models import Initiative, Stage, Tag, Unit, User, initiative_tag
from ..web.actions import user_action
from ..web.htmx import redirect_to
from ..web.pages import render_page
from . import bp, services
from .forms import NONE, DirectoryTestForm, StageForm, TagForm, UnitForm, UserForm


def _form_page(form: FlaskForm, template: str, save: Callable[[], Any],
               saved: Callable[[Any], str], back: str, **context: Any):
    """An administration form: shown (200); posted and valid, saved as one user action
    (``save``), then ``saved`` (given what ``save`` returned) says so in a flash and the list
    ``back`` follows; otherwise the form again with its messages (422)."""
    if form.validate_on_submit():
        with user_action(form) as action:
            result = save()
        if action.done:
            flash(saved(result), "success")
            return redirect_to(url_for(back))
    status = 422 if form.is_submitted() else 200
    return render_page(template, form=form, **context), status


def _initiatives_by(column) -> dict[int, int]:
    """How many initiatives (not archived) each unit or stage has."""
    return dict(db.session.execute(
        select(column, func.count()).where(Initiative.archived.is_(False)).group_by(column)
    ).all())


def _chosen(model: type, form_field) -> Any:
    """The row a select names (``NONE``: none)."""
    return db.session.get(model, form_field.data) if form_field.data else None


# --------------------------------------------------------------------------- users


def _unit_choices(form: UserForm) -> None:
    form.unit.choices = [(NONE, _("— no unit —"))] + [
        (u.id, f"{u.code} · {u.name}") for u in db.session.scalars(select(Unit).order_by(Unit.code))
    ]


@bp.get("/users")
def users():
    rows = db.session.scalars(
        select(User).options(db.joinedload(User.unit)).order_by(User.active.desc(), User.name)
    ).all()
    return render_page("admin/users.html", users=rows, second_factors=totp.enrolled_ids())


@bp.route("/users/new", methods=["GET", "POST"])
def user_new():
    form = UserForm()
    _unit_choices(form)

    def save() -> User:
        if not form.password.data:
            raise Invalid(_("A new user needs a first password."), "password")
        return people.create_user(form.email.data, form.name.data, form.role.data,
                                  unit=_chosen(Unit, form.unit), password=form.password.data,
                                  locale=form.locale.data, active=form.active.data)

    return _form_page(form, "admin/user_form.html", save,
                      lambda user: _("User %(name)s created.", name=user.name), "admin.users",
                      user=None)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def user_edit(user_id: int):
    user = db.get_or_404(User, user_id)
    # Ids for the selects: given the ORM objects (``obj=``), WTForms selects nothing and the
    # browser sends each select's first option.
    form = UserForm(data=dict(email=user.email, name=user.name, role=user.role,
                              unit=user.unit_id or NONE, locale=user.locale, active=user.active)
                    if request.method == "GET" else None)
    _unit_choices(form)

    def save() -> None:
        people.update_user(user, email=form.email.data, name=form.name.data, role=form.role.data,
                           unit=_chosen(Unit, form.unit), active=form.active.data,
                           locale=form.locale.data)
        if form.password.data:
            people.set_user_password(user, form.password.data)  # ends their sessions

    def saved(_result) -> str:
        if form.password.data and user.id == current_user.id and user.active:
            sign_in(user, remember=remembered())  # one's own password: this browser stays
        return _("User %(name)s saved.", name=user.name)

    return _form_page(form, "admin/user_form.html", save, saved, "admin.users", user=user,
                      second_factor=totp.factor_of(user),
                      second_factor_required=totp.required_for(user))


@bp.post("/users/<int:user_id>/sign-out")
def user_sign_out(user_id: int):
    """Sign the user out everywhere: every session and remember-me cookie (a lost phone, a
    shared computer, a password that may have leaked)."""
    user = db.get_or_404(User, user_id)
    with user_action() as action:
        people.end_all_sessions(user)
    if action.done:
        flash(_("%(name)s has been signed out everywhere.", name=user.name), "success")
    return redirect_to(url_for("admin.user_edit", user_id=user.id))


# --------------------------------------------------------------------------- sign-in


def _identity_page(form: DirectoryTestForm, check: directory.Check | None = None):
    """How people sign in (docs/identity.md): set in the environment, shown here; the LDAP
    connection test's steps when it ran."""
    config = current_app.config
    return render_page("admin/identity.html", form=form, check=check,
                       oidc_enabled=city_account.enabled(), ldap_enabled=directory.enabled(),
                       config=config, rules=config["IDENTITY_RULE_SET"],
                       break_glass=sorted(config["BREAK_GLASS_EMAILS"]))


@bp.get("/identity")
def identity():
    return _identity_page(DirectoryTestForm())


@bp.post("/identity/ldap-test")
def identity_ldap_test():
    """Reach the directory step by step and say which step failed (nothing is written)."""
    form = DirectoryTestForm()
    if not form.validate_on_submit():
        return _identity_page(form), 422
    return _identity_page(form, directory.check_connection(form.email.data or ""))

@bp.post("/users/<int:user_id>/second-factor/reset")
def user_reset_second_factor(user_id: int):
    """Remove the user's second factor (a lost phone, no recovery code left): their sessions end,
    they are told by email, and they set one up again (at their next sign-in if their role
    requires it)."""
    user = db.get_or_404(User, user_id)
    with user_action() as action:
        totp.reset_by_admin(current_user._get_current_object(), user)
    if action.done:
        flash(_("The two-step verification of %(name)s has been reset; they have been told by "
                "email.", name=user.name), "success")
    return redirect_to(url_for("admin.user_edit", user_id=user.id))


# --------------------------------------------------------------------------- units


def _head_choices(form: UnitForm, unit: Unit | None = None) -> None:
    """Active people, and the unit's current head even if no longer active (else the select would
    show, and send, another one)."""
    current = unit.head_id if unit is not None else None
    form.head.choices = [(NONE, _("— none —"))] + [
        (u.id, u.name if u.active else _("%(name)s (inactive)", name=u.name))
        for u in db.session.scalars(
            select(User).where(sa.or_(User.active.is_(True), User.id == current)).order_by(User.name))
    ]


@bp.get("/units")
def units():
    counts = _initiatives_by(Initiative.unit_id)
    rows = db.session.scalars(
        select(Unit).options(db.joinedload(Unit.head)).order_by(Unit.active.desc(), Unit.code)
    ).all()
    return render_page("admin/units.html", units=rows, counts=counts)


@bp.route("/units/new", methods=["GET", "POST"])
def unit_new():
    form = UnitForm()
    _head_choices(form)
    return _form_page(
        form, "admin/unit_form.html",
        lambda: people.create_unit(form.code.data, form.name.data, head=_chosen(User, form.head),
                                   active=form.active.data),
        lambda unit: _("Unit %(code)s created.", code=unit.code), "admin.units", unit=None)


@bp.route("/units/<int:unit_id>", methods=["GET", "POST"])
def unit_edit(unit_id: int):
    unit = db.get_or_404(Unit, unit_id)
    form = UnitForm(data=dict(code=unit.code, name=unit.name, head=unit.head_id or NONE,
                              active=unit.active)
                    if request.method == "GET" else None)
    _head_choices(form, unit)
    return _form_page(
        form, "admin/unit_form.html",
        lambda: people.update_unit(unit, code=form.code.data, name=form.name.data,
                                   head=_chosen(User, form.head), active=form.active.data),
        lambda _result: _("Unit %(code)s saved.", code=unit.code), "admin.units", unit=unit)


# --------------------------------------------------------------------------- stages


@bp.get("/stages")
def stages():
    counts = _initiatives_by(Initiative.stage_id)
    rows = ordered_stages()
    return render_page("admin/stages.html", stages=rows, counts=counts, checks=CHECKS,
                           rolled=rolled_out(rows))


@bp.route("/stages/new", methods=["GET", "POST"])
def stage_new():
    form = StageForm()
    return _form_page(
        form, "admin/stage_form.html",
        lambda: services.create_stage(form.code.data, form.name_id.data, form.name_en.data,
                                      form.wip_limit.data, form.expected_days.data,
                                      form.gates.data, rollout=form.rollout.data,
                                      update_cadence_days=form.update_cadence_days.data),
        lambda stage: _("Stage %(name)s created.", name=stage.name), "admin.stages", stage=None)


@bp.route("/stages/<int:stage_id>", methods=["GET", "POST"])
def stage_edit(stage_id: int):
    stage = db.get_or_404(Stage, stage_id)
    form = StageForm(obj=stage) if request.method == "GET" else StageForm(code=stage.code)
    form.code.data = stage.code  # the code is permanent
    return _form_page(
        form, "admin/stage_form.html",
        lambda: services.update_stage(stage, form.name_id.data, form.name_en.data,
                                      form.wip_limit.data, form.expected_days.data,
                                      form.gates.data, rollout=form.rollout.data,
                                      update_cadence_days=form.update_cadence_days.data),
        lambda _result: _("Stage %(name)s saved.", name=stage.name), "admin.stages", stage=stage)


STAGE_ACTIONS = {
    "up": lambda stage: services.move_stage(stage, -1),
    "down": lambda stage: services.move_stage(stage, +1),
    "retire": services.retire_stage,
    "restore": services.restore_stage,
    "delete": services.delete_stage,
}


@bp.post("/stages/<int:stage_id>/<action>")
def stage_action(stage_id: int, action: str):
    stage = db.get_or_404(Stage, stage_id)
    operation = STAGE_ACTIONS.get(action)
    if operation is None:
        abort(404)
    name = stage.name
    with user_action() as outcome:
        operation(stage)
    if not outcome.done:
        return redirect_to(url_for("admin.stages"))
    messages = {
        "retire": _("Stage %(name)s retired.", name=name),
        "restore": _("Stage %(name)s is back on the board.", name=name),
        "delete": _("Stage %(name)s deleted.", name=name),
    }
    if action in messages:
        flash(messages[action], "success")
    return redirect_to(url_for("admin.stages"))


# --------------------------------------------------------------------------- plan tags


@bp.get("/tags")
def tags():
    counts = dict(db.session.execute(
        select(initiative_tag.c.tag_id, func.count()).group_by(initiative_tag.c.tag_id)).all())
    rows = db.session.scalars(select(Tag).order_by(Tag.kind, Tag.code)).all()
    return render_page("admin/tags.html", tags=rows, counts=counts)


@bp.route("/tags/new", methods=["GET", "POST"])
@bp.route("/tags/<int:tag_id>", methods=["GET", "POST"])
def tag_form(tag_id: int | None = None):
    tag = db.get_or_404(Tag, tag_id) if tag_id is not None else None
    form = TagForm(obj=tag) if request.method == "GET" else TagForm()

    def save() -> Tag:
        if tag is None:
            return services.create_tag(form.kind.data, form.code.data, form.name.data)
        services.update_tag(tag, form.kind.data, form.code.data, form.name.data)
        return tag

    return _form_page(form, "admin/tag_form.html", save,
                      lambda saved: _("Tag %(label)s saved.", label=saved.label), "admin.tags",
                      tag=tag)


@bp.post("/tags/<int:tag_id>/delete")
def tag_delete(tag_id: int):
    tag = db.get_or_404(Tag, tag_id)
    label = tag.label
    with user_action() as action:
        services.delete_tag(tag)
    if action.done:
        flash(_("Tag %(label)s deleted.", label=label), "success")
    return redirect_to(url_for("admin.tags"))
