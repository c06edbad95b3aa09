"""The board's filters: what the URL says (``?unit=…&status=…``), checked, and as SQL conditions.

The same filters serve the board, its "show more" cells, the live board's poll, the move answer
and the exports (``transfer.exports``), so a file holds what the board showed.

The unit filter has a default: a URL without ``unit`` shows what the reader's remembered scope
says (``board.settings``: their own unit, or the whole city). ``for_reader`` resolves it, and the
resolved filters always name the unit (``unit=DINKES``, or ``unit=all`` for "All units, on
purpose"), so every link built from them (cells, exports, moves, saved views) shows the same cards
whatever the scope is by the time it is followed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from ..domain.clock import local_midnight_utc
from ..domain.queries import contains_any
from ..lifecycle.status import Status
from ..models import Dimension, Initiative, Stage, Tag, TagKind, Unit, User


class FilterError(ValueError):
    pass


STATUS_CHOICES = tuple(Status)  # the board's status filter, in this order
# The stage filter's argument: not ``stage``, which the move form posts (the stage to move to)
# beside the board's filters.
STAGE_ARG = "in_stage"
ALL_UNITS = "all"  # ``unit=all``: every unit, chosen explicitly (the reader's scope does not apply)


@dataclass(frozen=True)
class BoardFilters:
    unit: str = ""
    all_units: bool = False  # ``unit=all``: no unit filter, explicitly (see the module's doc)
    owner: int | None = None
    dimension: str = ""
    q: str = ""
    mine: bool = False
    status: str = ""  # a Status value; derived, so applied after assessing (see ``load_board``)
    tag: str = ""  # "kind:code" of a plan tag, e.g. "sdg:11.2"
    stage: str = ""  # a stage's code: only that column's cards (``?in_stage=``, see STAGE_ARG)
    until: date | None = None  # only initiatives that existed by the end of this local day

    @classmethod
    def for_reader(cls, args: MultiDict[str, str], user: User | None) -> BoardFilters:
        """The filters ``args`` give, the unit resolved for ``user``: without a ``unit`` argument,
        their remembered scope's (their unit's code, or all units). Raises FilterError."""
        from .settings import scope_unit  # (settings reads the models only; no cycle)

        named = (args.get("unit") or "").strip()
        return cls.from_args(args, default_unit=None if named else scope_unit(user))

    @classmethod
    def from_args(cls, args: MultiDict[str, str], default_unit: str | None = None) -> BoardFilters:
        """The filters ``args`` give. ``default_unit`` is what a missing (or empty) ``unit`` means:
        a unit's code, "" for all units (both explicit), or None for no unit filter (as the
        filters were before the scope existed; callers that know the reader use ``for_reader``)."""
        unit = (args.get("unit") or "").strip()[:32]
        if not unit and default_unit is not None:
            unit = default_unit or ALL_UNITS
        all_units = unit.lower() == ALL_UNITS
        return cls(
            unit="" if all_units else unit.upper(),
            all_units=all_units,
            owner=_owner(args),
            dimension=(args.get("dimension") or "").strip().lower()[:32],
            q=(args.get("q") or "").strip()[:200],
            mine=args.get("mine") in ("1", "on", "true"),
            status=_status(args),
            tag=_tag(args),
            stage=(args.get(STAGE_ARG) or "").strip().lower()[:32],
            until=_until(args),
        )

    def as_args(self) -> dict[str, Any]:
        """The non-empty filters, for building URLs that keep them."""
        args: dict[str, Any] = {}
        if self.unit:
            args["unit"] = self.unit
        elif self.all_units:
            args["unit"] = ALL_UNITS
        if self.owner is not None:
            args["owner"] = self.owner
        if self.dimension:
            args["dimension"] = self.dimension
        if self.q:
            args["q"] = self.q
        if self.mine:
            args["mine"] = "1"
        if self.status:
            args["status"] = self.status
        if self.tag:
            args["tag"] = self.tag
        if self.stage:
            args[STAGE_ARG] = self.stage
        if self.until is not None:
            args["until"] = self.until.isoformat()
        return args

    def cell_args(self) -> dict[str, Any]:
        """The filters for a cell's URL (``/board/cells/<dimension>/<stage>``): the dimension is
        the cell's own, so a dimension filter is left out (as a query argument it would clash)."""
        args = self.as_args()
        args.pop("dimension", None)
        return args

    @property
    def active(self) -> bool:
        """Whether the filters hide any card ("All units" hides none)."""
        args = self.as_args()
        if self.all_units:
            args.pop("unit")
        return bool(args)

    @property
    def narrows_cells(self) -> bool:
        """Whether some cards of a cell may be hidden (the dimension filter hides whole lanes, the
        status filter is applied after assessing, the stage filter whole columns): then a cell's
        first cards are not simply those with the lowest positions."""
        return bool(self.unit or self.owner is not None or self.mine or self.q or self.tag
                    or self.until is not None)

    def conditions(self, user: User | None) -> list[sa.ColumnElement[bool]]:
        """WHERE clauses over ``Initiative`` (joined to ``Unit`` and ``Dimension``)."""
        conds: list[sa.ColumnElement[bool]] = [Initiative.archived.is_(False)]
        if self.unit:
            conds.append(Unit.code == self.unit)
        if self.owner is not None:
            conds.append(Initiative.owner_id == self.owner)
        if self.dimension:
            conds.append(Dimension.code == self.dimension)
        if self.mine and user is not None:
            conds.append(Initiative.owner_id == user.id)
        if self.q:
            conds.append(contains_any((Initiative.title, Initiative.benefit), self.q))
        if self.tag:
            kind, code = self.tag.split(":", 1)
            conds.append(Initiative.tags.any(sa.and_(Tag.kind == kind, Tag.code == code)))
        if self.stage:  # (a subquery: no join, so counts still read the board's index alone)
            conds.append(Initiative.stage_id.in_(sa.select(Stage.id).where(Stage.code == self.stage)))
        if self.until is not None:
            conds.append(Initiative.created_at < local_midnight_utc(self.until + timedelta(days=1)))
        return conds


def _owner(args: MultiDict[str, str]) -> int | None:
    raw = (args.get("owner") or "").strip()
    try:
        owner = int(raw) if raw else None
    except ValueError as exc:
        raise FilterError(_l("The owner filter must be a user number.")) from exc
    if owner is not None and not -(2**31) <= owner < 2**31:  # beyond any id column
        raise FilterError(_l("The owner filter must be a user number."))
    return owner


def _status(args: MultiDict[str, str]) -> str:
    status = (args.get("status") or "").strip().lower()
    if status and status not in {s.value for s in STATUS_CHOICES}:
        raise FilterError(_l("Unknown status filter."))
    return status


def _tag(args: MultiDict[str, str]) -> str:
    tag = (args.get("tag") or "").strip()[:60]
    if tag and (":" not in tag or tag.split(":", 1)[0] not in {k.value for k in TagKind}):
        raise FilterError(_l("The plan filter must look like “sdg:11.2”."))
    return tag


def _until(args: MultiDict[str, str]) -> date | None:
    raw = (args.get("until") or "").strip()
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError as exc:
        raise FilterError(_l("The “existing by” filter must be a date (YYYY-MM-DD).")) from exc
