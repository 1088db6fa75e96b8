"""A slow partner never delays an email (issue 14, finding 18): webhooks and mail drain on lanes of their own."""

import threading
import time
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from sqlalchemy import delete, update

from core.pgcluster import free_port
from dispatch import egress, mailer, outbox, webhooks, worker
from dispatch.outbox import OutboxMessage

PARTNER_SECONDS = 5.0
LOOPBACK = egress.parse_networks("127.0.0.0/8")


class SlowPartner:
    """A partner endpoint on loopback that takes PARTNER_SECONDS to answer each delivery."""

    def __init__(self) -> None:
        self.started: list[float] = []
        partner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                self.rfile.read(int(self.headers["Content-Length"]))
                partner.started.append(time.monotonic())
                time.sleep(PARTNER_SECONDS)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_an_email_goes_out_while_a_partner_takes_its_time(committed, smtp_server):
    factory, made = committed
    partner = SlowPartner()
    with factory() as s:
        subscription = webhooks.create(session=s, name="Slow SIG", url=partner.url, allowed=LOOPBACK)
        for n in range(3):  # queued first: a single loop would send the email after 3 x 5 s
            made.append(outbox.enqueue(session=s, kind=webhooks.KIND, payload={
                "subscription_id": subscription.id, "event": {"id": f"evt_slow_{n}", "type": "ticket.created"}}))
        made.append(outbox.enqueue(session=s, kind="email", payload={
            "to": "resident@example.org", "subject": "Pendant que le partenaire réfléchit", "text": "Bonjour",
            "lang": "fr"}))
        s.commit()
    handlers = {"email": partial(mailer.send, config=smtp_server.config()),
                webhooks.KIND: partial(webhooks.deliver, allowed=LOOPBACK)}
    stop = threading.Event()
    started = time.monotonic()
    running = threading.Thread(target=worker.run, kwargs={"factory": factory, "handlers": handlers, "stop": stop,
                                                          "poll_seconds": 0.1})
    running.start()
    try:
        while not smtp_server.messages and time.monotonic() - started < 3 * PARTNER_SECONDS + 5:
            time.sleep(0.05)
        arrived = time.monotonic() - started
        assert [m["Subject"] for m in smtp_server.messages] == ["Pendant que le partenaire réfléchit"]
        assert arrived < 2.0, f"the email waited {arrived:.1f} s behind the partner"
        while not partner.started and time.monotonic() - started < 10:
            time.sleep(0.05)
        assert partner.started, "the webhooks were being delivered meanwhile"
    finally:
        stop.set()
        running.join(timeout=3 * PARTNER_SECONDS + 10)
        partner.close()
        with factory() as s:
            s.execute(update(webhooks.WebhookSubscription).where(webhooks.WebhookSubscription.id == subscription.id)
                      .values(active=False))
            s.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(made)))
            s.commit()
    assert not running.is_alive()
    # Each lane claims its own rows: the three deliveries ran side by side, not one after another.
    assert len(partner.started) == 3 and max(partner.started) - min(partner.started) < PARTNER_SECONDS


def test_a_lane_that_crashes_stops_the_worker_with_its_error(committed):
    factory, _made = committed

    def broken_factory():
        raise RuntimeError("database gone")

    try:
        worker.run(factory=broken_factory, handlers={"email": lambda m: None}, once=False, poll_seconds=0.01)
    except RuntimeError as exc:
        assert "database gone" in str(exc)
    else:
        raise AssertionError("the worker went on without its mail lane")
