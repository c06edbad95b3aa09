"""Exports of the board: an XLSX workbook (initiatives, milestones, indicators) and a CSV of the
initiative list.

Both take the board's filters (:class:`~quickwin_tracker.board.filters.BoardFilters`), so a file
holds what the board showed; ``include_archived`` adds the archived initiatives. Every signed-in
user may view the whole city (``permissions.can_view``), so every signed-in user may export it.

Reading runs a constant number of queries whatever the number of initiatives: the stages, the
initiatives, the two of ``lifecycle.status.load_facts``, team members, plan tags and, for the
workbook, the milestones and the indicators with their latest verified measurement. The status
filter, being derived, is applied after assessing, as on the board.

Cells have real types: numbers are numbers, dates are dates with a date format, datetimes are in
the city's time zone (Excel has none). In the workbook, text is always written as a text cell,
never as a formula: a title starting with ``=`` stays exactly that title. The workbook is the
faithful export.

The CSV cannot type its cells, so it guards them (spreadsheet formula injection):

* Every field but a number is quoted (``csv.QUOTE_NONNUMERIC``), so a comma, a semicolon or a
  line break in a text stays inside its field for any reader that honours quotes.
* :func:`neutralise` puts an apostrophe before every character that could start a formula (``=``,
  ``+``, ``-``, ``@``, tab, carriage return) *wherever a spreadsheet could start a cell*: at the
  start of a text, and right after a ``,``, ``;``, tab or line break inside it (spaces and double
  quotes between are skipped). A reader that ignores the quotes splits a text on its own
  separator: Excel with Indonesian settings splits a comma-separated file on ``;``, so a title
  ``a;=HYPERLINK(…)`` would give a cell ``=HYPERLINK(…)``. Prefixing only the whole value (the
  usual guard) leaves that second cell a formula; escaping each place a cell could start leaves
  every piece text (Excel hides an apostrophe that starts a cell). The price: such a text shows
  the apostrophe in the middle (``Hemat 10%, '-5 menit``); the workbook keeps it exact.
* ``sep=semicolon`` gives the same file separated by ``;``, which Excel with Indonesian (or any
  comma-decimal) settings opens into columns directly; the default is ``,``.
* The body is UTF-8 with a byte-order mark (Excel reads the Indonesian names right), and the
  ``Content-Type`` says so once: ``text/csv; charset=utf-8``.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from ..board.filters import BoardFilters
from ..domain.clock import local_today, to_local
from ..extensions import db
from ..lifecycle.progress import progress
from ..lifecycle.stages import ordered_stages
from ..lifecycle.status import Assessment, assess_many
from ..models import (
    Dimension,
    Direction,
    Indicator,
    Initiative,
    Measurement,
    MeasurementStatus,
    Milestone,
    Stage,
    Tag,
    Unit,
    User,
    initiative_member,
    initiative_tag,
)

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIMETYPE = "text/csv; charset=utf-8"  # a whole Content-Type: give it as ``content_type``
CSV_SEPARATORS = {"comma": ",", "semicolon": ";"}  # the ``sep`` argument of the CSV export

# Excel's built-in formats 14 and 22 show dates in the reader's own locale (dd/mm/yyyy in
# Indonesia); openpyxl maps these strings to those ids.
DATE_FORMAT = "mm-dd-yy"
DATETIME_FORMAT = "m/d/yy h:mm"
PERCENT_FORMAT = "0.0%"
NUMBER_FORMAT = "General"

# A formula trigger where a spreadsheet could start a cell: at the start, or after a separator
# some reader might split on (spaces and quotes between are skipped). See the module's docstring.
_CELL_START = re.compile(r"(^|[,;\t\r\n])([ \"]*)(?=[=+\-@\t\r])")


@dataclass(frozen=True)
class Column:
    header: Any  # a lazy string: translated when the file is written
    kind: str  # text, int, number, percent, date, datetime, bool
    width: float


INITIATIVE_COLUMNS = (
    Column(_l("ID"), "int", 8),
    Column(_l("Title"), "text", 40),
    Column(_l("Citizen benefit"), "text", 50),
    Column(_l("Unit code"), "text", 12),
    Column(_l("Unit"), "text", 30),
    Column(_l("Dimension"), "text", 24),
    Column(_l("Stage"), "text", 16),
    Column(_l("Status"), "text", 12),
    Column(_l("Status reasons"), "text", 50),
    Column(_l("Owner"), "text", 24),
    Column(_l("Owner's email"), "text", 28),
    Column(_l("Team"), "text", 30),
    Column(_l("Plans it serves"), "text", 24),
    Column(_l("Target rollout date"), "date", 14),
    Column(_l("Created"), "datetime", 17),
    Column(_l("In this stage since"), "datetime", 17),
    Column(_l("Archived"), "bool", 10),
)

# The milestone and indicator sheets start with the initiative they belong to.
_INITIATIVE_REFERENCE = (
    Column(_l("Initiative ID"), "int", 10),
    Column(_l("Initiative"), "text", 40),
)

MILESTONE_COLUMNS = (
    *_INITIATIVE_REFERENCE,
    Column(_l("Milestone"), "text", 40),
    Column(_l("Due"), "date", 14),
    Column(_l("Responsible"), "text", 24),
    Column(_l("Done on"), "date", 14),
    Column(_l("Days overdue"), "int", 12),
)

INDICATOR_COLUMNS = (
    *_INITIATIVE_REFERENCE,
    Column(_l("Indicator"), "text", 36),
    Column(_l("Unit of measure"), "text", 14),
    Column(_l("Baseline"), "number", 12),
    Column(_l("Target"), "number", 12),
    Column(_l("Direction"), "text", 18),
    Column(_l("Target date"), "date", 14),
    Column(_l("Latest verified value"), "number", 14),
    Column(_l("Measured on"), "date", 14),
    Column(_l("Progress"), "percent", 11),
)

DIRECTION_LABELS = {
    Direction.HIGHER.value: _l("Higher is better"),
    Direction.LOWER.value: _l("Lower is better"),
}


# --------------------------------------------------------------------------- reading


@dataclass
class ExportedInitiative:
    id: int
    title: str
    benefit: str
    unit_code: str
    unit_name: str
    dimension: str
    stage: str
    status: str
    reasons: str
    owner: str
    owner_email: str
    team: str
    tags: str
    target_date: date | None
    created: datetime
    stage_entered: datetime
    archived: bool

    def values(self) -> tuple[Any, ...]:
        """In the order of :data:`INITIATIVE_COLUMNS`."""
        return (self.id, self.title, self.benefit, self.unit_code, self.unit_name, self.dimension,
                self.stage, self.status, self.reasons, self.owner, self.owner_email, self.team,
                self.tags, self.target_date, self.created, self.stage_entered, self.archived)


@dataclass
class Export:
    initiatives: list[ExportedInitiative]
    milestones: list[tuple[Any, ...]]
    indicators: list[tuple[Any, ...]]


def _localized(language: str, name_id: str, name_en: str) -> str:
    return name_en if language == "en" else name_id


def _conditions(filters: BoardFilters, user: User | None,
                include_archived: bool) -> list[sa.ColumnElement[bool]]:
    conds = filters.conditions(user)
    if include_archived:
        not_archived = Initiative.archived.is_(False)
        conds = [c for c in conds if not c.compare(not_archived)]
    return conds


def _local_naive(value: datetime) -> datetime:
    """Excel has no time zones: the city's wall-clock time, without tzinfo."""
    return to_local(value).replace(tzinfo=None)


