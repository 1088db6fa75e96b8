"""Webhooks cannot be aimed inside (issue 14, finding 7): a real server on loopback receives nothing unless allowed.

Only loopback servers are ever contacted here: every other address in these tests is refused before a
socket is opened, which is the point.
"""

import ipaddress
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from core import users
from core.pgcluster import free_port
from core.settings import get_settings
from dispatch import egress, outbox, webhooks, worker
from dispatch import service as reports
from dispatch.schemas import ReportCreate
from tests.conftest import VILLEURBANNE_TOWN_HALL, LiveServer

LOOPBACK = egress.parse_networks("127.0.0.0/8")
INSIDE = [
    "http://127.0.0.1:{port}/hook", "http://localhost:{port}/hook", "http://127.1:{port}/hook",
    "http://2130706433:{port}/hook", "http://0177.0.0.1:{port}/hook", "http://0x7f000001:{port}/hook",
    "http://0x7f.0.0.1:{port}/hook", "http://[::1]:{port}/hook", "http://[::ffff:127.0.0.1]:{port}/hook",
    "http://[0:0:0:0:0:ffff:7f00:1]:{port}/hook", "http://0.0.0.0:{port}/hook", "http://[::]:{port}/hook",
    "http://169.254.169.254/latest/meta-data/", "http://[fe80::1]/hook", "http://10.0.0.1/hook",
    "http://172.16.0.1/hook", "http://192.168.1.1/hook", "http://100.64.0.1/hook", "http://[fc00::1]/hook",
    "http://[fd12:3456::1]/hook", "http://[64:ff9b::7f00:1]/hook", "http://[2002:7f00:1::]/hook",
    "http://224.0.0.1/hook", "http://198.51.100.7/hook", "https://user:pass@8.8.8.8/hook",
    "http://8.8.8.8:99999/hook", "ftp://8.8.8.8/hook", "http://nowhere.invalid/hook",
]


class Recorder:
    """A loopback HTTP server that records every request and answers `status` (with `headers`)."""

    def __init__(self, host: str = "127.0.0.1", status: int = 204, headers: dict[str, str] | None = None,
                 port: int | None = None) -> None:
        self.requests: list[dict[str, Any]] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                recorder.requests.append({"path": self.path, "host": self.headers["Host"]})
                self.send_response(status)
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_POST  # noqa: N815 (a followed redirect would arrive as a GET)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer((host, port or free_port()), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}/hook"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    server = Recorder()
    yield server
    server.close()


@pytest.fixture
def factory(live_server: LiveServer) -> Iterator[sessionmaker[Session]]:
    yield sessionmaker(bind=live_server.engine, expire_on_commit=False)
    with Session(live_server.engine) as session:  # leave nothing for later tests
        session.execute(text("UPDATE webhook_subscriptions SET active = false"))
        session.execute(text("UPDATE outbox SET status = 'dead' WHERE kind = 'webhook' AND status = 'pending'"))
        session.commit()


def subscribe_behind_the_check(factory: sessionmaker[Session], url: str) -> int:
    """A subscription whose name led somewhere public when it was made, and leads inside now (rebinding)."""
    with factory() as session:
        subscription = webhooks.WebhookSubscription(name="Rebound", url=url, secret="whsec_x", active=True,
                                                    commune_code="69266", events=list(webhooks.EVENTS))
        session.add(subscription)
        session.flush()
        reports.create(session=session, data=ReportCreate(lat=VILLEURBANNE_TOWN_HALL[0],
                                                          lon=VILLEURBANNE_TOWN_HALL[1], category="graffiti"))
        session.commit()
        return subscription.id


def webhook_rows(factory: sessionmaker[Session], subscription_id: int) -> list[outbox.OutboxMessage]:
    with factory() as session:
        rows = session.scalars(select(outbox.OutboxMessage).where(outbox.OutboxMessage.kind == webhooks.KIND)).all()
        return [r for r in rows if r.payload["subscription_id"] == subscription_id]


def drain_due_webhooks(factory: sessionmaker[Session], handlers: dict[str, outbox.Handler]) -> None:
    """Deliver every pending webhook message as if its retry time had come."""
    with factory() as session:
        session.execute(text("UPDATE outbox SET next_attempt_at = now() WHERE kind = 'webhook' AND status = 'pending'"))
        session.commit()
    worker.drain(factory=factory, handlers=handlers)


