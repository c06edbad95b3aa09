"""docs/webhooks.md's receiver, run as written against the app: it verifies the signature and
handles an event sent twice once."""

from __future__ import annotations

import re
import threading
from http.server import ThreadingHTTPServer
from pathlib import Path

import sqlalchemy as sa

from quickwin_tracker.domain import activity
from quickwin_tracker.extensions import db
from quickwin_tracker.models import WebhookDelivery
from quickwin_tracker.webhooks import services
from quickwin_tracker.webhooks.delivery import deliver_webhooks

DOC = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"


def receiver_code() -> str:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), re.S)
    (code,) = [b for b in blocks if "class Receiver" in b]
    return code


def test_the_documented_receiver_verifies_and_drops_duplicates(app, team, make_initiative,
                                                              make_endpoint, monkeypatch):
    server = ThreadingHTTPServer(("127.0.0.1", 0), None)  # a port; the handler comes next
    port = server.server_address[1]
    endpoint = make_endpoint(f"http://127.0.0.1:{port}/")
    monkeypatch.setenv("QUICKWIN_WEBHOOK_SECRET", endpoint.secret)
    namespace: dict = {"__name__": "receiver"}
    exec(compile(receiver_code(), str(DOC), "exec"), namespace)
    handled: list[dict] = []
    namespace["handle"] = handled.append
    server.RequestHandlerClass = namespace["Receiver"]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        initiative = make_initiative(unit=team.unit)
        activity.record(team.staff, "archived", initiative)
        db.session.commit()
        assert deliver_webhooks().sent == 1
        (delivery,) = db.session.scalars(sa.select(WebhookDelivery)).all()
        assert delivery.response_code == 204
        services.send_again(team.admin, delivery)
        db.session.commit()
        assert deliver_webhooks().sent == 1
        assert [e["type"] for e in handled] == ["initiative.archived"]  # once
        # With another secret the receiver refuses (400): the delivery is not counted as sent.
        services.rotate_secret(team.admin, endpoint)
        services.send_again(team.admin, delivery)
        db.session.commit()
        assert deliver_webhooks().retried == 1
        assert db.session.get(WebhookDelivery, delivery.id).response_code == 400
    finally:
        server.shutdown()
        server.server_close()
