from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from ..auth import services as people
from ..auth.sessions import remembered, sign_in
from ..extensions import db
from ..lifecycle.gates import CHECKS
from ..lifecycle.stages import ordered_stages, rolled_out
from ..models import Initiative, Stage, Tag, Unit, User, initiative_tag
from ..web.actions import user_action
from ..web.htmx import redirect_to
from ..web.pages import render_page
from . import bp, services
from .forms import NONE, StageForm, TagForm, UnitForm, UserForm

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
    return render_page("admin/users.html", users=rows)


@bp.route("/users/new", methods=["GET", "POST"])
def user_new():
    form = UserForm()
    _unit_choices(form)
    if form.validate_on_submit():
        if not form.password.data:
            form.password.errors = [_("A new user needs a first password.")]
        else:
            with user_action(form) as action:
                user = people.create_user(
                    form.email.data, form.name.data, form.role.data,
                    unit=db.session.get(Unit, form.unit.data) if form.unit.data else None,
                    password=form.password.data, locale=form.locale.data,
                )
                user.active = form.active.data
            if action.done:
                flash(_("User %(name)s created.", name=user.name), "success")
                return redirect_to(url_for("admin.users"))
    status = 422 if form.is_submitted() else 200
    return render_page("admin/user_form.html", form=form, user=None), status


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def user_edit(user_id: int):
    user = db.get_or_404(User, user_id)
    # Ids for the selects: given the ORM objects (``obj=``), WTForms selects nothing and the
    # browser sends each select's first option.
    form = UserForm(data=dict(email=user.email, name=user.name, role=user.role,
                              unit=user.unit_id or NONE, locale=user.locale, active=user.active)
                    if request.method == "GET" else None)
    _unit_choices(form)
    if form.validate_on_submit():
        with user_action(form) as action:
            people.update_user(
                user, email=form.email.data, name=form.name.data, role=form.role.data,
                unit=db.session.get(Unit, form.unit.data) if form.unit.data else None,
                active=form.active.data, locale=form.locale.data,
            )
            if form.password.data:
                people.set_user_password(user, form.password.data)  # ends their sessions
        if action.done:
            if form.password.data and user.id == current_user.id and user.active:
                sign_in(user, remember=remembered())  # one's own password: this browser stays
            flash(_("User %(name)s saved.", name=user.name), "success")
            return redirect_to(url_for("admin.users"))
    status = 422 if form.is_submitted() else 200
    return render_page("admin/user_form.html", form=form, user=user), status


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
    counts = dict(
        db.session.execute(
            select(Initiative.unit_id, func.count())
            .where(Initiative.archived.is_(False))
            .group_by(Initiative.unit_id)
        ).all()
    )
    rows = db.session.scalars(
        select(Unit).options(db.joinedload(Unit.head)).order_by(Unit.active.desc(), Unit.code)
    ).all()
    return render_page("admin/units.html", units=rows, counts=counts)


@bp.route("/units/new", methods=["GET", "POST"])
def unit_new():
    form = UnitForm()
    _head_choices(form)
    if form.validate_on_submit():
        with user_action(form) as action:
            unit = people.create_unit(
                form.code.data, form.name.data,
                head=db.session.get(User, form.head.data) if form.head.data else None,
            )
            unit.active = form.active.data
        if action.done:
            flash(_("Unit %(code)s created.", code=unit.code), "success")
            return redirect_to(url_for("admin.units"))
    status = 422 if form.is_submitted() else 200
    return render_page("admin/unit_form.html", form=form, unit=None), status


@bp.route("/units/<int:unit_id>", methods=["GET", "POST"])
def unit_edit(unit_id: int):
    unit = db.get_or_404(Unit, unit_id)
    form = UnitForm(data=dict(code=unit.code, name=unit.name, head=unit.head_id or NONE,
                              active=unit.active)
                    if request.method == "GET" else None)
    _head_choices(form, unit)
    if form.validate_on_submit():
        with user_action(form) as action:
            people.update_unit(
                unit, code=form.code.data, name=form.name.data,
                head=db.session.get(User, form.head.data) if form.head.data else None,
                active=form.active.data,
            )
        if action.done:
            flash(_("Unit %(code)s saved.", code=unit.code), "success")
            return redirect_to(url_for("admin.units"))
    status = 422 if form.is_submitted() else 200
    return render_page("admin/unit_form.html", form=form, unit=unit), status


# --------------------------------------------------------------------------- stages


@bp.get("/stages")
def stages():
    counts = dict(
        db.session.execute(
            select(Initiative.stage_id, func.count())
            .where(Initiative.archived.is_(False))
            .group_by(Initiative.stage_id)
        ).all()
    )
    rows = ordered_stages()
    return render_page("admin/stages.html", stages=rows, counts=counts, checks=CHECKS,
                           rolled=rolled_out(rows))


@bp.route("/stages/new", methods=["GET", "POST"])
def stage_new():
    form = StageForm()
    if form.validate_on_submit():
        with user_action(form) as action:
            stage = services.create_stage(form.code.data, form.name_id.data, form.name_en.data,
                                          form.wip_limit.data, form.expected_days.data,
                                          form.gates.data, rollout=form.rollout.data)
        if action.done:
            flash(_("Stage %(name)s created.", name=stage.name), "success")
            return redirect_to(url_for("admin.stages"))
    status = 422 if form.is_submitted() else 200
    return render_page("admin/stage_form.html", form=form, stage=None), status


@bp.route("/stages/<int:stage_id>", methods=["GET", "POST"])
def stage_edit(stage_id: int):
    stage = db.get_or_404(Stage, stage_id)
    form = StageForm(obj=stage) if request.method == "GET" else StageForm(code=stage.code)
    form.code.data = stage.code  # the code is permanent
    if form.validate_on_submit():
        with user_action(form) as action:
            services.update_stage(stage, form.name_id.data, form.name_en.data, form.wip_limit.data,
                                  form.expected_days.data, form.gates.data,
                                  rollout=form.rollout.data)
        if action.done:
            flash(_("Stage %(name)s saved.", name=stage.name), "success")
            return redirect_to(url_for("admin.stages"))
    status = 422 if form.is_submitted() else 200
    return render_page("admin/stage_form.html", form=form, stage=stage), status


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
    if form.validate_on_submit():
        with user_action(form) as action:
            if tag is None:
                tag = services.create_tag(form.kind.data, form.code.data, form.name.data)
            else:
                services.update_tag(tag, form.kind.data, form.code.data, form.name.data)
        if action.done:
            flash(_("Tag %(label)s saved.", label=tag.label), "success")
            return redirect_to(url_for("admin.tags"))
    status = 422 if form.is_submitted() else 200
    return render_page("admin/tag_form.html", form=form, tag=tag), status


@bp.post("/tags/<int:tag_id>/delete")
def tag_delete(tag_id: int):
    tag = db.get_or_404(Tag, tag_id)
    label = tag.label
    with user_action() as action:
        services.delete_tag(tag)
    if action.done:
        flash(_("Tag %(label)s deleted.", label=label), "success")
    return redirect_to(url_for("admin.tags"))
