"""Import of initiatives from an XLSX workbook or a CSV file.

Three steps, none of which trusts the previous one:

1. **Check the upload** (:func:`check_upload`): a size limit (``IMPORT_MAX_BYTES``, from
   ``QUICKWIN_IMPORT_MAX_MB``), an ``.xlsx`` or ``.csv`` name, and content that really is one: a
   ZIP that openpyxl can open, or text (UTF-8, or Windows-1252 as older Excel saves it) without
   control characters. Anything else raises :class:`FileRefused` (shown next to the file field).
2. **Plan** (:func:`plan_import`): read the first sheet, within the caps and the time budget of
   :mod:`.tables` (a crafted file cannot stall the server), find the header row (either language,
   any case, any column order; unknown columns are ignored and listed), and check *every* row
   against the same rules as ``initiatives.services.create_initiative`` (permission per unit,
   active unit, owner active and in the unit) plus the file's own: known dimension, unit and plan
   tags, a real date within the years the app accepts (``clock.date_window()``), title and benefit
   present and not too long, no duplicate title within a unit, neither in the file nor among the
   non-archived initiatives. Nothing is written.
3. **Import** (:func:`import_initiatives`): the caller plans again (the data may have changed since
   the preview) and, when the plan has no error, this writes all rows in the caller's transaction:
   one multi-row INSERT for the initiatives, one for their plan tags and one for their "imported"
   Activity rows. Each initiative goes to the bottom of its (dimension, first stage) cell; the
   bottom of each cell is read once. Creating 10,000 initiatives one by one through
   ``create_initiative`` costs several queries each (minutes); this path takes seconds.

Between the preview and the confirmation the upload waits under ``<instance>/imports/`` with a
random name; :func:`store_upload`, :func:`load_upload` (checks the SHA-256 the caller remembered)
and :func:`discard_upload` manage it, :func:`sweep_uploads` removes abandoned ones.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import os
import re
import secrets
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel

from ..board import positions
from ..domain import activity
from ..domain.clock import date_window, local_today, utcnow
from ..domain.errors import Invalid
from ..domain.permissions import Decision, can_create_in
from ..extensions import db
from ..initiatives.services import InitiativeData, check_owner, check_unit
from ..lifecycle.stages import first_stage
from ..models import Activity, Dimension, Initiative, Tag, Unit, User, initiative_tag
from .tables import CONTROL_CHARACTERS as _CONTROL
from .tables import (
    FIELD,
    HEADER_SEARCH_ROWS,
    MAX_ROWS,
    FileRefused,
    Table,
    not_a_spreadsheet,
    read_table,
    refuse_binary,
    size_label,
    too_many_rows,
)
from .tables import blank as _blank

log = logging.getLogger(__name__)

UPLOAD_TTL = timedelta(hours=1)
EXTENSIONS = (".xlsx", ".csv")
ACCEPT = ".xlsx,.csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,text/csv"

TITLE_MAX = 200  # as the initiative form
BENEFIT_MAX = 2000
DESCRIPTION_MAX = 10000

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


# --------------------------------------------------------------------------- the columns


@dataclass(frozen=True)
class ImportColumn:
    key: str
    header: str  # as in the template: both languages
    names: tuple[str, ...]  # other accepted headers (either language)
    required: bool = False


# The file format, not interface text: the headers carry both languages and are not translated.
COLUMNS = (
    ImportColumn("title", "Judul / Title", ("Judul", "Title", "Nama inisiatif"), True),
    ImportColumn("benefit", "Manfaat bagi warga / Citizen benefit",
                 ("Manfaat bagi warga", "Citizen benefit", "Manfaat", "Benefit"), True),
    ImportColumn("description", "Deskripsi / Description", ("Deskripsi", "Description")),
    ImportColumn("dimension", "Dimensi / Dimension",
                 ("Dimensi", "Dimension", "Dimensi Smart City", "Smart City dimension"), True),
    ImportColumn("unit", "OPD / Unit", ("OPD", "Unit", "Kode OPD", "Unit code", "Unit (OPD)")),
    ImportColumn("owner", "Penanggung jawab (email) / Owner (email)",
                 ("Penanggung jawab (email)", "Owner (email)", "Penanggung jawab", "Owner",
                  "Owner email", "Email")),
    ImportColumn("target_date", "Target peluncuran / Target date",
                 ("Target peluncuran", "Target date", "Target rollout date", "Tanggal target")),
    ImportColumn("tags", "Tag", ("Tags", "Tag / Tags", "Rencana", "Plans")),
)
COLUMNS_BY_KEY = {c.key: c for c in COLUMNS}


def _normalise_header(value: Any) -> str:
    text = _CONTROL.sub("", str(value if value is not None else "")).replace("*", "")
    text = re.sub(r"\s*/\s*", " / ", " ".join(text.split()))
    return text.casefold()


_HEADER_NAMES = {
    _normalise_header(name): column.key
    for column in COLUMNS
    for name in (column.header, column.key, *column.names)
}


def _normalise_title(title: str) -> str:
    return " ".join(title.split()).casefold()


# --------------------------------------------------------------------------- checking the upload


class Upload(Protocol):
    """What the view hands over: werkzeug's ``FileStorage`` (a name and a stream)."""

    filename: str | None
    stream: Any


