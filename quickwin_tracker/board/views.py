from __future__ import annotations

from urllib.parse import urlencode

from flask import abort, current_app, flash, make_response, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..domain.permissions import can_edit, can_move
from ..extensions import db
from ..models import Dimension, Initiative, Stage
from ..web.actions import require
from ..web.htmx import is_htmx, redirect_to, render
from . import bp
from .forms import BOTTOM, KEEP, TOP, MoveForm
from .live import board_version
from .services import (
    STATUS_CHOICES,
    BoardFilters,
    CardKit,
    FilterError,
    MoveRefused,
    active_stages,
    assessed_cells,
    column_totals,
    load_board,
    move_initiative,
)


def _filters(source) -> BoardFilters:
    try:
        return BoardFilters.from_args(source)
    except FilterError as exc:
        abort(400, description=str(exc))


def _kit(filters: BoardFilters) -> CardKit:
    """The links and words every card of this board shares (``CardKit``), built once. The
    markers stand in the URL's path, which comes before any filter text in its query."""
    marker = "987654321"
    detail = url_for("initiatives.detail", initiative_id=int(marker)).split(marker, 1)
    move = url_for("board.move_form", initiative_id=int(marker),
                   **filters.as_args()).split(marker, 1)
    more = (url_for("board.cell_more", dimension="DIMENSION", stage="STAGE")
            .replace("DIMENSION", "{dimension}", 1).replace("STAGE", "{stage}", 1)
            + "?offset={offset}")
    if args := filters.cell_args():  # url-encoded: no braces left to clash with format()
        more += "&" + urlencode(args)
    return CardKit((detail[0], detail[1]), (move[0], move[1]), _("no owner"), more, _("Move"))


def _page_size() -> int:
    return current_app.config["BOARD_PAGE_SIZE"]


@bp.get("/")
@login_required
def index():
    filters = _filters(request.args)
    board = load_board(filters, current_user, _page_size(),
                       budget=current_app.config["BOARD_FIRST_PAINT_CARDS"], kit=_kit(filters))
    return render("board/index.html", block="board", board=board, filters=filters,
                  status_choices=STATUS_CHOICES,
                  board_version=board_version(),
                  poll_seconds=max(1, int(current_app.config["BOARD_POLL_SECONDS"])))


@bp.get("/version")
@login_required
def version():
    """What open boards poll: 304 while their ``If-None-Match`` is the current tag, else 200 with
    the new tag (body and ETag); app.js then re-fetches the board. One query.

    ``no-store``, as every answer to a signed-in user: app.js sends ``If-None-Match`` itself
    (the tag of the board it shows, from the page), so the 304 needs no copy in the browser's
    cache, and none should be kept of anything a signed-in user sees. The poll does not renew
    the session (``auth/sessions.py``): an idle board still times out."""
    _filters(request.args)  # the board's filters come along; a bad one is a 400 as on the board
    tag = board_version()
    response = make_response("" if request.if_none_match.contains(tag) else tag)
    if request.if_none_match.contains(tag):
        response.status_code = 304
    response.set_etag(tag)
    response.mimetype = "text/plain"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/cells/<dimension>/<stage>")
@login_required
def cell_more(dimension: str, stage: str):
    """The next cards of one cell ("show more" on a long column)."""
    dim = db.one_or_404(select(Dimension).where(Dimension.code == dimension))
    stg = db.one_or_404(select(Stage).where(Stage.code == stage))
    filters = _filters(request.args)
    try:
        offset = min(max(0, int(request.args.get("offset", "0"))), 2**31 - 1)  # must fit in SQL
    except ValueError:
        abort(400, description=_("offset must be a whole number"))
    size = _page_size()
    kit = _kit(filters)
    cards, counts = assessed_cells(filters, current_user, size, active_stages(),
                                   cells=[(dim.id, stg.id)], offset=offset, kit=kit)
    count = counts.get((dim.id, stg.id), 0)
    return render(
        "board/cell.html", block="cards", cards=cards.get((dim.id, stg.id), []), dimension=dim,
        stage=stg, filters=filters, next_offset=offset + size if offset + size < count else None,
        kit=kit,
    )


def _move_form(initiative: Initiative, stages: list[Stage], formdata=None) -> MoveForm:
    """The "move to" form, its own stage and "where it is now" selected, so that the form sent
    unchanged moves nothing. Shown (no ``formdata``), it offers the stages this user may move the
    card into (a proposal stays in the first stage unless the reader may approve it); posted, any
    stage, so that a refused move is answered with its reason (``move_initiative``)."""
    form = MoveForm(formdata=formdata, version=initiative.version,
                    stage=initiative.stage.code, after=KEEP)
    first = stages[0] if stages else initiative.stage
    form.stage.choices = [
        (s.code, s.name) for s in stages
        if formdata is not None or s.id == initiative.stage_id
        or can_move(current_user, initiative, s, first)
    ]
    return form


def _position_choices(initiative: Initiative, stage_code: str | None) -> list[tuple[str, str]]:
    stage = db.session.scalar(select(Stage).where(Stage.code == stage_code)) if stage_code else None
    stage = stage or initiative.stage
    others = db.session.execute(
        select(Initiative.id, Initiative.title)
        .where(Initiative.dimension_id == initiative.dimension_id, Initiative.stage_id == stage.id,
               Initiative.archived.is_(False), Initiative.id != initiative.id)
        .order_by(Initiative.position, Initiative.id)
    ).all()
    keep = _("Where it is now") if stage.id == initiative.stage_id else _("At the bottom")
    return (
        [(KEEP, keep), (TOP, _("At the top")), (BOTTOM, _("At the bottom"))]
        + [(str(i), _("After “%(title)s”", title=t)) for i, t in others]
    )


