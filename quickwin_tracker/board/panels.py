"""What the board page shows of the reader's own choices: the scope bar ("Showing: Dinas
Kesehatan · [Whole city]", ``templates/board/_scope.html``) and the saved views beside the filters
(``templates/board/_views.html``). Built here from the page's filters, so the partials render only
what they are given."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..models import SavedView, Unit, User
from .filters import BoardFilters
from .forms import SaveViewForm
from .saved import MAX_VIEWS, list_views, query_of


@dataclass(frozen=True)
class ScopeBar:
    unit: Unit | None  # the unit the board shows; None: the whole city (or an unknown code)
    unit_code: str  # the unit filter ("" for the whole city)
    own: Unit | None  # the reader's unit: the one their scope can remember
    keep: dict[str, Any]  # the other filters, kept when the scope changes

    @property
    def offer_city(self) -> bool:
        return bool(self.unit_code)

    @property
    def offer_own(self) -> bool:
        return self.own is not None and self.own.code != self.unit_code


def scope_bar(filters: BoardFilters, user: User, units: list[Unit]) -> ScopeBar:
    keep = filters.as_args()
    keep.pop("unit", None)
    return ScopeBar(
        unit=next((u for u in units if u.code == filters.unit), None) if filters.unit else None,
        unit_code=filters.unit, own=user.unit, keep=keep)


@dataclass
class ViewsPanel:
    views: list[SavedView]
    form: SaveViewForm
    filters: BoardFilters
    current_query: str  # the query of the filters shown: its view is marked as the current one
    message: str = ""  # what was just done ("Saved “…”."), for the panel's status line
    max_views: int = MAX_VIEWS
    keep: dict[str, Any] = field(default_factory=dict)  # the filters, as the forms' hidden fields

    @property
    def full(self) -> bool:
        return len(self.views) >= self.max_views


def views_panel(filters: BoardFilters, user: User, form: SaveViewForm | None = None,
                message: str = "") -> ViewsPanel:
    return ViewsPanel(views=list_views(user), form=form or SaveViewForm(formdata=None),
                      filters=filters, current_query=query_of(filters), message=message,
                      keep=filters.as_args())
