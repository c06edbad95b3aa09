"""The board's pages: the board, "show more" of a cell, the live board's poll, and moving a card
(drag and drop, or the keyboard / no-JavaScript "move to" form)."""

from __future__ import annotations

from flask import (
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..domain.permissions import can_edit, can_move
from ..extensions import db
from ..lifecycle.stages import active_stages
from ..models import MAX_ID, Dimension, Initiative, Stage
from ..web.actions import require, user_action
from ..web.htmx import is_htmx, redirect_to, render, render_block, wants_fragment
from ..web.pages import render_page
from . import bp, positions
from .cards import CardLinks
from .filters import STATUS_CHOICES, BoardFilters, FilterError
from .forms import BOTTOM, KEEP, TOP, MoveForm
from .live import board_version
from .moves import move_initiative
from .panels import scope_bar, views_panel
from .quick import quick_view
from .reading import assessed_cells, column_totals, load_board
from .settings import DENSITIES, BoardSettings, settings_of, update_settings


def board_filters(source) -> BoardFilters:
    """The filters of the request, the unit resolved for the reader (``BoardFilters.for_reader``):
    the board, its cells, the poll, moves and the saved views all see the same ones."""
    try:
        return BoardFilters.for_reader(source, current_user)
    except FilterError as exc:
        abort(400, description=str(exc))


def _links(filters: BoardFilters) -> CardLinks:
    return CardLinks.for_board(filters, _("no owner"), _("Move"))


MAX_CELL_LIMIT = 1000  # the most cards one request for a cell returns


def _page_size() -> int:
    return current_app.config["BOARD_PAGE_SIZE"]


def _first_cards(settings: BoardSettings) -> int:
    """The cards a cell shows at first: about what its bounded height holds at this density."""
    first = current_app.config["BOARD_CELL_FIRST_CARDS"] * (2 if settings.compact else 1)
    return min(first, _page_size())


def _budget() -> int:
    return current_app.config["BOARD_FIRST_PAINT_CARDS"]


def _board_context(filters: BoardFilters, save_form=None) -> dict:
    """What ``board/index.html`` shows (the page, and its ``board`` block alone)."""
    # The tag first, then the board: a change committed in between shows on this board and
    # moves the tag once more (one extra refresh), rather than being missed (``board.live``).
    version = board_version()
    settings = settings_of(current_user)
    board = load_board(filters, current_user, _first_cards(settings), budget=_budget(),
                       links=_links(filters), collapsed=settings.collapsed)
    return {"board": board, "filters": filters, "settings": settings,
            "status_choices": STATUS_CHOICES, "board_version": version,
            "poll_seconds": max(1, int(current_app.config["BOARD_POLL_SECONDS"])),
            "scope": scope_bar(filters, current_user, board.units),
            "saved": views_panel(filters, current_user, save_form)}


@bp.get("/")
@login_required
def index():
    """The board; ``?card=<id>`` opens that card's quick view beside it (a shared link, or
    Forward in the browser's history)."""
    return board_page(board_filters(request.args), card_id=request.args.get("card", ""))


def board_page(filters: BoardFilters, save_form=None, card_id: str = ""):
    """The board page (or its ``board`` block, for htmx) for ``filters``; ``save_form``: the
    "keep this view" form as sent, with its errors (``board.personal``); ``card_id``: the card
    whose quick view is open."""
    context = _board_context(filters, save_form)
    if wants_fragment():
        return render_block("board/index.html", "board", **context)
    quick = None
    if card_id.isdigit() and int(card_id) <= MAX_ID:
        initiative = db.session.get(Initiative, int(card_id))
        if initiative is not None and not initiative.archived:
            quick = quick_view(initiative)
    return render_page("board/index.html", quick=quick, **context)


@bp.get("/cards/<int:initiative_id>")
@login_required
def card(initiative_id: int):
    """A card's quick view: the panel beside the board (htmx), or, asked for as a page (no
    JavaScript, a new tab), the initiative's own page."""
    initiative = db.get_or_404(Initiative, initiative_id)
    if not wants_fragment():
        return redirect(url_for("initiatives.detail", initiative_id=initiative.id), code=303)
    filters = board_filters(request.args)
    return render_template("board/_quick.html", quick=quick_view(initiative), filters=filters)


def _back_to_board(filters: BoardFilters):
    """After a board setting changed: the board again (htmx: its ``#board`` block)."""
    if wants_fragment():
        return render_block("board/index.html", "board", **_board_context(filters))
    return redirect(url_for("board.index", **filters.as_args()), code=303)


@bp.post("/lanes/<lane>")
@login_required
def fold(lane: str):
    """Collapse (``fold=1``) or expand (``fold=0``) a lane, remembered for this person. (The
    lane is ``lane``, not ``dimension``: that is a filter the board's URL may carry.)"""
    dim = db.one_or_404(select(Dimension).where(Dimension.code == lane))
    filters = board_filters(request.args)
    if request.form.get("fold") not in ("0", "1"):
        abort(400, description=_("Say whether to collapse (1) or expand (0) the lane."))
    folding = request.form["fold"] == "1"
    with user_action():
        update_settings(current_user, collapse=dim.code if folding else None,
                        expand=None if folding else dim.code)
    return _back_to_board(filters)


@bp.post("/density")
@login_required
def density():
    """Compact or comfortable cards, remembered for this person."""
    filters = board_filters(request.args)
    chosen = request.form.get("density", "")
    if chosen not in DENSITIES:
        abort(400, description=_("Unknown density."))
    with user_action():
        update_settings(current_user, density=chosen)
    return _back_to_board(filters)


@bp.get("/version")
@login_required
def version():
    """What open boards poll: 304 while their ``If-None-Match`` is the current tag, else 200 with
    the new tag (body and ETag); app.js then re-fetches the board. One query.

    ``no-store``, as every answer to a signed-in user: app.js sends ``If-None-Match`` itself
    (the tag of the board it shows, from the page), so the 304 needs no copy in the browser's
    cache, and none should be kept of anything a signed-in user sees. The poll does not renew
    the session (``auth/sessions.py``): an idle board still times out."""
    # The board's filters come along, checked (a bad one is a 400 as on the board); the tag is
    # global, so they are not resolved for the reader (no query): the board app.js re-fetches
    # after a change is read with its own URL, resolved as the board is.
    try:
        BoardFilters.from_args(request.args)
    except FilterError as exc:
        abort(400, description=str(exc))
    tag = board_version()
    unchanged = request.if_none_match.contains(tag)
    response = make_response("" if unchanged else tag, 304 if unchanged else 200)
    response.set_etag(tag)
    response.mimetype = "text/plain"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/cells/<dimension>/<stage>")
@login_required
def cell_more(dimension: str, stage: str):
    """The next cards of one cell: ``BOARD_PAGE_SIZE`` of them from ``offset`` (as the cell
    scrolls, or "show more"), or ``limit`` of them (at most ``MAX_CELL_LIMIT``: the live board
    redrawn brings back as many as the reader had loaded, so nothing under their eyes moves)."""
    dim = db.one_or_404(select(Dimension).where(Dimension.code == dimension))
    stg = db.one_or_404(select(Stage).where(Stage.code == stage))
    filters = board_filters(request.args)
    try:
        offset = min(max(0, int(request.args.get("offset", "0"))), 2**31 - 1)  # must fit in SQL
        size = int(request.args.get("limit", _page_size()))
    except ValueError:
        abort(400, description=_("offset and limit must be whole numbers"))
    size = min(max(1, size), MAX_CELL_LIMIT)
    links = _links(filters)
    cards, counts = assessed_cells(filters, current_user, size, active_stages(),
                                   cells=[(dim.id, stg.id)], offset=offset, links=links)
    count = counts.get((dim.id, stg.id), 0)
    return render(
        "board/cell.html", block="cards", cards=cards.get((dim.id, stg.id), []), dimension=dim,
        stage=stg, filters=filters, next_offset=offset + size if offset + size < count else None,
        links=links,
    )


# --------------------------------------------------------------------------- moving


def _move_form(initiative: Initiative, stages: list[Stage], formdata=None) -> MoveForm:
    """The "move to" form, the next stage selected (people open it to move the card on; sent
    unchanged it moves the card there, at the bottom). Shown (no ``formdata``), it offers the
    stages this user may move the card into (a proposal stays in the first stage unless the
    reader may approve it); posted, any stage, so that a refused move is answered with its reason
    (``move_initiative``)."""
    first = stages[0] if stages else initiative.stage
    allowed = [s for s in stages if formdata is not None or s.id == initiative.stage_id
               or can_move(current_user, initiative, s, first)]
    form = MoveForm(formdata=formdata, version=initiative.version,
                    stage=_next_stage(initiative, allowed).code, after=KEEP,
                    from_stage=initiative.stage.code)
    form.stage.choices = [(s.code, s.name) for s in allowed]
    return form


def _next_stage(initiative: Initiative, allowed: list[Stage]) -> Stage:
    """What the "move to" form offers first: the next stage the reader may move the card into,
    else where it is (the last stage, or a proposal awaiting its manager)."""
    later = [s for s in allowed if s.position > initiative.stage.position]
    return later[0] if later else initiative.stage


def _position_choices(initiative: Initiative, stage_code: str | None) -> list[tuple[str, str]]:
    stage = db.session.scalar(select(Stage).where(Stage.code == stage_code)) if stage_code else None
    stage = stage or initiative.stage
    others = positions.cell_titles(initiative.dimension_id, stage.id, without=initiative.id)
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
    filters = board_filters(request.args)
    if request.args.get("part") == "positions" and is_htmx():
        return render_template("board/_position_select.html", form=form)
    return render("board/move.html", block="move_form", form=form, initiative=initiative,
                  filters=filters)


def _after_id(after: str, initiative: Initiative, to_stage: Stage) -> int | None:
    """The card to place it after: None for the top; "where it is now" in another stage, and
    "bottom", mean after that cell's last card. Raises ValueError for anything else but an id."""
    if after == TOP:
        return None
    if after in (BOTTOM, KEEP):
        return positions.last_id(initiative.dimension_id, to_stage.id, without=initiative.id)
    return int(after)


@bp.post("/cards/<int:initiative_id>/move")
@login_required
def move(initiative_id: int):
    initiative = db.get_or_404(Initiative, initiative_id)
    stages = active_stages()
    form = _move_form(initiative, stages, formdata=request.form)
    filters = board_filters(request.form)
    # The cells the user's board showed: where the card was (it may have moved since), and
    # where it goes. The answer re-renders both from the server, made or refused.
    seen = [s.id for s in stages if s.code in (form.from_stage.data, initiative.stage.code)]
    answer = _MoveAnswer(initiative, filters, form, seen)
    if not form.validate_on_submit():
        return answer.invalid()
    to_stage = next(s for s in stages if s.code == form.stage.data)
    after = form.after.data or KEEP
    if after == KEEP and to_stage.id == initiative.stage_id:
        return answer.done([to_stage.id], _("“%(title)s” stays where it is.",
                                            title=initiative.title), "info")
    try:
        after_id = _after_id(after, initiative, to_stage)
    except ValueError:
        return answer.refused(to_stage, _("The position is not valid."), 422)
    with user_action(report=False) as action:
        result = move_initiative(current_user, initiative, to_stage, after_id, form.version.data)
        # What the answer says is read before the commit expires these objects.
        moved = result.from_stage.id != result.to_stage.id
        message = (_("“%(title)s” moved to %(stage)s.") if moved
                   else _("“%(title)s” reordered in %(stage)s.")) % {
            "title": initiative.title, "stage": result.to_stage.name}
        stage_ids = [result.from_stage.id, result.to_stage.id]
    if not action.done:
        error = action.error
        return answer.refused(to_stage, error.message, error.status,
                              getattr(error, "missing", ()))
    return answer.done(stage_ids, message, "success")


class _MoveAnswer:
    """The answer to a move: under htmx, a message for the live region plus the affected cells
    and column counts out of band (the server's order is what the user sees, made or refused);
    without JavaScript, the board (done) or the "move to" page again (refused, invalid)."""

    def __init__(self, initiative: Initiative, filters: BoardFilters, form: MoveForm,
                 seen: list[int]):
        self.initiative = initiative
        self.initiative_id = initiative.id
        self.dimension = initiative.dimension
        self.filters = filters
        self.form = form
        self.seen = seen

    def done(self, stage_ids: list[int], message: str, category: str):
        if is_htmx():
            return self._cells([*self.seen, *stage_ids], message, 200, moved_id=self.initiative_id)
        flash(message, category)
        return redirect_to(url_for("board.index", **self.filters.as_args()))

    def invalid(self):
        if is_htmx():
            message = "; ".join(f"{self.form[name].label.text}: {' '.join(errors)}"
                                for name, errors in self.form.errors.items())
            return self._cells(self.seen, message, 422, initiative_id=self.initiative_id)
        return self._page(None, (), 422)

    def refused(self, to_stage: Stage, message: str, status: int, missing=()):
        db.session.refresh(self.initiative)  # it may have moved meanwhile: show where it is now
        if is_htmx():
            return self._cells([*self.seen, to_stage.id, self.initiative.stage_id], message,
                               status, missing=missing, initiative_id=self.initiative_id)
        self.form.version.data = self.initiative.version
        return self._page(message, missing, status)

    def _page(self, refusal: str | None, missing, status: int):
        self.form.after.choices = _position_choices(self.initiative, self.form.stage.data)
        return render_page("board/move.html", form=self.form, initiative=self.initiative,
                           filters=self.filters, refusal=refusal, missing=missing), status

    def _cells(self, stage_ids: list[int], message: str, status: int, moved_id: int | None = None,
               missing=(), initiative_id: int | None = None):
        stages = active_stages()  # (also refreshes the session's Stage objects after a commit)
        by_id = {s.id: s for s in stages}
        shown = [by_id.get(i) or db.session.get(Stage, i) for i in dict.fromkeys(stage_ids)]
        settings = settings_of(current_user)
        if self.dimension.code in settings.collapsed:
            shown = []  # a folded lane shows no cells (the column counts still change)
        # With a status filter the column counts need every lane assessed: the whole board then.
        wanted = None if self.filters.status else [(self.dimension.id, s.id) for s in shown]
        links = _links(self.filters)
        # The cells as the board's first paint shows them (the same first page per cell).
        cells, counts = assessed_cells(self.filters, current_user, _first_cards(settings), stages,
                                       cells=wanted, budget=_budget(), links=links)
        # The card the answer is about is marked where it now is: refused (with the reason
        # beside it, until dismissed) or just moved (briefly).
        notice = {"id": moved_id or initiative_id, "ok": status == 200, "text": message}
        return render_template(
            "board/_move_result.html", message=message, ok=status == 200,
            dimension=self.dimension, stages=shown, cells=cells, counts=counts,
            column_counts=column_totals(counts), filters=self.filters, moved_id=moved_id,
            missing=missing, initiative_id=initiative_id, links=links, notice=notice,
            all_stages=stages,
        ), status