def _board_rows(conds: list[sa.ColumnElement[bool]]) -> list[sa.Row[Any]]:
    """The matching initiatives with the names they are shown with, in board order."""
    return db.session.execute(
        sa.select(
            Initiative.id, Initiative.title, Initiative.benefit, Initiative.stage_id,
            Initiative.stage_entered_at, Initiative.created_at, Initiative.target_date,
            Initiative.archived, Unit.code.label("unit_code"), Unit.name.label("unit_name"),
            Dimension.name_id.label("dimension_id_name"), Dimension.name_en.label("dimension_en"),
            User.name.label("owner_name"), User.email.label("owner_email"),
        )
        .join(Unit, Unit.id == Initiative.unit_id)
        .join(Dimension, Dimension.id == Initiative.dimension_id)
        .join(Stage, Stage.id == Initiative.stage_id)
        .outerjoin(User, User.id == Initiative.owner_id)
        .where(*conds)
        .order_by(Dimension.position, Dimension.id, Stage.position, Stage.id,
                  Initiative.position, Initiative.id)
    ).all()


def _joined_by_initiative(query: sa.Select[Any],
                          text: Callable[[Any], str] = str) -> dict[int, str]:
    """``(initiative id, item)`` rows, as each initiative's items' texts joined with "; " (in
    order)."""
    found: dict[int, list[str]] = defaultdict(list)
    for initiative_id, item in db.session.execute(query):
        found[initiative_id].append(text(item))
    return {initiative_id: "; ".join(texts) for initiative_id, texts in found.items()}


