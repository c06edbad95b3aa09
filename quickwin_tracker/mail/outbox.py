"""The outbox: every email is a row first, delivered later.

``queue_email`` renders a message and adds it to the *caller's* transaction, so an email exists
exactly when the change that decided to send it was committed (and a rollback drops it). A unique
``dedupe_key`` (``digest:<user>:<ISO week>``, ``reminder:<user>:<date>``) makes queueing the
same email twice impossible, even from two processes at once.

``deliver_outbox`` sends what is due over one SMTP connection. It is the one place here that
commits by itself: delivery is I/O, and each message is its own unit of work, committed right
after the server accepted it, so a crash half-way never sends an already-sent message again.
Failures are retried with backoff (1, 5, 15, 60, 240 minutes, then every 12 hours) and the
message is marked ``failed`` after ``MAIL_MAX_ATTEMPTS`` attempts, keeping the last error.
"""

from __future__ import annotations

import logging
import re
import smtplib
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from typing import Any

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy.exc import IntegrityError

from ..domain.clock import utcnow
from ..domain.queries import for_update
from ..domain.retries import backoff
from ..extensions import db
from ..models import OutboxMessage, OutboxStatus, User
from .smtp import open_smtp
from .tokens import unsubscribe_url as build_unsubscribe_url
from .urls import app_url, base_url

log = logging.getLogger(__name__)

NO_SMTP_HOST = "no SMTP host configured"
SUBJECT_MAX = 300  # OutboxMessage.subject
ERROR_MAX = 2000


# --------------------------------------------------------------------------- rendering


@dataclass(frozen=True)
class RenderedEmail:
    text: str
    html: str
    headers: dict[str, str]


