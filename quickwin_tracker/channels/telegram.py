"""Telegram: the Bot API over plain HTTPS (httpx), linking chats, reading updates, delivering.

- **Client** (``call``): ``POST <QUICKWIN_TELEGRAM_API_URL>/bot<token>/<method>`` with JSON, read
  Telegram's envelope (``{"ok": true, "result": …}`` or ``{"ok": false, "error_code": …,
  "description": …, "parameters": {"retry_after": …}}``). The token is in the URL only: it is
  never logged (httpx's request log is kept at WARNING) and is cut out of every stored error.
- **Linking**: ``new_link(user)`` makes a one-time token (its SHA-256 stored, valid
  ``TELEGRAM_LINK_MINUTES``) and the deep link ``https://t.me/<bot>?start=<token>``; the bot then
  receives ``/start <token>`` from the person's chat (``handle_update``), which links the chat and
  queues a confirmation in their language. ``/stop`` from the chat, or the settings page, unlinks.
- **Updates**: by polling (``poll_updates``, the ``telegram_updates`` job: ``getUpdates`` from the
  highest handled update id + 1) or by the webhook route (``views.webhook``). Each update is
  recorded in ``telegram_update`` by its id, so it is handled once however often it arrives.
- **Delivery** (``deliver_telegram``, part of the ``outbox_delivery`` job): due Telegram rows of
  the outbox, each locked, sent, and committed on its own, as emails are. The guarantee:
  *exactly once* per dedupe key, except in two windows. A message whose answer was lost after
  the request left (read timeout, connection dropped) may or may not have arrived: it is **not**
  sent again automatically (that could duplicate it); it is marked failed with that reason, and
  an admin can resend it from the outbox page. A process killed between Telegram's answer and
  the commit (milliseconds) sends it again on the next run. Errors before the request left
  (connection refused, DNS) and 5xx answers are retried with the outbox's backoff; 429 waits
  ``retry_after`` seconds (every due Telegram message, as the limit is the bot's); 403 (bot
  blocked, user deactivated) and 400 "chat not found" unlink the chat, stamp
  ``User.telegram_blocked_at`` and fail the message and every other one queued for that chat: the
person's messages go by email again.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from ..domain.clock import utcnow
from ..extensions import db
from ..mail.outbox import (
    ERROR_MAX,
    DeliveryReport,
    add_once,
    already_queued,
    due_ids,
    lock_due,
    record_failure,
)
from ..mail.planning import PlannedEmail
from ..mail.urls import app_url
from ..models import OutboxMessage, OutboxStatus, TelegramLinkToken, TelegramUpdate, User

log = logging.getLogger(__name__)
logging.getLogger("httpx").setLevel(logging.WARNING)  # its INFO lines print URLs: the token

TELEGRAM = "telegram"
KEY_PREFIX = "telegram:"  # the dedupe keys of Telegram messages
NO_TOKEN = "no Telegram bot token configured"
TEXT_MAX = 4096  # Telegram's limit for one message
ANSWER_LOST = ("Telegram's answer was lost after the message was sent: it may have arrived, so "
               "it is not sent again automatically (resend it if it did not arrive). ")
BLOCKED = "bot blocked or chat gone: Telegram unlinked for this person. "


# --------------------------------------------------------------------------- client


class TelegramError(Exception):
    """Telegram refused (``error_code`` from its envelope or the HTTP status)."""

    def __init__(self, error_code: int, description: str, retry_after: int | None = None):
        super().__init__(f"{error_code} {description}".strip())
        self.error_code, self.description, self.retry_after = error_code, description, retry_after


class TelegramUnreachable(Exception):
    """The request never reached Telegram (nothing was sent)."""


class TelegramAnswerLost(Exception):
    """The request left, but no answer came back: it may have been acted on."""


def enabled() -> bool:
    return bool(current_app.config.get("TELEGRAM_BOT_TOKEN"))


def _redact(text: str) -> str:
    token = current_app.config.get("TELEGRAM_BOT_TOKEN") or ""
    return text.replace(token, "<token>") if token else text


def call(method: str, payload: dict[str, Any] | None = None, timeout: float | None = None) -> Any:
    """Call a Bot API method and return its ``result``; raise the errors above."""
    config = current_app.config
    url = f"{config['TELEGRAM_API_URL']}/bot{config['TELEGRAM_BOT_TOKEN']}/{method}"
    limit = timeout if timeout is not None else config["TELEGRAM_TIMEOUT"]
    try:
        response = httpx.post(url, json=payload or {}, timeout=limit)
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.WriteError, httpx.WriteTimeout,
            httpx.PoolTimeout, httpx.UnsupportedProtocol) as exc:
        raise TelegramUnreachable(_redact(f"{type(exc).__name__}: {exc}")) from None
    except httpx.TransportError as exc:  # read timeout, connection dropped: the answer is lost
        raise TelegramAnswerLost(_redact(f"{type(exc).__name__}: {exc}")) from None
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and body.get("ok") is True:
        return body.get("result")
    if isinstance(body, dict):
        parameters = body.get("parameters") or {}
        retry_after = parameters.get("retry_after")
        raise TelegramError(int(body.get("error_code") or response.status_code),
                            _redact(str(body.get("description") or ""))[:500],
                            int(retry_after) if isinstance(retry_after, int) else None)
    raise TelegramError(response.status_code, _redact(response.text[:200]))


def send_message(chat_id: int | str, text: str) -> Any:
    return call("sendMessage", {"chat_id": int(chat_id), "text": text[:TEXT_MAX],
                                "parse_mode": "HTML", "link_preview_options": {"is_disabled": True}})


# --------------------------------------------------------------------------- the channel


def receives(user: User) -> bool:
    return bool(user.active and user.telegram_chat_id is not None)


class TelegramChannel:
    name = TELEGRAM

    def enabled(self) -> bool:
        return enabled()

    def can_receive(self, user: User) -> bool:
        return receives(user)

    def render(self, plan: PlannedEmail) -> str:
        from .messages import short_text

        return short_text(plan)

    def queue(self, plan: PlannedEmail, now: datetime) -> OutboxMessage | None:
        if not receives(plan.to):
            return None
        return queue_telegram(kind=plan.kind, dedupe_key=KEY_PREFIX + plan.dedupe_key,
                              chat_id=plan.to.telegram_chat_id, to=plan.to,
                              summary=plan.subject, text=self.render(plan), now=now)


def queue_telegram(*, kind: str, dedupe_key: str, chat_id: int, text: str, summary: str,
                   to: User | None = None, now: datetime | None = None) -> OutboxMessage | None:
    """Store one Telegram message in the outbox (sent after the caller commits); None when its
    dedupe key is already there. Never commits."""
    if not dedupe_key.startswith(KEY_PREFIX) or len(dedupe_key) > 200:
        raise ValueError("a Telegram dedupe key starts with 'telegram:' and has 200 characters "
                         "at most")
    if already_queued(dedupe_key):
        return None
    now = now or utcnow()
    message = OutboxMessage(
        kind=kind, channel=TELEGRAM, dedupe_key=dedupe_key, to_address=str(chat_id),
        to_user_id=to.id if to is not None else None,
        subject=" ".join(summary.split())[:300], text_body=text[:TEXT_MAX], html_body="",
        headers={}, status=OutboxStatus.QUEUED.value, attempts=0, last_error="",
        next_attempt_at=now, created_at=now,
    )
    if not add_once(message):
        return None
    log.info("queued %s Telegram message %s to user %s", kind, dedupe_key,
             to.id if to is not None else "-")
    return message


# --------------------------------------------------------------------------- linking


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Link:
    url: str
    expires_at: datetime


def new_link(user: User, now: datetime | None = None) -> Link:
    """A one-time deep link for ``user`` (the token's hash stored; the caller commits). Links
    asked for earlier and not used stop working: only the newest one links."""
    now = now or utcnow()
    db.session.execute(
        sa.update(TelegramLinkToken)
        .where(TelegramLinkToken.user_id == user.id, TelegramLinkToken.used_at.is_(None),
               TelegramLinkToken.expires_at > now)
        .values(expires_at=now))
    token = secrets.token_urlsafe(24)  # 32 of A-Z a-z 0-9 _ -: what a start parameter allows
    expires = now + timedelta(minutes=current_app.config["TELEGRAM_LINK_MINUTES"])
    db.session.add(TelegramLinkToken(user=user, token_hash=_hash(token), created_at=now,
                                     expires_at=expires))
    db.session.flush()
    log.info("user %s asked for a Telegram link", user.id)
    return Link(f"https://t.me/{current_app.config['TELEGRAM_BOT_USERNAME']}?start={token}",
                expires)


def unlink(user: User, now: datetime | None = None, blocked: bool = False) -> bool:
    """Forget ``user``'s chat; False when none was linked. The caller commits."""
    if user.telegram_chat_id is None:
        return False
    user.telegram_chat_id = None
    user.telegram_linked_at = None
    if blocked:
        user.telegram_blocked_at = now or utcnow()
    db.session.flush()
    log.info("user %s: Telegram unlinked%s", user.id, " (bot blocked)" if blocked else "")
    return True


def _user_of_chat(chat_id: int) -> User | None:
    return db.session.scalar(sa.select(User).where(User.telegram_chat_id == chat_id))


def _link_chat(token: str, chat_id: int, now: datetime) -> User | None:
    """Link ``chat_id`` to the owner of ``token`` if the token is valid; None otherwise."""
    row = db.session.scalar(sa.select(TelegramLinkToken).where(
        TelegramLinkToken.token_hash == _hash(token)).with_for_update())
    if row is None or row.used_at is not None or row.expires_at <= now or not row.user.active:
        return None
    row.used_at = now
    user = row.user
    previous = _user_of_chat(chat_id)
    if previous is not None and previous.id != user.id:
        unlink(previous, now)  # one chat, one person: the newest link wins
    user.telegram_chat_id = chat_id
    user.telegram_linked_at = now
    user.telegram_blocked_at = None
    db.session.flush()
    log.info("user %s linked a Telegram chat", user.id)
    return user


def _reply(update_id: int, chat_id: int, user: User | None, text: str, now: datetime) -> None:
    queue_telegram(kind="telegram_reply", dedupe_key=f"{KEY_PREFIX}update:{update_id}",
                   chat_id=chat_id, to=user, summary=text.split("\n")[0], text=text, now=now)


def _locale_of(message: dict[str, Any]) -> str:
    sender = message.get("from")
    code = str((sender if isinstance(sender, dict) else {}).get("language_code") or "")
    return "en" if code.lower().startswith("en") else "id"


def handle_update(update: dict[str, Any], now: datetime | None = None) -> str:
    """Handle one bot update, once (by its id): ``/start <token>`` links the chat, ``/stop``
    unlinks it, anything else gets a short help. Replies are queued in the outbox. Returns what
    happened: linked, refused, unlinked, help, ignored or duplicate. The caller commits."""
    from html import escape

    now = now or utcnow()
    update_id = update.get("update_id")
    if not isinstance(update_id, int):
        return "ignored"
    if db.session.get(TelegramUpdate, update_id) is not None:
        return "duplicate"
    record = TelegramUpdate(update_id=update_id, received_at=now, outcome="")
    try:
        with db.session.begin_nested():
            db.session.add(record)
    except IntegrityError:
        return "duplicate"
    message = update.get("message")
    message = message if isinstance(message, dict) else {}
    chat = message.get("chat")
    chat = chat if isinstance(chat, dict) else {}
    text = str(message.get("text") or "").strip()
    if chat.get("type") != "private" or not isinstance(chat.get("id"), int):
        record.outcome = "ignored"
        return record.outcome
    chat_id = chat["id"]
    command, _sep, argument = text.partition(" ")
    command = command.split("@")[0].lower()
    known = _user_of_chat(chat_id)
    settings = app_url("preferences.index")
    if command == "/start" and argument.strip():
        user = _link_chat(argument.strip(), chat_id, now)
        if user is not None:
            with force_locale(user.locale):
                reply = _("Hello %(name)s! This chat now receives your Quick-Win Tracker "
                          "messages. Choose which ones in your settings:", name=user.name)
            record.outcome = "linked"
            _reply(update_id, chat_id, user, f"{escape(reply)}\n→ {escape(settings)}", now)
            return record.outcome
        with force_locale(known.locale if known else _locale_of(message)):
            reply = _("This link has expired or was already used. Open your settings in "
                      "Quick-Win Tracker and press “Link Telegram” again:")
        record.outcome = "refused"
        _reply(update_id, chat_id, known, f"{escape(reply)}\n→ {escape(settings)}", now)
        return record.outcome
    if command == "/stop" and known is not None:
        unlink(known, now)
        with force_locale(known.locale):
            reply = _("Telegram is unlinked: your Quick-Win Tracker messages go by email "
                      "again. To link it again, use your settings:")
        record.outcome = "unlinked"
        _reply(update_id, chat_id, None, f"{escape(reply)}\n→ {escape(settings)}", now)
        return record.outcome
    with force_locale(known.locale if known else _locale_of(message)):
        reply = (_("This chat receives your Quick-Win Tracker messages. Send /stop to unlink "
                   "it, or change what comes here in your settings:") if known else
                 _("To receive Quick-Win Tracker messages here, open your settings and press "
                   "“Link Telegram”:"))
    record.outcome = "help"
    _reply(update_id, chat_id, known, f"{escape(reply)}\n→ {escape(settings)}", now)
    return record.outcome


def next_offset() -> int | None:
    highest = db.session.scalar(sa.select(sa.func.max(TelegramUpdate.update_id)))
    return highest + 1 if highest is not None else None


def poll_updates(now: datetime) -> dict[str, Any]:
    """The ``telegram_updates`` job: read new updates with ``getUpdates`` and handle each.

    Never commits (the scheduler commits once): an update is confirmed to Telegram only by the
    next call's offset, which comes from the committed ``telegram_update`` rows, so a run whose
    commit fails reads the same updates again."""
    config = current_app.config
    if not enabled():
        return {"skipped_reason": NO_TOKEN}
    if config["TELEGRAM_MODE"] != "polling":
        return {"skipped_reason": "updates arrive by webhook"}
    payload: dict[str, Any] = {"timeout": 0, "allowed_updates": ["message"]}
    offset = next_offset()
    if offset is not None:
        payload["offset"] = offset
    try:
        updates = call("getUpdates", payload)
    except (TelegramError, TelegramUnreachable, TelegramAnswerLost) as exc:
        log.warning("getUpdates failed: %s", exc)
        return {"error": str(exc)}
    outcomes: dict[str, int] = {}
    for update in updates or []:
        outcome = handle_update(update, now)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return {"updates": len(updates or []), **outcomes}


# --------------------------------------------------------------------------- delivery


def _permanent(exc: TelegramError) -> bool:
    """The chat cannot be reached any more: blocked, deactivated, kicked, or not found."""
    return exc.error_code == 403 or (exc.error_code == 400 and "chat not found" in
                                     exc.description.lower())


def _fail(message: OutboxMessage, reason: str, report: DeliveryReport) -> None:
    message.attempts += 1
    message.status = OutboxStatus.FAILED.value
    message.last_error = reason[:ERROR_MAX]
    report.failed += 1


def _fail_chat(chat_id: str, reason: str) -> int:
    """Fail every other queued message to a chat that cannot be reached; how many."""
    result = db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.channel == TELEGRAM, OutboxMessage.to_address == chat_id,
               OutboxMessage.status == OutboxStatus.QUEUED.value)
        .values(status=OutboxStatus.FAILED.value, last_error=reason[:ERROR_MAX]))
    return result.rowcount or 0