def _team_names(matching_ids: sa.Select[Any]) -> dict[int, str]:
    return _joined_by_initiative(
        sa.select(initiative_member.c.initiative_id, User.name)
        .join(User, User.id == initiative_member.c.user_id)
        .where(initiative_member.c.initiative_id.in_(matching_ids))
        .order_by(User.name, User.id)
    )


def _tag_labels(matching_ids: sa.Select[Any]) -> dict[int, str]:
    return _joined_by_initiative(
        sa.select(initiative_tag.c.initiative_id, Tag)
        .join(Tag, Tag.id == initiative_tag.c.tag_id)
        .where(initiative_tag.c.initiative_id.in_(matching_ids))
        .order_by(Tag.kind, Tag.code),
        lambda tag: tag.label,
    )


def collect(filters: BoardFilters, user: User | None, include_archived: bool = False,
            language: str = "id", details: bool = True, today: date | None = None) -> Export:
    """The initiatives matching ``filters`` (board order), with their milestones and indicators
    when ``details``; a constant number of queries."""
    today = today or local_today()
    conds = _conditions(filters, user, include_archived)
    stages = ordered_stages()
    rows = _board_rows(conds)
    matching_ids = (
        sa.select(Initiative.id)
        .join(Unit, Unit.id == Initiative.unit_id)
        .join(Dimension, Dimension.id == Initiative.dimension_id)
        .where(*conds)
    )
    assessed = assess_many(rows, stages, today, scope=matching_ids)  # (no list of every id)
    if filters.status:
        rows = [r for r in rows if assessed[r.id][0].status == filters.status]
    team, tags = _team_names(matching_ids), _tag_labels(matching_ids)
    stage_names = {s.id: _localized(language, s.name_id, s.name_en) for s in stages}
    initiatives = [
        _exported(r, assessed[r.id][0], language, stage_names.get(r.stage_id, ""),
                  team.get(r.id, ""), tags.get(r.id, ""))
        for r in rows
    ]
    if not details:
        return Export(initiatives, [], [])
    order = {r.id: n for n, r in enumerate(rows)}
    return Export(initiatives, _milestones(matching_ids, order, today),
                  _indicators(matching_ids, order, language))


def _exported(r: sa.Row[Any], assessment: Assessment, language: str, stage: str, team: str,
              tags: str) -> ExportedInitiative:
    return ExportedInitiative(
        id=r.id, title=r.title, benefit=r.benefit, unit_code=r.unit_code,
        unit_name=r.unit_name,
        dimension=_localized(language, r.dimension_id_name, r.dimension_en),
        stage=stage, status=assessment.status.label,
        reasons="; ".join(reason.text for reason in assessment.reasons),
        owner=r.owner_name or "", owner_email=r.owner_email or "",
        team=team, tags=tags,
        target_date=r.target_date, created=_local_naive(r.created_at),
        stage_entered=_local_naive(r.stage_entered_at), archived=r.archived,
    )


def _in_board_order(found: Sequence[sa.Row[Any]], order: dict[int, int]) -> list[sa.Row[Any]]:
    """The rows (initiative id first, then position and id last) of the initiatives kept, in the
    board's order of those initiatives, then by position and id."""
    return sorted((f for f in found if f[0] in order), key=lambda f: (order[f[0]], f[-2], f[-1]))


def _milestones(matching_ids: sa.Select[Any], order: dict[int, int],
                today: date) -> list[tuple[Any, ...]]:
    found = db.session.execute(
        sa.select(Milestone.initiative_id, Initiative.title, Milestone.title, Milestone.due_date,
                  User.name, Milestone.done_on, Milestone.position, Milestone.id)
        .join(Initiative, Initiative.id == Milestone.initiative_id)
        .outerjoin(User, User.id == Milestone.responsible_id)
        .where(Milestone.initiative_id.in_(matching_ids))
    ).all()
    result = []
    for (initiative_id, initiative_title, title, due, responsible, done_on, _pos,
         _id) in _in_board_order(found, order):
        overdue = (today - due).days if done_on is None and due < today else None
        result.append((initiative_id, initiative_title, title, due, responsible or "", done_on,
                       overdue))
    return result


