"""Initiative pages: creating, editing, archiving and bringing back one quick win, its page, and
the archive."""

from __future__ import annotations

from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from jinja2_fragments.flask import render_block
from sqlalchemy import select

from ..domain.permissions import can_create_in, can_edit, can_manage
from ..extensions import db
from ..models import Dimension, Initiative, Role, Tag, Unit, User
from ..web.actions import require, user_action
from ..web.forms import check_not_past, page_number
from ..web.htmx import redirect_to, render, wants_fragment
from ..web.pages import render_page
from . import bp, page, services
from .forms import ArchiveSearchForm, InitiativeForm
from .services import OWNERSHIP_FIELDS

NO_OWNER = 0


def _fill_choices(form: InitiativeForm, initiative: Initiative | None = None) -> None:
    """Choices the current user may pick: the active units they may create in (the rule is
    ``permissions.can_create_in``), the people who may own or join an initiative; and, when
    editing, the initiative's current unit, owner and team even where they would no longer be
    offered (an inactive account, a reviewer): a select without its current value selected would
    submit another one, and saving the title would change the owner."""
    form.dimension.choices = [
        (d.id, d.name) for d in db.session.scalars(select(Dimension).order_by(Dimension.position))
    ]
    if form.unit is not None:
        form.unit.choices = _unit_choices(initiative)
    if form.owner is not None or form.members is not None:
        people = _people_choices(initiative)
        if form.owner is not None:
            form.owner.choices = [(NO_OWNER, _("— no owner yet —")), *people]
        if form.members is not None:
            form.members.choices = people
    form.tags.choices = [
        (t.id, f"{t.label} · {t.name}")
        for t in db.session.scalars(select(Tag).order_by(Tag.kind, Tag.code))
    ]


def _unit_choices(initiative: Initiative | None) -> list[tuple[int, str]]:
    current = initiative.unit_id if initiative is not None else None
    return [
        (u.id, f"{u.code} · {u.name}")
        for u in db.session.scalars(select(Unit).order_by(Unit.code))
        if u.id == current or (u.active and can_create_in(current_user, u))
    ]


def _people_choices(initiative: Initiative | None) -> list[tuple[int, str]]:
    """Active staff, managers and admins with a unit, by name; then the initiative's current
    owner and team who are not among them."""
    people = list(db.session.scalars(
        select(User)
        .where(User.active.is_(True), User.unit_id.is_not(None),
               User.role.in_((Role.STAFF.value, Role.MANAGER.value, Role.ADMIN.value)))
        .order_by(User.name)
    ))
    current = [] if initiative is None else [initiative.owner, *initiative.members]
    offered = {u.id for u in people}
    people += sorted({u.id: u for u in current if u is not None and u.id not in offered}.values(),
                     key=lambda u: u.name)
    return [(u.id, _person_label(u)) for u in people]


def _person_label(user: User) -> str:
    label = f"{user.name} ({user.unit.code})" if user.unit is not None else user.name
    return label if user.active else _("%(name)s (inactive)", name=label)


def _form_values(initiative: Initiative) -> dict:
    """The initiative as the edit form shows it: ids for the selects (WTForms would take the ORM
    objects of ``obj=`` ahead of ids, and select nothing)."""
    return dict(
        title=initiative.title, benefit=initiative.benefit, description=initiative.description,
        dimension=initiative.dimension_id, unit=initiative.unit_id,
        owner=initiative.owner_id or NO_OWNER, target_date=initiative.target_date,
        members=[m.id for m in initiative.members], tags=[t.id for t in initiative.tags],
        version=initiative.version,
    )


def _limit_to_content(form: InitiativeForm, initiative: Initiative) -> None:
    """A team member from another unit edits the content only: the ownership fields leave the
    form (the page shows them as text) and keep their current values (``_data``)."""
    if not can_manage(current_user, initiative):
        for name in OWNERSHIP_FIELDS:
            delattr(form, name)