def test_every_spelling_of_an_inside_address_is_refused_at_subscription(client: TestClient, session: Session,
                                                                        recorder: Recorder) -> None:
    _key, clear = users.create_api_key(session=session, name="SIG", role="partner", commune_code="69266")
    session.commit()
    for template in INSIDE:
        url = template.format(port=recorder.port)
        refused = client.post("/api/v1/webhooks", headers={"X-API-Key": clear}, json={"name": "x", "url": url})
        assert refused.status_code == 422, (url, refused.text)
        assert refused.json()["code"] == "webhook.invalid_subscription", url
    assert recorder.requests == []
    # The operator allows loopback (a partner on this host): now it is accepted.
    client.app.state.settings = client.app.state.settings.model_copy(update={"webhook_allowed_networks": "127.0.0.0/8"})
    made = client.post("/api/v1/webhooks", headers={"X-API-Key": clear}, json={"name": "x", "url": recorder.url()})
    assert made.status_code == 201, made.text


def test_a_loopback_server_receives_nothing_unless_its_network_is_allowed(
        factory: sessionmaker[Session], recorder: Recorder, monkeypatch: pytest.MonkeyPatch) -> None:
    subscription_id = subscribe_behind_the_check(factory, recorder.url())
    worker.drain(factory=factory, handlers=worker.default_handlers())  # the settings: nothing allowed
    assert recorder.requests == []
    (row,) = webhook_rows(factory, subscription_id)
    assert row.status == "pending" and "refused" in (row.last_error or "") and "127.0.0.1" in (row.last_error or "")

    monkeypatch.setenv("RUECOMMUNE_WEBHOOK_ALLOWED_NETWORKS", "127.0.0.0/8")
    get_settings.cache_clear()
    try:
        drain_due_webhooks(factory, worker.default_handlers())
    finally:
        monkeypatch.delenv("RUECOMMUNE_WEBHOOK_ALLOWED_NETWORKS")
        get_settings.cache_clear()
    assert [r["path"] for r in recorder.requests] == ["/hook"]
    assert [r.status for r in webhook_rows(factory, subscription_id)] == ["sent"]


def test_a_redirect_is_never_followed(factory: sessionmaker[Session], recorder: Recorder) -> None:
    bouncer = Recorder(status=307, headers={"Location": recorder.url()})
    try:
        subscription_id = subscribe_behind_the_check(factory, bouncer.url())
        worker.drain(factory=factory, handlers={webhooks.KIND: lambda m: webhooks.deliver(m, allowed=LOOPBACK)})
    finally:
        bouncer.close()
    assert len(bouncer.requests) == 1 and recorder.requests == []
    (row,) = webhook_rows(factory, subscription_id)
    assert row.status == "pending" and "redirects are not followed" in (row.last_error or "")


def test_the_connection_goes_to_the_address_checked_not_to_a_second_lookup(monkeypatch: pytest.MonkeyPatch) -> None:
    checked = Recorder("127.0.0.1")
    rebound = Recorder("127.0.0.2", port=checked.port)  # where a second, rebinding answer would lead
    real = socket.getaddrinfo
    lookups: list[str] = []

    def rebinding_dns(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host != "partner.test":
            return real(host, port, *args, **kwargs)
        lookups.append(host)
        address = "127.0.0.1" if len(lookups) == 1 else "127.0.0.2"  # checked once, then the name moves
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding_dns)
    try:
        status = egress.post(f"http://partner.test:{checked.port}/hook", b"{}", {"Content-Type": "application/json"},
                             allowed=egress.parse_networks("127.0.0.1/32"))
    finally:
        checked.close()
        rebound.close()
    assert status == 204 and lookups == ["partner.test"]
    assert rebound.requests == []
    assert checked.requests == [{"path": "/hook", "host": f"partner.test:{checked.port}"}]


def test_a_name_with_one_inside_record_is_refused_before_any_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    def two_records(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port))
                for address in ("8.8.8.8", "127.0.0.1")]

    def no_connection(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a connection was opened to a refused destination")

    monkeypatch.setattr(socket, "getaddrinfo", two_records)
    monkeypatch.setattr(socket, "create_connection", no_connection)
    with pytest.raises(egress.RefusedDestination):
        egress.post("http://mixed.test/hook", b"{}", {})


@pytest.mark.parametrize("address,public", [
    ("8.8.8.8", True), ("2001:4860:4860::8888", True), ("127.0.0.1", False), ("10.1.2.3", False),
    ("172.31.255.255", False), ("192.168.0.1", False), ("169.254.169.254", False), ("100.64.0.1", False),
    ("0.0.0.0", False), ("255.255.255.255", False), ("224.0.0.1", False), ("192.0.2.1", False),
    ("::1", False), ("::", False), ("::ffff:127.0.0.1", False), ("::ffff:8.8.8.8", False), ("fe80::1", False),
    ("fc00::1", False), ("fd00::1", False), ("64:ff9b::a00:1", False), ("2002:a00:1::", False),
    ("2001:0:4136:e378:8000:63bf:80ff:fffe", False), ("ff02::1", False),
])
def test_public_means_globally_routable(address: str, public: bool) -> None:
    assert egress.is_public(ipaddress.ip_address(address)) is public
