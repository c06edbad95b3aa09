"""The board's filters: what the URL says (``?unit=…&status=…``), checked, and as SQL conditions.

The same filters serve the board, its "show more" cells, the live board's poll, the move answer
and the exports (``transfer.exports``), so a file holds what the board showed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from ..domain.queries import contains_any
from ..lifecycle.status import Status
from ..models import Dimension, Initiative, Tag, TagKind, Unit, User


class FilterError(ValueError):
    pass


STATUS_CHOICES = tuple(Status)  # the board's status filter, in this order


@dataclass(frozen=True)
class BoardFilters:
    unit: str = ""
    owner: int | None = None
    dimension: str = ""
    q: str = ""
    mine: bool = False
    status: str = ""  # a Status value; derived, so applied after assessing (see ``load_board``)
    tag: str = ""  # "kind:code" of a plan tag, e.g. "sdg:11.2"

    @classmethod
    def from_args(cls, args: MultiDict[str, str]) -> BoardFilters:
        owner_raw = (args.get("owner") or "").strip()
        try:
            owner = int(owner_raw) if owner_raw else None
        except ValueError as exc:
            raise FilterError(_l("The owner filter must be a user number.")) from exc
        if owner is not None and not -(2**31) <= owner < 2**31:  # beyond any id column
            raise FilterError(_l("The owner filter must be a user number."))
        q = (args.get("q") or "").strip()[:200]
        status = (args.get("status") or "").strip().lower()
        if status and status not in {s.value for s in STATUS_CHOICES}:
            raise FilterError(_l("Unknown status filter."))
        tag = (args.get("tag") or "").strip()[:60]
        if tag and (":" not in tag or tag.split(":", 1)[0] not in {k.value for k in TagKind}):
            raise FilterError(_l("The plan filter must look like “sdg:11.2”."))
        return cls(
            unit=(args.get("unit") or "").strip().upper()[:32],
            owner=owner,
            dimension=(args.get("dimension") or "").strip().lower()[:32],
            q=q,
            mine=args.get("mine") in ("1", "on", "true"),
            status=status,
            tag=tag,
        )

    def as_args(self) -> dict[str, Any]:
        """The non-empty filters, for building URLs that keep them."""
        args: dict[str, Any] = {}
        if self.unit:
            args["unit"] = self.unit
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
        return args

    def cell_args(self) -> dict[str, Any]:
        """The filters for a cell's URL (``/board/cells/<dimension>/<stage>``): the dimension is
        the cell's own, so a dimension filter is left out (as a query argument it would clash)."""
        args = self.as_args()
        args.pop("dimension", None)
        return args

    @property
    def active(self) -> bool:
        return bool(self.as_args())

    @property
    def narrows_cells(self) -> bool:
        """Whether some cards of a cell may be hidden (the dimension filter hides whole lanes, the
        status filter is applied after assessing): then a cell's first cards are not simply those
        with the lowest positions."""
        return bool(self.unit or self.owner is not None or self.mine or self.q or self.tag)

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
        return conds