@dataclass(frozen=True)
class CheckedUpload:
    content: bytes
    kind: str  # "xlsx" or "csv", from the content
    file_name: str  # for display and the trail
    sha256: str


def max_bytes() -> int:
    return int(current_app.config["IMPORT_MAX_BYTES"])


def too_large_message(limit: int | None = None) -> str:
    return _("The file is too large: at most %(size)s is accepted.",
             size=size_label(max_bytes() if limit is None else limit))


def display_name(filename: str) -> str:
    """The uploaded name without any folder part or control characters (shown, never a path)."""
    name = _CONTROL.sub("", filename.replace("\\", "/").rsplit("/", 1)[-1]).strip()
    return name[-200:] or "import"


def sniff_kind(content: bytes) -> str:
    """``xlsx`` for a ZIP container (openpyxl will tell whether it is a workbook), ``csv`` else."""
    return "xlsx" if content.startswith(b"PK\x03\x04") else "csv"


def check_upload(upload: Upload | None, limit: int | None = None) -> CheckedUpload:
    """Read the uploaded file, refusing a missing, empty, too large or wrongly named one."""
    if upload is None or not upload.filename:
        raise FileRefused(_("Choose a file to import."))
    name = display_name(upload.filename)
    if not name.lower().endswith(EXTENSIONS):
        raise FileRefused(_("Upload an Excel workbook (.xlsx) or a CSV file (.csv)."))
    limit = max_bytes() if limit is None else limit
    content = upload.stream.read(limit + 1)
    if len(content) > limit:
        raise FileRefused(too_large_message(limit))
    if not content.strip():
        raise FileRefused(_("The file is empty."))
    refuse_binary(content)
    kind = sniff_kind(content)
    if name.lower().endswith(".xlsx") and kind != "xlsx":
        raise not_a_spreadsheet()  # whatever it is, it is not the workbook its name claims
    return CheckedUpload(content, kind, name, hashlib.sha256(content).hexdigest())


# --------------------------------------------------------------------------- planning


@dataclass(frozen=True)
class RowError:
    row: int
    column: str  # the header as written in the file ("" for the whole row)
    message: str
    letter: str = ""  # the column's letter (A, B, …)


@dataclass
class PlannedRow:
    row: int
    title: str
    benefit: str
    description: str
    dimension: Dimension
    unit: Unit
    owner: User | None
    target_date: date | None
    tags: list[Tag]

    def data(self) -> InitiativeData:
        return InitiativeData(
            title=self.title, benefit=self.benefit, description=self.description,
            dimension=self.dimension, unit=self.unit, owner=self.owner,
            target_date=self.target_date, tags=list(self.tags),
        )


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


@dataclass
class _Header:
    row: int
    index: dict[str, int]  # column key → position in the row
    labels: dict[str, str]  # column key → the header as written
    ignored: list[str]


def _match_header(number: int, values: list[Any]) -> _Header | None:
    index: dict[str, int] = {}
    labels: dict[str, str] = {}
    ignored: list[str] = []
    duplicates: list[str] = []
    for position, value in enumerate(values):
        if _blank(value):
            continue
        key = _HEADER_NAMES.get(_normalise_header(value))
        if key is None:
            ignored.append(str(value).strip())
        elif key in index:
            duplicates.append(str(value).strip())
        else:
            index[key] = position
            labels[key] = str(value).strip()
    if not any(c.key in index for c in COLUMNS if c.required):
        return None
    missing = [c.header for c in COLUMNS if c.required and c.key not in index]
    if missing:
        raise FileRefused(_("Row %(row)d names the columns but lacks: %(missing)s.",
                            row=number, missing=", ".join(missing)))
    if duplicates:
        raise FileRefused(_("Row %(row)d names a column twice: %(names)s.",
                            row=number, names=", ".join(duplicates)))
    return _Header(number, index, labels, ignored)


