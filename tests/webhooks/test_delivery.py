"""Issue 15: events queued in the transaction of the change, delivered signed to a real HTTP
receiver, once each, in order per initiative, retried with backoff, and an endpoint that keeps
failing disabled with its owner told once."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from standardwebhooks import Webhook, WebhookVerificationError

from quickwin_tracker.board.moves import move_initiative
from quickwin_tracker.comments.services import add_comment
from quickwin_tracker.domain import activity
from quickwin_tracker.domain.clock import local_today, utcnow
from quickwin_tracker.domain.errors import Invalid
from quickwin_tracker.domain.retries import BACKOFF, backoff
from quickwin_tracker.extensions import db
from quickwin_tracker.initiatives.services import (
    InitiativeData,
    archive_initiative,
    create_initiative,
)
from quickwin_tracker.models import (
    Milestone,
    Notification,
    OutboxMessage,
    WebhookDelivery,
    WebhookEndpoint,
)
from quickwin_tracker.reminders.jobs import send_milestone_reminders
from quickwin_tracker.scheduler.jobs import run_job
from quickwin_tracker.web.actions import user_action
from quickwin_tracker.webhooks import services
from quickwin_tracker.webhooks.delivery import deliver_webhooks
from quickwin_tracker.webhooks.events import VERB_EVENTS


def deliveries(**where) -> list[WebhookDelivery]:
    stmt = sa.select(WebhookDelivery).order_by(WebhookDelivery.id)
    for key, value in where.items():
        stmt = stmt.where(getattr(WebhookDelivery, key) == value)
    return list(db.session.scalars(stmt))


def new_initiative(team, dimensions, title="Antrean online puskesmas"):
    initiative = create_initiative(team.staff, InitiativeData(
        title=title, benefit="Warga tidak antre sejak subuh.", description="",
        dimension=dimensions["living"], unit=team.unit, owner=team.staff,
        target_date=date(2027, 3, 1)))
    db.session.commit()
    return initiative


def verified(endpoint: WebhookEndpoint, request) -> dict:
    """The payload, after checking its signature as a receiver does."""
    return Webhook(endpoint.secret).verify(request.body, request.headers)


def test_an_event_arrives_signed_with_the_state_at_event_time(app, team, dimensions, receiver,
                                                              make_endpoint):
    endpoint = make_endpoint(receiver.url)
    initiative = new_initiative(team, dimensions)
    (delivery,) = deliveries()
    assert delivery.event_type == "initiative.created" and delivery.initiative_id == initiative.id

    report = deliver_webhooks()
    assert report.sent == 1
    (request,) = receiver.received
    payload = verified(endpoint, request)
    assert request.headers["webhook-id"] == delivery.event_id
    assert request.headers["content-type"] == "application/json"
    assert payload["type"] == "initiative.created"
    data = payload["data"]
    assert data["initiative"]["id"] == initiative.id
    assert data["initiative"]["title"] == "Antrean online puskesmas"
    assert data["initiative"]["unit"] == {"code": "DINKES", "name": "Dinas Kesehatan"}
    assert data["initiative"]["dimension"]["code"] == "living"
    assert data["initiative"]["stage"]["code"] == "proposed"
    assert data["initiative"]["status"] in ("on_track", "at_risk", "off_track", "done")
    assert data["initiative"]["url"] == f"https://qw.test/initiatives/{initiative.id}"
    assert data["actor"] == {"id": team.staff.id, "name": team.staff.name}
    assert data["change"]["stage"] == "proposed"

    # The title changes later: the queued payload still tells the state when it happened.
    delivery = db.session.get(WebhookDelivery, delivery.id)
    assert delivery.status == "sent" and delivery.response_code == 204 and delivery.attempts == 1
    assert db.session.get(WebhookEndpoint, endpoint.id).last_success_at is not None

    # Someone without the secret cannot pass a forged body off as ours.
    with pytest.raises(WebhookVerificationError):
        Webhook(endpoint.secret).verify(request.body.replace(b"Antrean", b"Antrian"),
                                        request.headers)


def test_every_mapped_verb_queues_its_event_type(app, team, make_initiative, make_endpoint):
    endpoint = make_endpoint("https://hooks.example.org/x")
    initiative = make_initiative(unit=team.unit)
    for verb in VERB_EVENTS:
        activity.record(team.admin, verb, initiative, note="x")
    activity.record(team.admin, "reordered", initiative)  # not an event
    db.session.commit()
    assert [d.event_type for d in deliveries(endpoint_id=endpoint.id)] == list(VERB_EVENTS.values())


def test_a_failed_user_action_queues_nothing(app, team, dimensions, make_endpoint, auth, client,
                                             stages):
    make_endpoint("https://hooks.example.org/x")
    with user_action(report=False) as action:
        create_initiative(team.staff, InitiativeData(
            title="Half done", benefit="b", description="", dimension=dimensions["living"],
            unit=team.unit, owner=team.staff, target_date=date(2027, 3, 1)))
        raise Invalid("refused after the trail entry was written")
    assert not action.done
    assert deliveries() == []

    # Through the web: a move with a stale version is refused (409) and sends nothing.
    initiative = new_initiative(team, dimensions)
    before = len(deliveries())
    auth.sign_in(team.manager)
    response = client.post(f"/board/cards/{initiative.id}/move",
                           data={"stage": "approved", "after": "top", "version": 999})
    assert response.status_code in (409, 422)
    assert len(deliveries()) == before


def test_unsubscribed_types_and_disabled_endpoints_queue_nothing(app, team, dimensions,
                                                                 make_endpoint):
    moves_only = make_endpoint("https://hooks.example.org/moves", events=["initiative.moved"])
    off = make_endpoint("https://hooks.example.org/off")
    services.set_active(team.admin, off, False)
    db.session.commit()
    new_initiative(team, dimensions)
    assert deliveries() == []
    assert moves_only.active and not off.active


def test_a_receiver_down_then_up_gets_each_event_once_in_order(app, team, dimensions, stages,
                                                               receiver, make_endpoint):
    endpoint = make_endpoint(receiver.url)
    stages["approved"].gates = []  # this test is about order, not the stage's checks
    db.session.commit()
    receiver.stop()
    first = new_initiative(team, dimensions, "Pertama")
    second = new_initiative(team, dimensions, "Kedua")
    move_initiative(team.manager, first, stages["approved"], None, first.version)
    db.session.commit()
    archive_initiative(team.manager, first)
    db.session.commit()
    queued = deliveries()
    assert [(d.initiative_id, d.event_type) for d in queued] == [
        (first.id, "initiative.created"), (second.id, "initiative.created"),
        (first.id, "initiative.moved"), (first.id, "initiative.archived")]

    t0 = utcnow()
    report = deliver_webhooks(now=t0)
    # Only the oldest of each initiative was tried: the later ones wait behind it.
    assert (report.sent, report.retried) == (0, 2)
    tried = {d.id: d.attempts for d in deliveries()}
    assert list(tried.values()) == [1, 1, 0, 0]
    assert deliveries()[0].next_attempt_at == t0 + timedelta(minutes=1)
    assert "ConnectError" in deliveries()[0].last_error
    assert deliver_webhooks(now=t0 + timedelta(seconds=30)).retried == 0  # not due yet
    assert deliver_webhooks(now=t0 + timedelta(minutes=1)).retried == 2
    assert deliveries()[0].next_attempt_at == t0 + timedelta(minutes=1) + timedelta(minutes=5)
    assert db.session.get(WebhookEndpoint, endpoint.id).failing_since == t0

    receiver.start()  # back, on the same port
    report = deliver_webhooks(now=t0 + timedelta(minutes=6))
    assert report.sent == 4
    assert deliver_webhooks(now=t0 + timedelta(hours=1)).sent == 0
    ids = [r.headers["webhook-id"] for r in receiver.received]
    assert len(ids) == len(set(ids)) == 4
    assert sorted(ids) == sorted(d.event_id for d in queued)
    events = [(verified(endpoint, r)["data"]["initiative"]["id"], verified(endpoint, r)["type"])
              for r in receiver.received]
    assert [e for e in events if e[0] == first.id] == [
        (first.id, "initiative.created"), (first.id, "initiative.moved"),
        (first.id, "initiative.archived")]
    assert db.session.get(WebhookEndpoint, endpoint.id).failing_since is None


def test_backoff_then_failed_after_the_last_attempt(app, team, dimensions, receiver,
                                                    make_endpoint):
    assert [backoff(n) for n in range(1, 8)] == [*BACKOFF, timedelta(hours=12),
                                                 timedelta(hours=12)]
    assert [int(b.total_seconds() // 60) for b in BACKOFF] == [1, 5, 15, 60, 240]
    app.config["WEBHOOK_MAX_ATTEMPTS"] = 4
    receiver.status = 500
    make_endpoint(receiver.url)
    new_initiative(team, dimensions)
    now = utcnow()
    waits = []
    for _attempt in range(4):
        deliver_webhooks(now=now)
        (delivery,) = deliveries()
        if delivery.status == "queued":
            waits.append(delivery.next_attempt_at - now)
            now = delivery.next_attempt_at
    assert waits == list(BACKOFF[:3])
    assert delivery.status == "failed" and delivery.attempts == 4
    assert delivery.response_code == 500 and delivery.last_error.startswith("HTTP 500")
    assert len(receiver.received) == 4
    # The same event each time: one id, one body.
    assert len({r.headers["webhook-id"] for r in receiver.received}) == 1
    assert len({r.body for r in receiver.received}) == 1


def test_an_endpoint_failing_for_days_is_disabled_and_its_owner_told_once(
        app, team, dimensions, receiver, make_endpoint):
    receiver.status = 503
    endpoint = make_endpoint(receiver.url)
    new_initiative(team, dimensions)
    now = start = utcnow()
    for _ in range(40):
        deliver_webhooks(now=now)
        endpoint = db.session.get(WebhookEndpoint, endpoint.id)
        if not endpoint.active:
            break
        (delivery,) = deliveries()
        now = delivery.next_attempt_at
    assert not endpoint.active and endpoint.disabled_reason == "failing"
    assert endpoint.disabled_at - start >= timedelta(days=3)
    assert endpoint.disabled_at - start < timedelta(days=3, hours=13)
    (delivery,) = deliveries()
    assert delivery.status == "queued"  # it waits for the endpoint to come back

    def told():
        notes = db.session.scalars(sa.select(Notification).where(
            Notification.kind == "webhook_disabled")).all()
        mails = db.session.scalars(sa.select(OutboxMessage).where(
            OutboxMessage.kind == "webhook_disabled")).all()
        return notes, mails

    notes, mails = told()
    assert [(n.user_id, n.webhook_endpoint_id) for n in notes] == [(team.admin.id, endpoint.id)]
    assert [m.to_address for m in mails] == [team.admin.email]
    assert endpoint.url in mails[0].text_body

    # Nothing more is tried, nobody is told again, new events are not queued for it.
    later = now + timedelta(days=2)
    assert deliver_webhooks(now=later).as_dict() == {"sent": 0, "retried": 0, "failed": 0,
                                                     "disabled": 0}
    new_initiative(team, dimensions, "Lagi")
    assert len(deliveries()) == 1
    assert [len(x) for x in told()] == [1, 1]

    # Enabled again, with the receiver fixed: the waiting event goes out.
    receiver.status = 200
    services.set_active(team.admin, endpoint, True, now=later)
    db.session.commit()
    assert deliver_webhooks(now=later).sent == 1
    assert db.session.get(WebhookEndpoint, endpoint.id).failing_since is None


def test_send_again_sends_the_same_event_with_the_same_id(app, team, dimensions, receiver,
                                                          make_endpoint, auth, client):
    endpoint = make_endpoint(receiver.url)
    new_initiative(team, dimensions)
    deliver_webhooks()
    (delivery,) = deliveries()
    auth.sign_in(team.admin)
    response = client.post(f"/admin/webhooks/deliveries/{delivery.id}/send-again")
    assert response.status_code == 303
    assert response.location.endswith(f"/admin/webhooks/{endpoint.id}")
    assert db.session.get(WebhookDelivery, delivery.id).status == "queued"
    assert deliver_webhooks().sent == 1
    first, again = receiver.received
    assert first.headers["webhook-id"] == again.headers["webhook-id"] == delivery.event_id
    assert first.body == again.body
    verified(endpoint, again)


def test_a_comment_event_carries_its_text(app, team, make_initiative, make_endpoint, receiver):
    endpoint = make_endpoint(receiver.url, events=["comment.added"])
    initiative = make_initiative(unit=team.unit)
    add_comment(team.staff, initiative, "Sudah diuji di Puskesmas Klandasan.")
    db.session.commit()
    deliver_webhooks()
    (request,) = receiver.received
    payload = verified(endpoint, request)
    assert payload["type"] == "comment.added"
    assert payload["data"]["change"]["body"] == "Sudah diuji di Puskesmas Klandasan."


def test_milestone_overdue_is_sent_once_per_milestone(app, team, make_initiative, make_endpoint,
                                                      receiver):
    endpoint = make_endpoint(receiver.url, events=["milestone.overdue"])
    initiative = make_initiative(unit=team.unit)
    now = utcnow()
    today = local_today(now)
    db.session.add_all([
        Milestone(initiative=initiative, title="Survei lokasi", due_date=today - timedelta(days=2)),
        Milestone(initiative=initiative, title="Belum", due_date=today + timedelta(days=2)),
        Milestone(initiative=initiative, title="Selesai", due_date=today - timedelta(days=9),
                  done_on=today - timedelta(days=9)),
    ])
    db.session.commit()
    assert send_milestone_reminders(now)["overdue_events"] == 1
    db.session.commit()
    assert send_milestone_reminders(now + timedelta(days=1))["overdue_events"] == 0
    db.session.commit()
    deliver_webhooks()
    (request,) = receiver.received
    change = verified(endpoint, request)["data"]["change"]
    assert change["title"] == "Survei lokasi" and change["days_overdue"] == 2


def test_the_scheduler_job_and_the_command_deliver(app, team, dimensions, receiver,
                                                   make_endpoint, runner):
    make_endpoint(receiver.url)
    new_initiative(team, dimensions)
    outcome = run_job(app, "webhook_delivery")
    assert outcome.status == "done" and outcome.result["sent"] == 1
    new_initiative(team, dimensions, "Kedua")
    result = runner.invoke(args=["webhooks", "deliver"])
    assert result.exit_code == 0, result.output
    assert "delivered 1" in result.output
    assert len(receiver.received) == 2


def test_two_workers_at_once_send_each_event_once_and_in_order(app, backend, team, dimensions,
                                                              stages, receiver, make_endpoint):
    """Several scheduler processes (or a CLI run beside the scheduler): row locks with SKIP
    LOCKED and the order check under the lock (PostgreSQL; SQLite has one writer at a time)."""
    if backend != "postgresql":
        pytest.skip("row locks are PostgreSQL's")
    import threading

    endpoint = make_endpoint(receiver.url)
    receiver.delay = 0.15  # long enough for the two workers to overlap
    stages["approved"].gates = []
    db.session.commit()
    initiatives = [new_initiative(team, dimensions, f"Inisiatif {n}") for n in range(3)]
    for initiative in initiatives:
        move_initiative(team.manager, initiative, stages["approved"], None, initiative.version)
        db.session.commit()
        archive_initiative(team.manager, initiative)
        db.session.commit()
    queued = deliveries()
    assert len(queued) == 9

    def worker():
        with app.app_context():
            deliver_webhooks()
            db.session.remove()

    for _round in range(6):
        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        db.session.expire_all()
        if all(d.status == "sent" for d in deliveries()):
            break
    assert all(d.status == "sent" and d.attempts == 1 for d in deliveries())
    ids = [r.headers["webhook-id"] for r in receiver.received]
    assert len(ids) == len(set(ids)) == 9  # each once
    arrived = [verified(endpoint, r) for r in receiver.received]
    for initiative in initiatives:
        mine = [p["type"] for p in arrived if p["data"]["initiative"]["id"] == initiative.id]
        assert mine == ["initiative.created", "initiative.moved", "initiative.archived"]


def test_an_import_announces_each_new_initiative(app, team, make_endpoint, receiver):
    """Imports write their trail in one INSERT; the listeners still hear of each row."""
    from quickwin_tracker.transfer.imports.applying import import_initiatives
    from quickwin_tracker.transfer.imports.planning import plan_import

    make_endpoint(receiver.url, events=["initiative.created"])
    csv = (b"Judul,Manfaat,Dimensi,OPD\n"
           b"Antrean online,Warga tidak antre,living,DINKES\n"
           b"Parkir digital,Parkir tertib,living,DINKES\n")
    plan = plan_import(team.admin, csv, "impor.csv")
    assert plan.ready, plan
    ids = import_initiatives(team.admin, plan)
    db.session.commit()
    assert deliver_webhooks().sent == 2
    created = [r.json["data"] for r in receiver.received]
    assert [d["initiative"]["id"] for d in created] == ids
    assert {d["change"]["file"] for d in created} == {"impor.csv"}


def test_one_broken_delivery_does_not_stop_the_others(app, team, dimensions, receiver,
                                                      make_endpoint, monkeypatch):
    from quickwin_tracker.webhooks import network

    make_endpoint("https://broken.example.org/hook")
    make_endpoint(receiver.url)
    real_post = network.post

    def post(http, url, *args, **kwargs):
        if "broken" in url:
            raise RuntimeError("something nobody expected")
        return real_post(http, url, *args, **kwargs)

    monkeypatch.setattr(network, "post", post)
    new_initiative(team, dimensions)
    report = deliver_webhooks()
    assert (report.sent, report.retried) == (1, 1)
    broken, fine = deliveries()
    assert broken.status == "queued" and "something nobody expected" in broken.last_error
    assert fine.status == "sent" and len(receiver.received) == 1
