"""Checking one data row, column by column, against the file's rules and the form's."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl.utils import get_column_letter

from ...domain.clock import date_window
from ...domain.errors import Invalid
from ...initiatives.services import InitiativeData, check_owner, check_unit
from ...models import Dimension, Tag, Unit, User
from .header import COLUMNS_BY_KEY, Header
from .lookups import Lookups
from .values import (
    BENEFIT_MAX,
    DESCRIPTION_MAX,
    TITLE_MAX,
    OutsideWindow,
    folded,
    parse_date,
    split_tags,
    tag_key,
    text,
)

# The free-text columns: their longest length and, when required, the message when empty.
_TEXTS = {
    "title": (TITLE_MAX, _l("The title is missing.")),
    "benefit": (BENEFIT_MAX, _l("The citizen benefit is missing.")),
    "description": (DESCRIPTION_MAX, None),
}


@dataclass(frozen=True)
class RowError:
    row: int
    column: str  # the header as written in the file ("" for the whole row)
    message: str
    letter: str = ""  # the column's letter (A, B, …)


@dataclass(kw_only=True)
class PlannedRow(InitiativeData):
    """A row that passed every check: the new initiative's fields, and the row they came from."""

    row: int


@dataclass
class _Cells:
    """One data row being checked: its cells by column key, and the errors found so far."""

    header: Header
    number: int
    values: list[Any]
    errors: list[RowError] = field(default_factory=list)

    def raw(self, key: str) -> Any:
        position = self.header.index.get(key)
        return self.values[position] if position is not None and position < len(self.values) else None

    def text(self, key: str) -> str:
        return text(self.raw(key))

    def error(self, key: str, message: str) -> None:
        position = self.header.index.get(key)
        if position is None:
            label, letter = COLUMNS_BY_KEY[key].header, ""
        else:
            label, letter = self.header.labels[key], get_column_letter(position + 1)
        self.errors.append(RowError(self.number, label, message, letter))


class RowChecker:
    def __init__(self, actor: User, header: Header, lookups: Lookups, epoch: datetime | None):
        self.actor = actor
        self.header = header
        self.lookups = lookups
        self.epoch = epoch
        self.window = date_window()
        self.seen: dict[tuple[str, int], int] = {}  # (title, unit id) → first row

    def check(self, number: int, values: list[Any]) -> tuple[PlannedRow | None, list[RowError]]:
        """The row as an initiative to create, or None; and every problem found in it."""
        cells = _Cells(self.header, number, values)
        title = self._free_text(cells, "title")
        benefit = self._free_text(cells, "benefit")
        description = self._free_text(cells, "description")
        dimension = self._dimension(cells)
        unit = self._unit(cells)
        owner = self._owner(cells)
        target_date = self._target_date(cells)
        tags = self._tags(cells)
        if dimension is None or unit is None or cells.errors:
            return None, cells.errors
        planned = PlannedRow(row=number, title=title, benefit=benefit, description=description,
                             dimension=dimension, unit=unit, owner=owner,
                             target_date=target_date, tags=tags)
        self._form_rules(cells, planned)
        self._new_title(cells, planned)
        return (None if cells.errors else planned), cells.errors

    # One check per column; each records its errors in ``cells`` and returns what it read.

    def _free_text(self, cells: _Cells, key: str) -> str:
        limit, missing = _TEXTS[key]
        value = cells.text(key)
        if not value and missing:
            cells.error(key, str(missing))
        elif len(value) > limit:
            cells.error(key, _("At most %(max)d characters (this has %(count)d).",
                               max=limit, count=len(value)))
        return value

    def _dimension(self, cells: _Cells) -> Dimension | None:
        value = cells.text("dimension")
        if not value:
            cells.error("dimension", _("The dimension is missing."))
            return None
        dimension = self.lookups.dimensions.get(folded(value))
        if dimension is None:
            cells.error("dimension", _("Unknown dimension “%(value)s”.", value=value))
        return dimension

    def _unit(self, cells: _Cells) -> Unit | None:
        """The unit named, else the actor's own; None unless the actor may create there."""
        value = cells.text("unit")
        if not value:
            unit = self.actor.unit
            if unit is None:
                cells.error("unit", _("The unit (OPD) is missing."))
        else:
            unit = self.lookups.units.get(folded(value))
            if unit is None:
                cells.error("unit", _("Unknown unit (OPD) “%(value)s”.", value=value))
        if unit is None:
            return None
        decision = self.lookups.may_create_in(self.actor, unit)
        if not decision:
            cells.error("unit", decision.reason)
            return None
        return unit

    def _owner(self, cells: _Cells) -> User | None:
        value = cells.text("owner")
        if not value:
            return None
        owner = self.lookups.users.get(User.normalise_email(value))
        if owner is None:
            cells.error("owner", _("No account has the email “%(value)s”.", value=value))
        return owner

    def _target_date(self, cells: _Cells) -> date | None:
        try:
            return parse_date(cells.raw("target_date"), self.epoch, self.window)
        except OutsideWindow as outside:
            cells.error("target_date", _("%(value)s is outside the accepted years: %(first)d to "
                                         "%(last)d.", value=outside.day.isoformat(),
                                         first=outside.window[0].year, last=outside.window[1].year))
        except (ValueError, TypeError, OverflowError):
            cells.error("target_date", _("“%(value)s” is not a date: write it as 2027-03-31 or "
                                         "31/03/2027.", value=cells.text("target_date")))
        return None

    def _tags(self, cells: _Cells) -> list[Tag]:
        tags: list[Tag] = []
        for token in split_tags(cells.text("tags")):
            tag = self.lookups.tags.get(tag_key(token))
            if tag is None:
                cells.error("tags", _("Unknown plan tag “%(value)s”.", value=token))
            elif tag not in tags:
                tags.append(tag)
        return tags

    # Then the row as a whole.

    def _form_rules(self, cells: _Cells, planned: PlannedRow) -> None:
        """The same rules as a new initiative made through the form."""
        for rule in (check_unit, check_owner):
            try:
                rule(planned)
            except Invalid as exc:
                cells.error(exc.field or "unit", exc.message)

    def _new_title(self, cells: _Cells, planned: PlannedRow) -> None:
        """No other row of the file, and no initiative, has this title in this unit."""
        key = (folded(planned.title), planned.unit.id)
        if key in self.seen:
            cells.error("title", _("Same title and unit as row %(row)d.", row=self.seen[key]))
            return
        self.seen[key] = cells.number
        if key in self.lookups.existing:
            cells.error("title", _("%(unit)s already has an initiative with this title.",
                                   unit=planned.unit.code))
