"""A real Telegram Bot API stand-in on 127.0.0.1 (stdlib ``ThreadingHTTPServer`` in a thread).

It answers ``/bot<token>/<method>`` for the methods the app uses (``getMe``, ``sendMessage``,
``getUpdates`` with offsets, ``setWebhook``) in Telegram's JSON envelope, records every call, and
can be told to fail: ``answers`` is a queue of what the next ``sendMessage`` calls get (an error
envelope, a bare HTTP status, or ``LOST``: the request is read and recorded, then the connection
is closed without an answer); ``stop()``/``start()`` take it down and bring it back on the same
port. The app under test is configured to use it (``app_config``).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

TOKEN = "123456789:AAE-test_token-BalikpapanSecret"
BOT = "BalikpapanQuickWinBot"
SECRET = "webhook-secret-0123456789abcdef"
LOST = "lost"
NOW = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)  # Monday 09:00 in Balikpapan


@dataclass
class Call:
    method: str
    payload: dict[str, Any]


@dataclass
class FakeBotAPI:
    answers: list[Any] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    port: int = 0
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def sent(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """The ``sendMessage`` payloads received (to ``chat_id``), in order."""
        return [c.payload for c in self.calls if c.method == "sendMessage"
                and (chat_id is None or c.payload.get("chat_id") == chat_id)]

    def answer(self, method: str, payload: dict[str, Any]) -> Any:
        if method == "getMe":
            return {"ok": True, "result": {"id": 123456789, "is_bot": True, "username": BOT}}
        if method == "setWebhook":
            return {"ok": True, "result": True, "description": "Webhook was set"}
        if method == "getUpdates":
            offset = payload.get("offset")
            return {"ok": True, "result": [u for u in self.updates
                                           if offset is None or u["update_id"] >= offset]}
        if method == "sendMessage":
            if self.answers:
                return self.answers.pop(0)
            return {"ok": True, "result": {"message_id": len(self.calls), "date": 0,
                                           "chat": {"id": payload["chat_id"], "type": "private"},
                                           "text": payload.get("text", "")}}
        return {"ok": False, "error_code": 404, "description": "Not Found: method not found"}

    def start(self) -> None:
        bot = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (the stdlib's hook name)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                prefix = f"/bot{TOKEN}/"
                if not self.path.startswith(prefix):
                    return self._reply(401, {"ok": False, "error_code": 401,
                                             "description": "Unauthorized"})
                method = self.path[len(prefix):]
                payload = json.loads(body or b"{}")
                bot.calls.append(Call(method, payload))
                answer = bot.answer(method, payload)
                if answer == LOST:
                    self.close_connection = True
                    return None
                if isinstance(answer, int):
                    return self._reply(answer, None)
                return self._reply(200 if answer.get("ok") else answer["error_code"], answer)

            def _reply(self, status: int, body: Any) -> None:
                data = json.dumps(body).encode() if body is not None else b"<html>Bad Gateway"
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


@pytest.fixture
def bot() -> Iterator[FakeBotAPI]:
    server = FakeBotAPI()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def app_config(bot):
    return {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_BOT_USERNAME": BOT,
            "TELEGRAM_API_URL": bot.url, "TELEGRAM_TIMEOUT": 2,
            "TELEGRAM_WEBHOOK_SECRET": SECRET, "BASE_URL": "https://qw.test"}


def start_update(update_id: int, chat_id: int, text: str, language: str = "id") -> dict:
    """A private-chat message update as Telegram sends it."""
    return {"update_id": update_id, "message": {
        "message_id": update_id, "date": 0, "text": text,
        "from": {"id": chat_id, "is_bot": False, "first_name": "Budi", "language_code": language},
        "chat": {"id": chat_id, "type": "private", "first_name": "Budi"}}}