@bp.route("/cards/<int:initiative_id>/move", methods=["GET"])
@login_required
def move_form(initiative_id: int):
    """The no-drag "move to" control: a page, or the form alone for the board's dialog."""
    initiative = db.get_or_404(Initiative, initiative_id)
    require(can_edit(current_user, initiative))
    form = _move_form(initiative, active_stages())
    if request.args.get("stage"):
        form.stage.data = request.args["stage"]
    form.after.choices = _position_choices(initiative, form.stage.data)
    filters = _filters(request.args)
    if request.args.get("part") == "positions" and is_htmx():
        return render_template("board/_position_select.html", form=form)
    return render("board/move.html", block="move_form", form=form, initiative=initiative,
                  filters=filters)


@bp.post("/cards/<int:initiative_id>/move")
@login_required
def move(initiative_id: int):
    initiative = db.get_or_404(Initiative, initiative_id)
    stages = active_stages()
    form = _move_form(initiative, stages, formdata=request.form)
    filters = _filters(request.form)
    from_stage = initiative.stage
    dimension = initiative.dimension
    if not form.validate_on_submit():
        if is_htmx():
            message = "; ".join(f"{form[name].label.text}: {' '.join(errs)}"
                                for name, errs in form.errors.items())
            return _move_answer(dimension, [from_stage.id], filters, message, 422)
        form.after.choices = _position_choices(initiative, form.stage.data)
        return render_template("board/move.html", form=form, initiative=initiative,
                               filters=filters), 422
    to_stage = next(s for s in stages if s.code == form.stage.data)
    after = form.after.data or KEEP
    if after == KEEP and to_stage.id == from_stage.id:
        message = _("“%(title)s” stays where it is.", title=initiative.title)
        if is_htmx():
            return _move_answer(dimension, [from_stage.id], filters, message, 200,
                                moved_id=initiative.id)
        flash(message, "info")
        return redirect_to(url_for("board.index", **filters.as_args()))
    try:
        if after == TOP:
            after_id = None
        elif after in (BOTTOM, KEEP):
            after_id = db.session.scalar(
                select(Initiative.id)
                .where(Initiative.dimension_id == initiative.dimension_id,
                       Initiative.stage_id == to_stage.id, Initiative.archived.is_(False),
                       Initiative.id != initiative.id)
                .order_by(Initiative.position.desc(), Initiative.id.desc()).limit(1)
            )
        else:
            after_id = int(after)
        result = move_initiative(current_user, initiative, to_stage, after_id, form.version.data)
        # What the answer says is read before the commit expires these objects (re-reading
        # them would cost a query each).
        title, moved_id = initiative.title, initiative.id
        stage_ids = [result.from_stage.id, result.to_stage.id]
        template = (_("“%(title)s” moved to %(stage)s.") if stage_ids[0] != stage_ids[1]
                    else _("“%(title)s” reordered in %(stage)s."))
        message = template % {"title": title, "stage": result.to_stage.name}
        db.session.commit()
    except ValueError:
        db.session.rollback()
        return _refused(initiative, dimension, [from_stage, to_stage], filters, form,
                        _("The position is not valid."), 422)
    except MoveRefused as refused:
        db.session.rollback()
        return _refused(initiative, dimension, [from_stage, to_stage], filters, form,
                        refused.message, refused.status, refused.missing)

    if is_htmx():
        return _move_answer(dimension, stage_ids, filters, message, 200, moved_id=moved_id)
    flash(message, "success")
    return redirect_to(url_for("board.index", **filters.as_args()))


def _refused(initiative, dimension, stages, filters, form, message, status, missing=()):
    if is_htmx():
        # The card may have been moved by someone else meanwhile: show the cell it is in now.
        db.session.refresh(initiative)
        return _move_answer(dimension, [*(s.id for s in stages), initiative.stage_id], filters,
                            message, status, missing=missing, initiative_id=initiative.id)
    db.session.refresh(initiative)
    form.version.data = initiative.version
    form.after.choices = _position_choices(initiative, form.stage.data)
    return render_template("board/move.html", form=form, initiative=initiative, filters=filters,
                           refusal=message, missing=missing), status


def _move_answer(dimension: Dimension, stage_ids: list[int], filters: BoardFilters,
                 message: str, status: int, moved_id: int | None = None, missing=(),
                 initiative_id: int | None = None):
    """The message for the live region, plus the affected cells (of ``stage_ids`` in
    ``dimension``) and counts out of band: the server's order is what the user sees after every
    move, made or refused."""
    stages = active_stages()  # (also refreshes the session's Stage objects after a commit)
    by_id = {s.id: s for s in stages}
    unique = [by_id.get(i) or db.session.get(Stage, i) for i in dict.fromkeys(stage_ids)]
    size = _page_size()
    # With a status filter the column counts need every lane assessed: read the whole board then.
    wanted = None if filters.status else [(dimension.id, s.id) for s in unique]
    # The cells as the board's first paint shows them (the same first page per cell).
    kit = _kit(filters)
    cells, counts = assessed_cells(filters, current_user, size, stages, cells=wanted,
                                   budget=current_app.config["BOARD_FIRST_PAINT_CARDS"], kit=kit)
    return render_template(
        "board/_move_result.html", message=message, ok=status == 200, dimension=dimension,
        stages=unique, cells=cells, counts=counts, column_counts=column_totals(counts),
        filters=filters,
        moved_id=moved_id, missing=missing, initiative_id=initiative_id, kit=kit,
    ), status