def _pause_all(until: datetime, reason: str) -> None:
    """Telegram asked to wait (429): no due Telegram message is tried before ``until``."""
    db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.channel == TELEGRAM,
               OutboxMessage.status == OutboxStatus.QUEUED.value,
               OutboxMessage.next_attempt_at < until)
        .values(next_attempt_at=until, last_error=reason[:ERROR_MAX]))


def deliver_telegram(now: datetime | None = None, limit: int = 200) -> DeliveryReport:
    """Send up to ``limit`` due Telegram messages, oldest first (see the module docstring).
    Commits after every message; call it with no pending changes."""
    now = now or utcnow()
    report = DeliveryReport()
    if not enabled():
        report.skipped_reason = NO_TOKEN
        return report
    max_attempts = int(current_app.config.get("MAIL_MAX_ATTEMPTS") or 8)
    ids = due_ids(now, TELEGRAM, limit)
    db.session.commit()
    for message_id in ids:
        message = lock_due(message_id, now, TELEGRAM)
        if message is None:
            db.session.commit()
            continue
        try:
            send_message(message.to_address, message.text_body)
        except TelegramUnreachable as exc:
            record_failure(message, exc, now, report, max_attempts)
            db.session.commit()
            break  # Telegram is out of reach: the others wait for the next run, uncharged
        except TelegramAnswerLost as exc:
            _fail(message, ANSWER_LOST + str(exc), report)
            db.session.commit()
            log.warning("outbox message %s: Telegram's answer was lost; not retried", message.id)
        except TelegramError as exc:
            if exc.error_code == 429:
                wait = timedelta(seconds=max(1, exc.retry_after or 1))
                _pause_all(now + wait, f"429 rate limited: waiting {wait.seconds}s")
                report.retried += 1
                db.session.commit()
                log.info("Telegram asked to wait %s s", wait.seconds)
                break
            if exc.error_code in (401, 404):  # the token is wrong or revoked: nothing can go
                record_failure(message, exc, now, report, max_attempts)
                db.session.commit()
                log.warning("Telegram refuses the bot token (%s): check "
                            "QUICKWIN_TELEGRAM_BOT_TOKEN", exc.error_code)
                break
            if _permanent(exc):
                _fail(message, BLOCKED + str(exc), report)
                report.failed += _fail_chat(message.to_address, BLOCKED + str(exc))
                person = message.to_user or _user_of_chat(int(message.to_address))
                if person is not None and person.telegram_chat_id == int(message.to_address):
                    unlink(person, now, blocked=True)
            elif exc.error_code >= 500:
                record_failure(message, exc, now, report, max_attempts)
            else:  # another refusal of this message (400 bad request): retrying cannot help
                _fail(message, str(exc), report)
            db.session.commit()
        else:
            message.status = OutboxStatus.SENT.value
            message.sent_at = now
            message.attempts += 1
            db.session.commit()
            report.sent += 1
    if ids:
        log.info("Telegram delivery: %s", report)
    return report
