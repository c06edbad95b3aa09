"""Step 2 of an import: read the file and check every row; nothing is written."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _

from ...models import User
from ..tables import MAX_ROWS, FileRefused, read_table, too_many_rows
from .header import find_header
from .lookups import Lookups
from .rows import PlannedRow, RowChecker, RowError


@dataclass
class ImportPlan:
    file_name: str
    rows: list[PlannedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    read_rows: int = 0  # data rows in the file

    @property
    def ready(self) -> bool:
        return bool(self.rows) and not self.errors


def plan_import(actor: User, content: bytes, file_name: str) -> ImportPlan:
    """Read ``content`` and check every row; raises :class:`FileRefused` when it cannot be read."""
    table = read_table(content)
    header, rows = find_header(table)
    if len(rows) > MAX_ROWS:
        raise too_many_rows()
    plan = ImportPlan(file_name, ignored_columns=header.ignored, read_rows=len(rows))
    if not rows:
        raise FileRefused(_("The file has the column names but no rows to import."))
    checker = RowChecker(actor, header, Lookups.load(header, rows), table.epoch)
    for number, values in rows:
        planned, errors = checker.check(number, values)
        plan.errors.extend(errors)
        if planned is not None:
            plan.rows.append(planned)
    return plan
