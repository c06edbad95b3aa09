"""Evidence files: checked by content, stored under ``<instance>/evidence/`` with a random name.

- **Type by content.** The first bytes decide (``%PDF-``, the PNG signature, ``FF D8 FF``,
  ``RIFF….WEBP``); the file name and the browser's Content-Type are ignored. A ``.pdf`` that is not
  a PDF is refused; a PDF named ``.png`` is stored and served as a PDF.
- **Names.** On disk: ``secrets.token_hex(16)`` plus the extension of the detected type, never
  anything the user typed. The uploaded name is kept, passed through ``secure_filename``, for
  display and as the download name only. Downloads look the file up by id.
- **Size.** At most ``EVIDENCE_MAX_BYTES`` (``QUICKWIN_EVIDENCE_MAX_MB``): larger files are refused
  with a message next to the file field. ``MAX_CONTENT_LENGTH`` is that plus a margin, so werkzeug
  answers 413 to bodies far beyond it without reading them (see ``views.too_large``).
- **No orphans.** The caller owns the transaction, so the file can only be written before the
  commit. It is written once every check has passed and the Evidence row is flushed, to a
  temporary name renamed into place (a half-written file never carries a stored name), and is
  remembered on the session: if the transaction ends without a commit (rollback, or a session
  closed after an error) a session hook deletes it; on commit it is kept. A crash of the whole
  process between the write and the commit can still leave a file without a row; such files are
  unreachable (downloads go through the row) and safe to delete.
- **No leftovers.** Deleting Evidence rows (with an indicator) hands their files to
  :func:`remove_after_commit`: they are deleted only once the transaction has committed, so a
  rollback never leaves a row pointing at a deleted file; a file whose name some Evidence row still
  carries at that moment is kept. A crash between the commit and the deletion leaves an
  unreachable file, as above.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from flask import current_app
from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import event, select
from sqlalchemy.orm import Session
from werkzeug.utils import secure_filename

from ..domain.clock import utcnow
from ..domain.errors import Invalid
from ..extensions import db
from ..models import Evidence, User

log = logging.getLogger(__name__)

# content type → (extension used on disk and in download names, extensions that already fit)
TYPES: dict[str, tuple[str, tuple[str, ...]]] = {
    "application/pdf": (".pdf", (".pdf",)),
    "image/png": (".png", (".png",)),
    "image/jpeg": (".jpg", (".jpg", ".jpeg")),
    "image/webp": (".webp", (".webp",)),
}
ACCEPT = ",".join(TYPES)  # for the file input's ``accept`` attribute (a hint; the server decides)
FIELD = "evidence"
_PENDING = "outcomes.evidence_pending"  # written in this transaction: removed unless it commits
_DOOMED = "outcomes.evidence_doomed"  # deleted rows' files: removed once it commits


class Upload(Protocol):
    """What the view hands over: werkzeug's ``FileStorage`` (a name and a stream)."""

    filename: str | None
    stream: Any