def _tidy_text(text: str) -> str:
    """Trailing spaces off, runs of blank lines (left by template tags) down to one."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"


def render_email(
    *, to: User, template: str, context: dict[str, Any], subject: str = "",
    unsubscribe: str | None = None,
) -> RenderedEmail:
    """Render ``templates/email/<template>.txt`` and ``.html`` in ``to``'s language.

    The templates get ``context`` plus ``recipient`` (the user), ``subject``, ``base_url``,
    ``app_url(endpoint, **values)`` (absolute links) and, when ``unsubscribe`` is ``"digest"``
    or ``"reminders"``, ``unsubscribe_url``. Used by ``queue_email`` and by previews.
    """
    headers: dict[str, str] = {}
    ctx = dict(context)
    ctx.update(
        recipient=to,
        subject=subject,
        base_url=base_url(),
        app_url=app_url,
    )
    if unsubscribe:
        url = build_unsubscribe_url(to, unsubscribe)
        ctx["unsubscribe_url"] = url
        headers["List-Unsubscribe"] = f"<{url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    else:
        ctx.setdefault("unsubscribe_url", None)
    with force_locale(to.locale):
        text = render_template(f"email/{template}.txt", **ctx)
        html = render_template(f"email/{template}.html", **ctx)
    return RenderedEmail(text=_tidy_text(text), html=html, headers=headers)


def _clean_subject(subject: str) -> str:
    subject = " ".join(str(subject).split())  # no line breaks: they would inject headers
    return subject if len(subject) <= SUBJECT_MAX else subject[: SUBJECT_MAX - 1] + "…"


def _begin_real_sqlite_transaction() -> None:
    """Make sure SQLite is inside a transaction before a SAVEPOINT.

    pysqlite only emits BEGIN before INSERT/UPDATE/DELETE; a SAVEPOINT issued first would open
    the transaction itself, and releasing it would COMMIT everything, behind the caller's back.
    """
    conn = db.session.connection()
    if conn.dialect.name != "sqlite":
        return
    raw = conn.connection.dbapi_connection
    if raw is not None and not raw.in_transaction:
        conn.exec_driver_sql("BEGIN")


def already_queued(keys: str | Iterable[str]) -> set[str]:
    """The dedupe keys among ``keys`` (one key, or many) that the outbox holds, whatever their
    status; empty, and so false, when none is. One query, none for no keys."""
    wanted = [keys] if isinstance(keys, str) else list(keys)
    if not wanted:
        return set()
    return set(db.session.scalars(
        sa.select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_(wanted))))


def queue_email(
    *,
    kind: str,
    dedupe_key: str,
    to: User,
    subject: str,
    template: str,
    context: dict[str, Any],
    now: datetime | None = None,
    unsubscribe: str | None = None,
) -> OutboxMessage | None:
    """Render and store one email for ``to``; it is sent after the caller commits.

    ``subject`` is already translated by the caller (``with force_locale(to.locale): _("...")``).
    Returns the new (flushed) ``OutboxMessage``, or None when nothing was queued: a message with
    this ``dedupe_key`` already exists (now or concurrently), or ``to`` is inactive or has no
    email address. Never commits.
    """
    if len(dedupe_key) > 200:
        raise ValueError("dedupe_key is longer than 200 characters")
    if not to.active or not to.email:
        log.info("not queueing %s for %s: inactive or without an email address", dedupe_key, to.id)
        return None
    if already_queued(dedupe_key):
        return None
    now = now or utcnow()
    subject = _clean_subject(subject)
    rendered = render_email(
        to=to, template=template, context=context, subject=subject, unsubscribe=unsubscribe
    )
    message = OutboxMessage(
        kind=kind,
        dedupe_key=dedupe_key,
        to_address=to.email,
        to_user_id=to.id,
        subject=subject,
        text_body=rendered.text,
        html_body=rendered.html,
        headers=rendered.headers,
        status=OutboxStatus.QUEUED.value,
        attempts=0,
        last_error="",
        next_attempt_at=now,
        created_at=now,
    )
    # Another process may queue the same key between our SELECT and INSERT: the unique index
    # refuses the second one, and the SAVEPOINT keeps the caller's transaction usable.
    _begin_real_sqlite_transaction()
    try:
        with db.session.begin_nested():
            db.session.add(message)
    except IntegrityError:
        log.info("%s was queued concurrently; skipped", dedupe_key)
        return None
    log.info("queued %s email %s to %s", kind, dedupe_key, to.email)
    return message


def resend(message: OutboxMessage, now: datetime | None = None) -> OutboxMessage:
    """Queue a failed message again, as if new: attempts 0, due now. Never commits."""
    if message.status != OutboxStatus.FAILED.value:
        raise ValueError("only failed messages can be resent")
    message.status = OutboxStatus.QUEUED.value
    message.attempts = 0
    message.next_attempt_at = now or utcnow()
    db.session.flush()
    log.info("outbox message %s (%s) queued again", message.id, message.dedupe_key)
    return message


# --------------------------------------------------------------------------- delivery


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0  # gave up: status is now 'failed'
    retried: int = 0  # failed this time, will be tried again later
    skipped_reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        if self.skipped_reason:
            return f"nothing sent: {self.skipped_reason}"
        return f"sent {self.sent}, failed {self.failed}, to retry {self.retried}"


def build_email_message(message: OutboxMessage, config: Any, now: datetime) -> EmailMessage:
    """The MIME message for an outbox row: text/plain with a text/html alternative."""
    email = EmailMessage()
    email["From"] = config["MAIL_FROM"]
    email["To"] = message.to_address
    if config.get("MAIL_REPLY_TO"):
        email["Reply-To"] = config["MAIL_REPLY_TO"]
    email["Subject"] = message.subject
    email["Date"] = format_datetime(now)
    domain = parseaddr(config["MAIL_FROM"])[1].rpartition("@")[2] or "localhost"
    email["Message-ID"] = make_msgid(domain=domain)
    for name, value in (message.headers or {}).items():
        email[name] = value
    email.set_content(message.text_body)
    if message.html_body:
        email.add_alternative(message.html_body, subtype="html")
    return email


def _due_query(now: datetime) -> sa.Select:
    return sa.select(OutboxMessage).where(
        OutboxMessage.status == OutboxStatus.QUEUED.value,
        OutboxMessage.next_attempt_at <= now,
    )


def _lock_due(message_id: int, now: datetime) -> OutboxMessage | None:
    """Re-read one due message, locked; None when someone else has it or already sent it."""
    query = for_update(_due_query(now).where(OutboxMessage.id == message_id), skip_locked=True)
    return db.session.scalars(query.execution_options(populate_existing=True)).first()


def _record_failure(message: OutboxMessage, error: BaseException | str, now: datetime,
                    report: DeliveryReport, max_attempts: int) -> None:
    message.attempts += 1
    message.last_error = (str(error) or type(error).__name__)[:ERROR_MAX]
    if message.attempts >= max_attempts:
        message.status = OutboxStatus.FAILED.value
        report.failed += 1
        log.warning("giving up on outbox message %s to %s after %s attempts: %s",
                    message.id, message.to_address, message.attempts, message.last_error)
    else:
        message.next_attempt_at = now + backoff(message.attempts)
        report.retried += 1
        log.info("outbox message %s to %s failed (attempt %s), retry at %s: %s",
                 message.id, message.to_address, message.attempts, message.next_attempt_at,
                 message.last_error)


def _connection_error(exc: BaseException) -> bool:
    """The connection itself is gone (not a refusal of this one message)."""
    return isinstance(exc, smtplib.SMTPServerDisconnected | OSError) and not isinstance(
        exc, smtplib.SMTPResponseException | smtplib.SMTPRecipientsRefused
    )


def deliver_outbox(now: datetime | None = None, limit: int = 200, *,
                   message_ids: Iterable[int] | None = None) -> DeliveryReport:
    """Send up to ``limit`` due messages (oldest first) over one SMTP connection.

    Commits after every message (see the module docstring), so call it with no pending changes
    in the session (commit your own work first). Without ``SMTP_HOST`` nothing is
    sent and messages stay queued. A connection that cannot be opened counts one failed attempt
    for every due message; a connection lost midway is reopened once. ``message_ids`` limits
    the run to those messages (``quickwin mail test``).
    """
    now = now or utcnow()
    config = current_app.config
    report = DeliveryReport()
    if not config.get("SMTP_HOST"):
        report.skipped_reason = NO_SMTP_HOST
        return report
    max_attempts = int(config.get("MAIL_MAX_ATTEMPTS") or 8)
    query = _due_query(now).with_only_columns(OutboxMessage.id)
    if message_ids is not None:
        query = query.where(OutboxMessage.id.in_(list(message_ids)))
    ids = list(db.session.scalars(
        query.order_by(OutboxMessage.created_at, OutboxMessage.id).limit(limit)
    ))
    db.session.commit()  # end the read transaction; each message gets its own
    if not ids:
        return report

    connection = _Connection(config)
    try:
        for message_id in ids:
            message = _lock_due(message_id, now)
            if message is None:
                db.session.commit()
                continue
            _deliver(message, connection, now, report, max_attempts)
    finally:
        connection.close()
    log.info("outbox delivery: %s", report)
    return report


class _Connection:
    """The SMTP connection of one delivery run: opened at the start, reopened once when lost.
    ``smtp`` is None while there is none, and ``error`` says why."""

    def __init__(self, config: Any):
        self.config = config
        self.smtp: smtplib.SMTP | None = None
        self.error: BaseException | None = None
        self.reopened = False
        try:
            self.smtp = open_smtp(config)
        except Exception as exc:  # unreachable, TLS or login refused: every message waits
            self.error = exc
            log.warning("cannot connect to SMTP %s:%s: %s",
                        config.get("SMTP_HOST"), config.get("SMTP_PORT"), exc)

    def lost(self, exc: BaseException) -> None:
        """The connection broke while sending: close it and, the first time, open a new one."""
        self.close()
        self.smtp, self.error = None, exc
        if not self.reopened:
            self.reopened = True
            try:
                self.smtp = open_smtp(self.config)
            except Exception as again:
                self.error = again

    def close(self) -> None:
        if self.smtp is not None:
            _close(self.smtp)


def _deliver(message: OutboxMessage, connection: _Connection, now: datetime,
             report: DeliveryReport, max_attempts: int) -> None:
    """Send one locked, due message, record the outcome and commit it."""
    if connection.smtp is None:
        _record_failure(message, connection.error or "no SMTP connection", now, report,
                        max_attempts)
        db.session.commit()
        return
    try:
        connection.smtp.send_message(build_email_message(message, connection.config, now),
                                     to_addrs=[message.to_address])
    except Exception as exc:  # one bad message must not stop the others
        _record_failure(message, exc, now, report, max_attempts)
        db.session.commit()
        if _connection_error(exc):
            connection.lost(exc)
        return
    message.status = OutboxStatus.SENT.value
    message.sent_at = now
    message.attempts += 1  # last_error stays: why earlier attempts failed
    db.session.commit()
    report.sent += 1


def _close(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()


def deliver_outbox_job(now: datetime) -> dict[str, Any]:
    """The scheduler's ``outbox_delivery`` job."""
    started = time.monotonic()
    result = deliver_outbox(now=now).as_dict()
    result["seconds"] = round(time.monotonic() - started, 3)
    return result