def _data(form: InitiativeForm, initiative: Initiative | None = None) -> services.InitiativeData:
    """What the form says; fields the form does not carry keep the initiative's values."""
    def chosen(name: str, current):
        return getattr(form, name).data if getattr(form, name) is not None else current

    unit_id = chosen("unit", initiative.unit_id if initiative else None)
    owner_id = chosen("owner", initiative.owner_id if initiative else None)
    member_ids = chosen("members", [m.id for m in initiative.members] if initiative else [])
    return services.InitiativeData(
        title=form.title.data,
        benefit=form.benefit.data,
        description=form.description.data or "",
        dimension=db.session.get(Dimension, form.dimension.data),
        unit=db.session.get(Unit, unit_id),
        owner=db.session.get(User, owner_id) if owner_id else None,
        target_date=form.target_date.data,
        members=list(db.session.scalars(select(User).where(User.id.in_(member_ids or [])))),
        tags=list(db.session.scalars(select(Tag).where(Tag.id.in_(form.tags.data or [])))),
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    require(can_create_in(current_user, None))
    form = InitiativeForm()
    _fill_choices(form)
    if request.method == "GET":
        form.unit.data = current_user.unit_id
        form.owner.data = current_user.id if current_user.unit_id else NO_OWNER
    if form.validate_on_submit() and check_not_past(form.target_date, form.target_date_confirm):
        with user_action(form) as action:
            initiative = services.create_initiative(current_user, _data(form))
        if action.done:
            flash(_("Initiative “%(title)s” created.", title=initiative.title), "success")
            return redirect_to(url_for("initiatives.detail", initiative_id=initiative.id))
        return render_page("initiatives/form.html", form=form, initiative=None), action.error.status
    status = 422 if form.is_submitted() else 200
    return render_page("initiatives/form.html", form=form, initiative=None), status


@bp.get("/<int:initiative_id>")
@login_required
def detail(initiative_id: int):
    """The initiative page (``page.py`` builds what it shows); ``?part=status`` or ``?part=trail``
    (htmx) re-renders only that part after an in-place change elsewhere on the page."""
    initiative = db.get_or_404(Initiative, initiative_id)
    part = request.args.get("part")
    if part is not None:
        if part not in page.PARTS:
            abort(400, description=_("Unknown part."))
        if wants_fragment():
            block, context = page.PARTS[part]
            return render_block(page.TEMPLATE, block, **context(initiative))
    return page.render_initiative_page(initiative)


@bp.route("/<int:initiative_id>/edit", methods=["GET", "POST"])
@login_required
def edit(initiative_id: int):
    initiative = db.get_or_404(Initiative, initiative_id)
    require(can_edit(current_user, initiative))
    form = InitiativeForm(data=_form_values(initiative) if request.method == "GET" else None)
    _limit_to_content(form, initiative)
    _fill_choices(form, initiative)
    if form.validate_on_submit():
        try:
            expected = int(form.version.data) if form.version.data else None
        except ValueError:
            expected = -1
        with user_action(form) as action:
            changes = services.update_initiative(current_user, initiative, _data(form, initiative),
                                                 expected)
        if action.done:
            flash(_("Changes saved.") if changes else _("Nothing changed."),
                  "success" if changes else "info")
            return redirect_to(url_for("initiatives.detail", initiative_id=initiative.id))
        if action.error.status == 409:
            # Show the current state, keep what the user typed visible in the message.
            db.session.refresh(initiative)
            form.version.data = initiative.version
        return render_page("initiatives/form.html", form=form,
                           initiative=initiative), action.error.status
    status = 422 if form.is_submitted() else 200
    return render_page("initiatives/form.html", form=form, initiative=initiative), status


def _archive_action(initiative_id: int, action, message: str):
    initiative = db.get_or_404(Initiative, initiative_id)
    require(can_manage(current_user, initiative))
    with user_action() as done:
        action(current_user, initiative)
    if done.done:
        flash(message % {"title": initiative.title}, "success")
    return redirect_to(url_for("initiatives.detail", initiative_id=initiative.id))


@bp.post("/<int:initiative_id>/archive")
@login_required
def archive(initiative_id: int):
    return _archive_action(initiative_id, services.archive_initiative,
                           _("“%(title)s” archived; it no longer shows on the board."))


@bp.post("/<int:initiative_id>/unarchive")
@login_required
def unarchive(initiative_id: int):
    return _archive_action(initiative_id, services.unarchive_initiative,
                           _("“%(title)s” is back on the board."))


@bp.get("/archived")
@login_required
def archived():
    form = ArchiveSearchForm(request.args)
    q = form.q.data if form.validate() else ""
    pagination = services.search_archived(q or "", page_number(request.args))
    return render("initiatives/archived.html", block="results", form=form, q=q or "",
                  pagination=pagination)
