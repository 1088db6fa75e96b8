"""A partner's consumer on loopback receives each event once, checks its signature, and catches up after an outage."""

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from core import users
from core.pgcluster import free_port
from dispatch import egress, outbox, webhooks
from dispatch import service as reports
from dispatch.models import Report, ReportEvent
from dispatch.schemas import ReportCreate
from dispatch.worker import drain
from tests.conftest import BELLECOUR, VILLEURBANNE_TOWN_HALL, LiveServer

VILLEURBANNE = "69266"
# These consumers listen on loopback, which webhooks refuse unless the operator allows it: allowed here.
LOOPBACK = egress.parse_networks("127.0.0.0/8")


class Consumer:
    """A partner's endpoint: verifies each delivery like a partner would, with nothing but hmac and the secret."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.port = free_port()
        self.received: list[dict[str, Any]] = []
        self.rejected: list[str] = []
        self.server: ThreadingHTTPServer | None = None

    def start(self) -> None:
        consumer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                stamp = self.headers["X-RueCommune-Timestamp"]
                expected = "sha256=" + hmac.new(consumer.secret.encode(), f"{stamp}.".encode() + body,
                                                hashlib.sha256).hexdigest()
                fresh = abs(time.time() - int(stamp)) < 300
                if not (hmac.compare_digest(expected, self.headers["X-RueCommune-Signature"]) and fresh):
                    consumer.rejected.append(self.headers["X-RueCommune-Delivery"])
                    self.send_response(401)
                else:
                    event = json.loads(body)
                    assert event["id"] == self.headers["X-RueCommune-Delivery"]
                    assert event["type"] == self.headers["X-RueCommune-Event"]
                    consumer.received.append(event)
                    self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/ruecommune"


@pytest.fixture
def factory(live_server: LiveServer) -> Iterator[sessionmaker[Session]]:
    yield sessionmaker(bind=live_server.engine, expire_on_commit=False)
    with Session(live_server.engine) as session:  # leave no subscription for later tests
        session.execute(text("UPDATE webhook_subscriptions SET active = false"))
        session.commit()


def change_state(session: Session, ref: str, to_state: str) -> None:
    """A change of state as the workflow records it: the ticket moves, a line of history says so."""
    report = session.scalars(select(Report).where(Report.ref == ref).with_for_update()).one()
    session.add(ReportEvent(report_id=report.id, action="transition", actor_kind="staff", from_state=report.state,
                            to_state=to_state))
    report.state = to_state
    session.flush()


def deliver_all(factory: sessionmaker[Session], *, later: timedelta | None = None) -> None:
    """Run the worker over webhook messages (as if `later` had passed, for retries)."""
    handlers = {webhooks.KIND: partial(webhooks.deliver, allowed=LOOPBACK)}
    if later is None:
        drain(factory=factory, handlers=handlers)
        return
    with factory() as session:
        clock = session.execute(select(text("clock_timestamp()"))).scalar_one()
    for _ in range(50):
        with factory() as session:
            row = outbox.deliver_one(session=session, handlers=handlers, now=clock + later)
            session.commit()
        if row is None:
            return


def test_each_event_once_signed_and_after_an_outage(factory: sessionmaker[Session]) -> None:
    consumer_secret = "whsec_test_partner_secret"
    consumer = Consumer(consumer_secret)
    consumer.start()
    with factory() as session:
        webhooks.create(session=session, name="Villeurbanne SIG", url=consumer.url, commune_code=VILLEURBANNE,
                        secret=consumer_secret, allowed=LOOPBACK)
        ours = reports.create(session=session, data=ReportCreate(lat=VILLEURBANNE_TOWN_HALL[0],
                              lon=VILLEURBANNE_TOWN_HALL[1], category="graffiti")).ref
        theirs = reports.create(session=session, data=ReportCreate(lat=BELLECOUR[0], lon=BELLECOUR[1],
                                category="graffiti")).ref  # in Lyon: not for this subscriber
        session.commit()
    with factory() as session:
        change_state(session, ours, "in_progress")
        session.rollback()  # a change that never happened sends nothing
    deliver_all(factory)
    assert [(e["type"], e["ticket"]["ref"]) for e in consumer.received] == [("ticket.created", ours)]

    consumer.stop()  # the partner is down for a while
    with factory() as session:
        change_state(session, ours, "in_progress")
        change_state(session, theirs, "in_progress")
        change_state(session, ours, "resolved")
        session.commit()
    deliver_all(factory)
    with factory() as session:
        waiting = outbox.pending(session=session, kind=webhooks.KIND)
        assert len(waiting) == 3 and all(m.attempts == 1 and m.last_error for m in waiting)
    deliver_all(factory, later=timedelta(minutes=1))  # still down at the first retry
    consumer.start()  # back, on the same address
    deliver_all(factory)  # backoff: not due yet, nothing is sent early
    assert len(consumer.received) == 1
    deliver_all(factory, later=timedelta(hours=2))
    deliver_all(factory, later=timedelta(hours=2))  # nothing twice
    consumer.stop()

    got = [(e["type"], e["ticket"]["ref"], e["from_state"], e["to_state"]) for e in consumer.received]
    assert got == [("ticket.created", ours, None, "new"), ("ticket.state_changed", ours, "new", "in_progress"),
                   ("ticket.state_changed", ours, "in_progress", "resolved"), ("ticket.resolved", ours, "in_progress",
                                                                                "resolved")]
    assert len({e["id"] for e in consumer.received}) == 4 and consumer.rejected == []
    resolved = consumer.received[-1]["ticket"]
    assert resolved["status"] == "closed" and resolved["commune_code"] == VILLEURBANNE
    assert not {"email", "phone", "name", "resident", "device_id"} & set(resolved)
    with factory() as session:
        assert outbox.pending(session=session, kind=webhooks.KIND) == []


def test_a_wrong_secret_is_caught_by_the_consumer(factory: sessionmaker[Session]) -> None:
    consumer = Consumer("the secret the partner thinks it has")
    consumer.start()
    with factory() as session:
        webhooks.create(session=session, name="Misconfigured", url=consumer.url, service_code="proprete",
                        events=["ticket.created"], secret="another secret", allowed=LOOPBACK)
        reports.create(session=session, data=ReportCreate(lat=BELLECOUR[0], lon=BELLECOUR[1],
                                                          category="overflowing_bin"))
        session.commit()
    deliver_all(factory)
    consumer.stop()
    assert consumer.received == [] and len(consumer.rejected) == 1
    with factory() as session:
        (waiting,) = outbox.pending(session=session, kind=webhooks.KIND)
        assert "401" in (waiting.last_error or "")
        session.execute(text("UPDATE outbox SET status = 'dead' WHERE id = :id"), {"id": waiting.id})
        session.commit()


def test_partner_subscribes_within_its_scope(client: TestClient, session: Session) -> None:
    # A partner on its own network (TEST-NET-2 stands for it: no byte is sent there, nothing is delivered).
    client.app.state.settings = client.app.state.settings.model_copy(
        update={"webhook_allowed_networks": "198.51.100.0/24"})
    _key, clear = users.create_api_key(session=session, name="Villeurbanne SIG", role="partner",
                                       commune_code=VILLEURBANNE)
    session.commit()
    headers = {"X-API-Key": clear}
    refused = client.post("/api/v1/webhooks", headers=headers,
                          json={"name": "Lyon too", "url": "https://198.51.100.7/hook", "commune_code": "69123"})
    assert refused.status_code == 403
    made = client.post("/api/v1/webhooks", headers=headers,
                       json={"name": "Our commune", "url": "https://198.51.100.7/hook",
                             "events": ["ticket.resolved"]})
    assert made.status_code == 201, made.text
    assert made.json()["commune_code"] == VILLEURBANNE and made.json()["secret"].startswith("whsec_")
    listed = client.get("/api/v1/webhooks", headers=headers).json()
    assert [s["id"] for s in listed] == [made.json()["id"]] and "secret" not in listed[0]
    assert client.post("/api/v1/webhooks", headers=headers, json={
        "name": "x", "url": "ftp://nope.example/x"}).status_code == 422
    assert client.post("/api/v1/webhooks", headers=headers, json={
        "name": "x", "url": "https://198.51.100.7/x", "events": ["ticket.deleted"]}).status_code == 422
    assert client.get("/api/v1/webhooks").status_code == 401
    assert client.delete(f"/api/v1/webhooks/{made.json()['id']}", headers=headers).status_code == 204
    assert client.get("/api/v1/webhooks", headers=headers).json() == []
