"""The downloadable template: the header, an example row, and (XLSX) a sheet of the codes."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from ...domain.clock import local_today
from ...extensions import db
from ...models import Dimension, Tag, Unit, User
from .header import COLUMNS


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