def _find_header(table: Table) -> tuple[_Header, list[tuple[int, list[Any]]]]:
    for n, (number, values) in enumerate(table.rows[:HEADER_SEARCH_ROWS]):
        header = _match_header(number, values)
        if header is not None:
            return header, table.rows[n + 1:]
    raise FileRefused(_("No row names the expected columns (%(columns)s). Start from the template.",
                        columns=", ".join(c.header for c in COLUMNS if c.required)))


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, datetime):
        value = value.date() if value.time() == datetime.min.time() else value
    elif isinstance(value, date):
        value = value.isoformat()
    return _CONTROL.sub("", str(value)).strip()


class OutsideWindow(ValueError):
    """A real date outside the accepted years (``clock.date_window``)."""

    def __init__(self, day: date, window: tuple[date, date]):
        super().__init__(f"{day} is outside {window[0].year}-{window[1].year}")
        self.day = day
        self.window = window


def parse_date(value: Any, epoch: datetime | None = None,
               window: tuple[date, date] | None = None) -> date | None:
    """A real Excel date, a date number (XLSX), ``2027-03-31`` or ``31/03/2027``; ``None`` when
    blank. Raises ``ValueError`` otherwise, :class:`OutsideWindow` for a date outside ``window``
    (default: ``clock.date_window()``, the years the whole app accepts)."""
    day = _parse_day(value, epoch)
    if day is None:
        return None
    first, last = window or date_window()
    if not first <= day <= last:
        raise OutsideWindow(day, (first, last))
    return day


