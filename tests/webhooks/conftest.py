"""A real HTTP receiver on 127.0.0.1 (stdlib ``ThreadingHTTPServer`` in a thread) that keeps what
it receives, and endpoints registered through the services."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from quickwin_tracker.extensions import db
from quickwin_tracker.models import User, WebhookEndpoint
from quickwin_tracker.webhooks import services
from quickwin_tracker.webhooks.events import EVENT_TYPES


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict[str, Any]:
        return json.loads(self.body)


@dataclass
class Receiver:
    """``status``: what it answers (an int, or a callable of the request); ``delay``: seconds it
    waits before answering; ``redirect_to``: answers 302 there. ``stop()``/``start()`` take it
    down and bring it back on the same port."""

    status: int | Callable[[Received], int] = 204
    delay: float = 0.0
    redirect_to: str = ""
    received: list[Received] = field(default_factory=list)
    port: int = 0
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (the stdlib's hook name)
                length = int(self.headers.get("Content-Length") or 0)
                request = Received(self.path, {k.lower(): v for k, v in self.headers.items()},
                                   self.rfile.read(length))
                if receiver.delay:
                    time.sleep(receiver.delay)
                receiver.received.append(request)
                status = receiver.status(request) if callable(receiver.status) else receiver.status
                if receiver.redirect_to:
                    status = 302
                self.send_response(status)
                if receiver.redirect_to:
                    self.send_header("Location", receiver.redirect_to)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def events(self) -> list[dict[str, Any]]:
        return [r.json for r in self.received]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def app_config():
    # The receiver listens on 127.0.0.1: this deployment lets admins allow private addresses.
    return {"WEBHOOK_ALLOW_PRIVATE": True, "WEBHOOK_TIMEOUT": 2, "BASE_URL": "https://qw.test"}


@pytest.fixture
def make_endpoint(app, team) -> Callable[..., WebhookEndpoint]:
    def make(url: str, events: list[str] | None = None, allow_private: bool = True,
             owner: User | None = None) -> WebhookEndpoint:
        endpoint = services.create_endpoint(owner or team.admin, url, "Test receiver",
                                            events or list(EVENT_TYPES),
                                            allow_private=allow_private)
        db.session.commit()
        return endpoint

    return make
