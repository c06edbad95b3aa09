"""Step 1 of an import: check the uploaded file; then keep it, between the preview and the
confirmation, under ``<instance>/imports/`` with a random name."""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Protocol

from flask import current_app
from flask_babel import gettext as _

from ..tables import CONTROL_CHARACTERS, FileRefused, not_a_spreadsheet, refuse_binary, size_label

UPLOAD_TTL = timedelta(hours=1)
EXTENSIONS = (".xlsx", ".csv")
ACCEPT = ".xlsx,.csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,text/csv"

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


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
    name = CONTROL_CHARACTERS.sub("", filename.replace("\\", "/").rsplit("/", 1)[-1]).strip()
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