def _indicators(matching_ids: sa.Select[Any], order: dict[int, int],
                language: str) -> list[tuple[Any, ...]]:
    latest = (
        sa.select(
            Measurement.indicator_id, Measurement.value, Measurement.measured_on,
            sa.func.row_number().over(
                partition_by=Measurement.indicator_id,
                order_by=(Measurement.measured_on.desc(), Measurement.id.desc()),
            ).label("rank"),
        )
        .where(Measurement.status == MeasurementStatus.VERIFIED.value)
        .subquery()
    )
    found = db.session.execute(
        sa.select(Indicator.initiative_id, Initiative.title, Indicator.name,
                  Indicator.unit_of_measure, Indicator.baseline, Indicator.target,
                  Indicator.direction, Indicator.target_date, latest.c.value,
                  latest.c.measured_on, Indicator.position, Indicator.id)
        .join(Initiative, Initiative.id == Indicator.initiative_id)
        .outerjoin(latest, sa.and_(latest.c.indicator_id == Indicator.id, latest.c.rank == 1))
        .where(Indicator.initiative_id.in_(matching_ids))
    ).all()
    result = []
    for (initiative_id, initiative_title, name, uom, baseline, target, direction, target_date,
         value, measured_on, _pos, _id) in _in_board_order(found, order):
        pct = progress(baseline, target, direction, value)
        label = DIRECTION_LABELS.get(direction)
        result.append((initiative_id, initiative_title, name, uom, baseline, target,
                       str(label) if label else direction, target_date, value, measured_on,
                       None if pct is None else pct / 100.0))
    return result


# --------------------------------------------------------------------------- writing


def _text_cell(ws: Any, value: str) -> Any:
    cell = WriteOnlyCell(ws, value=value)
    cell.data_type = "s"  # openpyxl would take a leading "=" for a formula
    return cell


def _cell(ws: Any, column: Column, value: Any) -> Any:
    if value is None or value == "":
        return None
    if column.kind == "text":
        value = str(value)
        return _text_cell(ws, value) if value.startswith("=") else value
    if column.kind in ("date", "datetime", "percent"):
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = {"date": DATE_FORMAT, "datetime": DATETIME_FORMAT,
                              "percent": PERCENT_FORMAT}[column.kind]
        return cell
    return value


HEADER_FONT = Font(bold=True)
HEADER_ALIGNMENT = Alignment(vertical="top", wrap_text=True)


def write_sheet(wb: Workbook, title: str, columns: Sequence[Column],
                rows: Iterable[Sequence[Any]]) -> None:
    """A write-only sheet: typed cells, bold frozen header, auto-filter over every row."""
    ws = wb.create_sheet(title[:31])
    for n, column in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(n)].width = column.width
    ws.freeze_panes = "A2"
    header = []
    for column in columns:
        cell = WriteOnlyCell(ws, value=str(column.header))
        cell.font = HEADER_FONT
        cell.alignment = HEADER_ALIGNMENT
        header.append(cell)
    ws.append(header)
    count = 0
    for row in rows:
        ws.append([_cell(ws, column, value) for column, value in zip(columns, row, strict=True)])
        count += 1
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{count + 1}"


def workbook_bytes(export: Export) -> bytes:
    wb = Workbook(write_only=True)
    write_sheet(wb, _("Initiatives"), INITIATIVE_COLUMNS, (i.values() for i in export.initiatives))
    write_sheet(wb, _("Milestones"), MILESTONE_COLUMNS, export.milestones)
    write_sheet(wb, _("Indicators"), INDICATOR_COLUMNS, export.indicators)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def neutralise(text: str) -> str:
    """``text`` with an apostrophe before each formula trigger that could start a cell."""
    return _CELL_START.sub(r"\1\2'", text)


def _csv_value(column: Column, value: Any) -> Any:
    """A number stays a number (written unquoted); everything else becomes text (quoted)."""
    if value is None:
        return ""
    if column.kind in ("int", "number", "percent"):
        return value
    if column.kind == "bool":
        return _("yes") if value else _("no")
    if column.kind == "date":
        return value.isoformat()
    if column.kind == "datetime":
        return value.strftime("%Y-%m-%d %H:%M")
    return neutralise(str(value))


def csv_text(columns: Sequence[Column], rows: Iterable[Sequence[Any]],
             delimiter: str = ",") -> str:
    """CSV with a byte-order mark, so Excel reads the UTF-8 (Indonesian names) right; every
    field but a number quoted, every text neutralised (see the module's docstring)."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=delimiter, quoting=csv.QUOTE_NONNUMERIC)
    writer.writerow([neutralise(str(c.header)) for c in columns])
    for row in rows:
        writer.writerow([_csv_value(c, v) for c, v in zip(columns, row, strict=True)])
    return buffer.getvalue()


def initiatives_csv(export: Export, delimiter: str = ",") -> bytes:
    return csv_text(INITIATIVE_COLUMNS, (i.values() for i in export.initiatives),
                    delimiter).encode("utf-8")


def file_name(extension: str, today: date | None = None) -> str:
    return f"quick-wins-{(today or local_today()).isoformat()}.{extension}"