def sniff(head: bytes) -> str | None:
    """The content type of a file from its first bytes, if it is one we accept."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def size_label(size: int) -> str:
    """``850 KB``, ``2,5 MB`` (locale-aware decimals)."""
    if size < 1024 * 1024:
        return f"{format_decimal(max(1, round(size / 1024)))} KB"
    return f"{format_decimal(round(size / (1024 * 1024), 1))} MB"


def max_bytes() -> int:
    return int(current_app.config["EVIDENCE_MAX_BYTES"])


def too_large_message(limit: int | None = None) -> str:
    return _("The file is too large: at most %(size)s is accepted.",
             size=size_label(limit if limit is not None else max_bytes()))


def folder() -> Path:
    return Path(current_app.instance_path) / "evidence"


@dataclass(frozen=True)
class CheckedUpload:
    content: bytes
    content_type: str
    original_name: str
    sha256: str

    @property
    def size(self) -> int:
        return len(self.content)

    @property
    def extension(self) -> str:
        return TYPES[self.content_type][0]


def _display_name(filename: str, extension: str) -> str:
    name = secure_filename(filename) or f"evidence{extension}"
    if len(name) > 255:
        stem, suffix = os.path.splitext(name)
        suffix = suffix[:16]
        name = stem[: 255 - len(suffix)] + suffix
    return name


def check_upload(upload: Upload | None, limit: int | None = None) -> CheckedUpload | None:
    """Read and check an uploaded file; ``None`` when no file was chosen.

    Raises :class:`Invalid` (field ``evidence``) for an empty, too large or unaccepted file.
    """
    if upload is None or not upload.filename:
        return None
    limit = max_bytes() if limit is None else limit
    content = upload.stream.read(limit + 1)
    if len(content) > limit:
        raise Invalid(too_large_message(limit), FIELD)
    if not content:
        raise Invalid(_("The file is empty."), FIELD)
    content_type = sniff(content[:16])
    if content_type is None:
        raise Invalid(_("Only PDF, PNG, JPEG or WebP files are accepted, and this file is none "
                        "of them (whatever its name says)."), FIELD)
    return CheckedUpload(
        content=content,
        content_type=content_type,
        original_name=_display_name(upload.filename, TYPES[content_type][0]),
        sha256=hashlib.sha256(content).hexdigest(),
    )


def save_evidence(actor: User, upload: CheckedUpload, now: datetime | None = None) -> Evidence:
    """Add the Evidence row (flushed) and write its file; the file goes if the transaction does."""
    now = now or utcnow()
    target_dir = folder()
    target_dir.mkdir(parents=True, exist_ok=True)
    evidence = Evidence(
        stored_name=secrets.token_hex(16) + upload.extension,
        original_name=upload.original_name,
        content_type=upload.content_type,
        size=upload.size,
        sha256=upload.sha256,
        uploaded_by=actor,
        uploaded_at=now,
    )
    db.session.add(evidence)
    db.session.flush()  # a transaction is open from here on: the cleanup hook will see its end

    final = target_dir / evidence.stored_name
    partial = target_dir / f".{evidence.stored_name}.part"
    db.session.info.setdefault(_PENDING, []).append(final)
    try:
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
        with os.fdopen(fd, "wb") as f:
            f.write(upload.content)
            f.flush()
            os.fsync(f.fileno())
        os.replace(partial, final)
    except OSError:
        partial.unlink(missing_ok=True)
        raise
    log.info("%s uploaded evidence %s (%s, %d bytes)", actor.email, evidence.id,
             evidence.content_type, evidence.size)
    return evidence


def path_of(evidence: Evidence) -> Path:
    return folder() / evidence.stored_name


def download_name(evidence: Evidence) -> str:
    """The uploaded name, with an extension that matches the real type (``scan.png`` holding a
    PDF downloads as ``scan.pdf``)."""
    extension, fitting = TYPES.get(evidence.content_type, ("", ()))
    stem, suffix = os.path.splitext(evidence.original_name)
    if not extension or suffix.lower() in fitting:
        return evidence.original_name
    return (stem or "evidence") + extension


def remove_after_commit(items: Iterable[Evidence]) -> None:
    """Delete the files of these (deleted, flushed) Evidence rows once the current transaction
    commits; if it does not, they stay with their rows."""
    db.session.info.setdefault(_DOOMED, []).extend(path_of(item) for item in items)


# --------------------------------------------------------------------------- orphan cleanup


@event.listens_for(Session, "after_commit")
def _keep_committed_files(session: Session) -> None:
    if session.in_nested_transaction():  # a released savepoint commits nothing yet
        return
    session.info.pop(_PENDING, None)
    doomed = session.info.pop(_DOOMED, [])
    if doomed:
        _remove_files(session, doomed)


def _unlink(path: Path, kind: str, reason: str) -> None:
    """Remove an evidence file, logging why (or that it could not be; never fatal)."""
    try:
        path.unlink(missing_ok=True)
    except OSError:  # pragma: no cover - logged, never fatal
        log.warning("could not remove %s evidence file %s", kind, path)
    else:
        log.info("removed evidence file %s: %s", path.name, reason)


def _remove_files(session: Session, paths: list[Path]) -> None:
    """Remove committed deletions' files, except any a row still names (the session is between
    transactions here: a connection of its own asks)."""
    with session.get_bind().connect() as conn:
        named = set(conn.scalars(select(Evidence.stored_name).where(
            Evidence.stored_name.in_([p.name for p in paths]))))
    for path in paths:
        if path.name in named:
            log.warning("kept evidence file %s: a row still refers to it", path.name)
            continue
        _unlink(path, "deleted", "its row was deleted")


@event.listens_for(Session, "after_transaction_end")
def _remove_uncommitted_files(session: Session, transaction: Any) -> None:
    if transaction.parent is not None:
        return
    session.info.pop(_DOOMED, None)  # not committed (after a commit, already handled): kept
    for path in session.info.pop(_PENDING, []):
        _unlink(path, "uncommitted", "its transaction was not committed")
