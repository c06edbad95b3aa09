"""What the rows of one file are checked against, each read once: the dimensions, units, owners
and plan tags by the names a file may use, the titles already taken, and the permissions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import sqlalchemy as sa

from ...domain.permissions import Decision, can_create_in
from ...extensions import db
from ...models import Dimension, Initiative, Tag, Unit, User
from ..tables import blank
from .header import Header
from .values import folded, tag_key, text

OWNER_BATCH = 500  # emails per query

T = TypeVar("T")  # what a name stands for (a unit, a plan tag)


@dataclass
class Lookups:
    dimensions: dict[str, Dimension]  # code or name (either language), folded
    units: dict[str, Unit]  # code, or name when only one unit has it, folded
    users: dict[str, User]  # the owners' emails the file names
    tags: dict[str, Tag]  # label, or bare code when only one plan uses it
    existing: dict[tuple[str, int], int]  # (folded title, unit id) → initiative id
    decisions: dict[int, Decision] = field(default_factory=dict)  # unit id → may create there

    @classmethod
    def load(cls, header: Header, rows: list[tuple[int, list[Any]]]) -> Lookups:
        return cls(_dimensions(), _units(), _owners(header, rows), _tags(), _existing_titles())

    def may_create_in(self, actor: User, unit: Unit) -> Decision:
        """``can_create_in``, asked once per unit."""
        decision = self.decisions.get(unit.id)
        if decision is None:
            decision = self.decisions[unit.id] = can_create_in(actor, unit)
        return decision


def _add_unique(names: dict[str, T], items: Iterable[tuple[str, T]]) -> None:
    """Add each name that only one item has (and that is not taken already)."""
    groups: dict[str, list[T]] = {}
    for name, item in items:
        groups.setdefault(name, []).append(item)
    for name, found in groups.items():
        if len(found) == 1:
            names.setdefault(name, found[0])


def _dimensions() -> dict[str, Dimension]:
    return {name.casefold(): d for d in db.session.scalars(sa.select(Dimension))
            for name in (d.code, d.name_id, d.name_en)}


def _units() -> dict[str, Unit]:
    units = list(db.session.scalars(sa.select(Unit)))
    by_code = {u.code.casefold(): u for u in units}
    _add_unique(by_code, ((folded(u.name), u) for u in units))
    return by_code


def _owners(header: Header, rows: list[tuple[int, list[Any]]]) -> dict[str, User]:
    """The accounts of the owners' emails in the file, read in batches."""
    position = header.index.get("owner")
    if position is None:
        return {}
    emails = sorted({
        User.normalise_email(text(values[position]))
        for _n, values in rows if position < len(values) and not blank(values[position])
    })
    users: dict[str, User] = {}
    for start in range(0, len(emails), OWNER_BATCH):
        batch = emails[start:start + OWNER_BATCH]
        users.update((u.email, u) for u in db.session.scalars(sa.select(User).where(User.email.in_(batch))))
    return users


def _tags() -> dict[str, Tag]:
    tags = list(db.session.scalars(sa.select(Tag)))
    by_label = {tag_key(t.label): t for t in tags}
    _add_unique(by_label, ((tag_key(t.code), t) for t in tags))  # a bare code, when only one plan uses it
    return by_label


def _existing_titles() -> dict[tuple[str, int], int]:
    return {
        (folded(title), unit_id): initiative_id
        for initiative_id, title, unit_id in db.session.execute(
            sa.select(Initiative.id, Initiative.title, Initiative.unit_id)
            .where(Initiative.archived.is_(False))
        )
    }