def _parse_day(value: Any, epoch: datetime | None) -> date | None:
    if _blank(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if epoch is None or not 0 < value < 2958466:
            raise ValueError("not a date number")
        return from_excel(value, epoch).date()
    if not isinstance(value, str):
        raise ValueError("not a date")
    text = value.strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(text).date()
    except ValueError:
        pass
    return datetime.strptime(text, "%d/%m/%Y").date()


def _split_tags(text: str) -> list[str]:
    return [t for t in (" ".join(part.split()) for part in re.split(r"[;,\n]", text)) if t]


def _tag_key(text: str) -> str:
    return " ".join(text.replace(":", " ").split()).casefold()


@dataclass
class _Lookups:
    dimensions: dict[str, Dimension]
    units: dict[str, Unit]
    users: dict[str, User]
    tags: dict[str, Tag]
    existing: dict[tuple[str, int], int]  # (normalised title, unit id) → initiative id
    decisions: dict[int, Decision] = field(default_factory=dict)

    @classmethod
    def load(cls, header: _Header, rows: list[tuple[int, list[Any]]]) -> _Lookups:
        dimensions: dict[str, Dimension] = {}
        for d in db.session.scalars(sa.select(Dimension)):
            for name in (d.code, d.name_id, d.name_en):
                dimensions[name.casefold()] = d
        units: dict[str, Unit] = {}
        by_name: dict[str, list[Unit]] = {}
        for u in db.session.scalars(sa.select(Unit)):
            units[u.code.casefold()] = u
            by_name.setdefault(" ".join(u.name.split()).casefold(), []).append(u)
        for name, found in by_name.items():
            if len(found) == 1:
                units.setdefault(name, found[0])
        users: dict[str, User] = {}
        if "owner" in header.index:
            position = header.index["owner"]
            emails = sorted({
                User.normalise_email(_text(values[position]))
                for _n, values in rows if position < len(values) and not _blank(values[position])
            })
            for start in range(0, len(emails), 500):
                for user in db.session.scalars(
                    sa.select(User).where(User.email.in_(emails[start:start + 500]))
                ):
                    users[user.email] = user
        tags: dict[str, Tag] = {}
        codes: dict[str, list[Tag]] = {}
        for t in db.session.scalars(sa.select(Tag)):
            tags[_tag_key(t.label)] = t
            codes.setdefault(_tag_key(t.code), []).append(t)
        for code, found in codes.items():
            if len(found) == 1:
                tags.setdefault(code, found[0])  # a bare code, when only one plan uses it
        existing = {
            (_normalise_title(title), unit_id): initiative_id
            for initiative_id, title, unit_id in db.session.execute(
                sa.select(Initiative.id, Initiative.title, Initiative.unit_id)
                .where(Initiative.archived.is_(False))
            )
        }
        return cls(dimensions, units, users, tags, existing)


class _RowChecker:
    def __init__(self, actor: User, header: _Header, lookups: _Lookups,
                 epoch: datetime | None):
        self.actor = actor
        self.header = header
        self.lookups = lookups
        self.epoch = epoch
        self.window = date_window()
        self.seen: dict[tuple[str, int], int] = {}  # (title, unit id) → first row

    def _column(self, key: str) -> tuple[str, str]:
        position = self.header.index.get(key)
        if position is None:
            return COLUMNS_BY_KEY[key].header, ""
        return self.header.labels[key], get_column_letter(position + 1)

    def check(self, number: int, values: list[Any]) -> tuple[PlannedRow | None, list[RowError]]:
        errors: list[RowError] = []

        def error(key: str, message: str) -> None:
            label, letter = self._column(key)
            errors.append(RowError(number, label, message, letter))

        def raw(key: str) -> Any:
            position = self.header.index.get(key)
            return values[position] if position is not None and position < len(values) else None

        title = _text(raw("title"))
        benefit = _text(raw("benefit"))
        description = _text(raw("description"))
        for key, value, limit, missing in (
            ("title", title, TITLE_MAX, _l("The title is missing.")),
            ("benefit", benefit, BENEFIT_MAX, _l("The citizen benefit is missing.")),
            ("description", description, DESCRIPTION_MAX, None),
        ):
            if not value and missing:
                error(key, str(missing))
            elif len(value) > limit:
                error(key, _("At most %(max)d characters (this has %(count)d).",
                             max=limit, count=len(value)))

        dimension = None
        dimension_text = _text(raw("dimension"))
        if not dimension_text:
            error("dimension", _("The dimension is missing."))
        else:
            dimension = self.lookups.dimensions.get(" ".join(dimension_text.split()).casefold())
            if dimension is None:
                error("dimension", _("Unknown dimension “%(value)s”.", value=dimension_text))

        unit = None
        unit_text = _text(raw("unit"))
        if not unit_text:
            unit = self.actor.unit
            if unit is None:
                error("unit", _("The unit (OPD) is missing."))
        else:
            unit = self.lookups.units.get(" ".join(unit_text.split()).casefold())
            if unit is None:
                error("unit", _("Unknown unit (OPD) “%(value)s”.", value=unit_text))
        if unit is not None:
            decision = self.lookups.decisions.get(unit.id)
            if decision is None:
                decision = self.lookups.decisions[unit.id] = can_create_in(self.actor, unit)
            if not decision:
                error("unit", decision.reason)
                unit = None

        owner = None
        owner_text = _text(raw("owner"))
        if owner_text:
            owner = self.lookups.users.get(User.normalise_email(owner_text))
            if owner is None:
                error("owner", _("No account has the email “%(value)s”.", value=owner_text))

        target_date = None
        try:
            target_date = parse_date(raw("target_date"), self.epoch, self.window)
        except OutsideWindow as outside:
            error("target_date", _("%(value)s is outside the accepted years: %(first)d to "
                                   "%(last)d.", value=outside.day.isoformat(),
                                   first=outside.window[0].year, last=outside.window[1].year))
        except (ValueError, TypeError, OverflowError):
            error("target_date", _("“%(value)s” is not a date: write it as 2027-03-31 or "
                                   "31/03/2027.", value=_text(raw("target_date"))))

        tags: list[Tag] = []
        for token in _split_tags(_text(raw("tags"))):
            tag = self.lookups.tags.get(_tag_key(token))
            if tag is None:
                error("tags", _("Unknown plan tag “%(value)s”.", value=token))
            elif tag not in tags:
                tags.append(tag)

        if dimension is None or unit is None or errors:
            return None, errors
        planned = PlannedRow(number, title, benefit, description, dimension, unit, owner,
                             target_date, tags)
        # The same rules as a new initiative made through the form.
        for rule in (check_unit, check_owner):
            try:
                rule(planned.data())
            except Invalid as exc:
                error(exc.field or "unit", exc.message)
        key = (_normalise_title(title), unit.id)
        if key in self.seen:
            error("title", _("Same title and unit as row %(row)d.", row=self.seen[key]))
        else:
            self.seen[key] = number
            if key in self.lookups.existing:
                error("title", _("%(unit)s already has an initiative with this title.",
                                 unit=unit.code))
        return (None if errors else planned), errors


def plan_import(actor: User, content: bytes, file_name: str) -> ImportPlan:
    """Read ``content`` and check every row; raises :class:`FileRefused` when it cannot be read."""
    table = read_table(content)
    header, rows = _find_header(table)
    if len(rows) > MAX_ROWS:
        raise too_many_rows()
    plan = ImportPlan(file_name, ignored_columns=header.ignored, read_rows=len(rows))
    if not rows:
        raise FileRefused(_("The file has the column names but no rows to import."))
    checker = _RowChecker(actor, header, _Lookups.load(header, rows), table.epoch)
    for number, values in rows:
        planned, errors = checker.check(number, values)
        plan.errors.extend(errors)
        if planned is not None:
            plan.rows.append(planned)
    return plan


# --------------------------------------------------------------------------- importing


def _allocate_ids(count: int) -> list[int] | None:
    """PostgreSQL: ``count`` new initiative ids from the table's sequence, in one query. A
    multi-row ``INSERT … RETURNING`` goes through psycopg several times slower than a plain
    INSERT of rows with their ids (measured: 10,000 rows 3.5 s against 0.8 s). Elsewhere ``None``:
    the INSERT returns them (SQLite does that quickly)."""
    if db.engine.dialect.name != "postgresql":
        return None
    return sorted(db.session.scalars(
        sa.text("SELECT nextval(pg_get_serial_sequence('initiative', 'id')) "
                "FROM generate_series(1, :count)"),
        {"count": count},
    ))


def import_initiatives(actor: User, plan: ImportPlan, now: datetime | None = None) -> list[int]:
    """Create every planned row in the caller's transaction; returns the new ids in file order.

    Refuses a plan with errors (all or nothing). Does not commit.
    """
    if not plan.ready:
        raise Invalid(_("The file has errors; nothing was imported."), FIELD)
    now = now or utcnow()
    stage = first_stage()
    positions.lock_stages([stage.id])  # with moves and other imports into the first stage
    next_position = positions.bottoms(stage.id)
    values = []
    for row in plan.rows:
        position = next_position.get(row.dimension.id, 0)
        next_position[row.dimension.id] = position + 1
        values.append({
            "title": row.title, "benefit": row.benefit, "description": row.description,
            "dimension_id": row.dimension.id, "unit_id": row.unit.id,
            "owner_id": row.owner.id if row.owner else None, "stage_id": stage.id,
            "position": position, "target_date": row.target_date, "stage_entered_at": now,
            "created_at": now, "updated_at": now, "created_by_id": actor.id, "version": 1,
            "archived": False,
        })
    ids = _allocate_ids(len(values))
    if ids is not None:
        for id_, row_values in zip(ids, values, strict=True):
            row_values["id"] = id_
        db.session.execute(sa.insert(Initiative), values)
    else:
        ids = list(db.session.scalars(
            sa.insert(Initiative).returning(Initiative.id, sort_by_parameter_order=True), values
        ))
    tag_rows = [{"initiative_id": i, "tag_id": t.id}
                for i, row in zip(ids, plan.rows, strict=True) for t in row.tags]
    if tag_rows:
        db.session.execute(sa.insert(initiative_tag), tag_rows)
    db.session.execute(sa.insert(Activity), [
        {"initiative_id": i, "actor_id": actor.id, "verb": "imported", "created_at": now,
         "data": {"source": "import", "file": plan.file_name, "row": row.row,
                  "title": row.title, "stage": stage.code, "unit": row.unit.code,
                  "dimension": row.dimension.code}}
        for i, row in zip(ids, plan.rows, strict=True)
    ])
    log.info("%s imported %d initiatives from %s", actor.email, len(ids), plan.file_name)
    return ids


@activity.describer("imported")
def _imported(entry: Activity) -> str:
    return _("imported it from the file %(file)s", file=(entry.data or {}).get("file") or "?")


# --------------------------------------------------------------------------- the template


def template_rows(actor: User, today: date | None = None) -> list[list[Any]]:
    """The header and one example row, for the downloadable template."""
    unit = actor.unit or db.session.scalar(
        sa.select(Unit).where(Unit.active.is_(True)).order_by(Unit.code).limit(1))
    dimension = db.session.scalar(sa.select(Dimension).order_by(Dimension.position).limit(1))
    owner = actor.email if actor.unit_id is not None else ""
    example = [
        "Antrean online puskesmas",
        "Warga tidak perlu antre sejak subuh untuk berobat.",
        "Pendaftaran lewat WhatsApp dan web, dengan nomor antrean.",
        dimension.code if dimension else "",
        unit.code if unit else "",
        owner,
        (today or local_today()) + timedelta(days=90),
        "",
    ]
    return [[c.header for c in COLUMNS], example]


def template_workbook(actor: User, today: date | None = None) -> bytes:
    from openpyxl.styles import Font

    header, example = template_rows(actor, today)
    wb = Workbook()
    ws = wb.active
    ws.title = "Inisiatif - Initiatives"
    ws.append(header)
    ws.append(example)
    for n, width in enumerate((36, 44, 44, 18, 14, 34, 18, 20), start=1):
        ws.column_dimensions[get_column_letter(n)].width = width
        ws.cell(row=1, column=n).font = Font(bold=True)
    ws.cell(row=2, column=7).number_format = "yyyy-mm-dd"
    ws.freeze_panes = "A2"
    codes = wb.create_sheet("Kode - Codes")
    codes.append(["Dimensi / Dimension", "Nama / Name (ID)", "Name (EN)"])
    for d in db.session.scalars(sa.select(Dimension).order_by(Dimension.position)):
        codes.append([d.code, d.name_id, d.name_en])
    codes.append([])
    codes.append(["OPD / Unit", "Nama / Name"])
    for u in db.session.scalars(sa.select(Unit).where(Unit.active.is_(True)).order_by(Unit.code)):
        codes.append([u.code, u.name])
    codes.append([])
    codes.append(["Tag", "Nama / Name"])
    for t in db.session.scalars(sa.select(Tag).order_by(Tag.kind, Tag.code)):
        codes.append([t.label, t.name])
    for letter, width in (("A", 22), ("B", 44), ("C", 30)):
        codes.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def template_csv(actor: User, today: date | None = None) -> bytes:
    header, example = template_rows(actor, today)
    example = [v.isoformat() if isinstance(v, date) else v for v in example]
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerow(example)
    return buffer.getvalue().encode("utf-8")


# --------------------------------------------------------------------------- waiting uploads


def uploads_folder() -> Path:
    return Path(current_app.instance_path) / "imports"


def _path(token: str, kind: str) -> Path | None:
    if not _TOKEN.fullmatch(token or "") or kind not in ("xlsx", "csv"):
        return None
    return uploads_folder() / f"{token}.{kind}"


def store_upload(upload: CheckedUpload) -> str:
    """Keep the file until the confirmation; returns its random id."""
    folder = uploads_folder()
    folder.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(24)
    final = folder / f"{token}.{upload.kind}"
    partial = folder / f".{token}.part"
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(upload.content)
    os.replace(partial, final)
    return token


def load_upload(token: str, kind: str, sha256: str) -> bytes | None:
    """The stored file, if it exists and is the one whose digest the caller remembered."""
    path = _path(token, kind)
    if path is None:
        return None
    try:
        content = path.read_bytes()
    except OSError:
        return None
    if not secrets.compare_digest(hashlib.sha256(content).hexdigest(), sha256 or ""):
        return None
    return content


def discard_upload(token: str, kind: str) -> None:
    path = _path(token, kind)
    if path is not None:
        path.unlink(missing_ok=True)


def sweep_uploads(max_age: timedelta = UPLOAD_TTL, now: float | None = None) -> int:
    """Delete waiting uploads older than ``max_age``; returns how many went."""
    folder = uploads_folder()
    if not folder.is_dir():
        return 0
    limit = (now if now is not None else time.time()) - max_age.total_seconds()
    removed = 0
    for path in folder.iterdir():
        try:
            if path.is_file() and path.stat().st_mtime < limit:
                path.unlink(missing_ok=True)
                removed += 1
        except OSError:
            continue
    return removed
