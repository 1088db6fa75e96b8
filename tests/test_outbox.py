"""The outbox and its worker against a real SMTP server on loopback: nothing lost, nothing sent twice."""

import threading
from datetime import timedelta
from functools import partial

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch import mailer, outbox, worker
from dispatch.outbox import OutboxMessage


def email(to="resident@example.org", subject="Votre signalement", text="Bonjour"):
    return {"to": to, "subject": subject, "text": text, "lang": "fr"}



def test_a_message_arrives_once_with_a_stable_message_id(session, smtp_server):
    handlers = {"email": partial(mailer.send, config=smtp_server.config())}
    outbox.enqueue(session=session, kind="email", payload=email(subject="Signalement résolu"))
    row = outbox.deliver_one(session=session, handlers=handlers)
    assert row is not None and row.status == "sent" and row.attempts == 1
    assert outbox.deliver_one(session=session, handlers=handlers) is None
    assert len(smtp_server.messages) == 1
    received = smtp_server.messages[0]
    assert received["Subject"] == "Signalement résolu"
    assert received["Message-ID"] == f"<outbox-{row.id}@ruecommune.example>"
    assert smtp_server.envelopes[0][1] == ["resident@example.org"]


def test_a_rolled_back_change_sends_nothing(committed, smtp_server):
    factory, made = committed
    with factory() as s:
        outbox.enqueue(session=s, kind="email", payload=email(subject="rolled back"))
        s.rollback()
    with factory() as s:
        made.append(outbox.enqueue(session=s, kind="email", payload=email(subject="committed")))
        s.commit()
    tally = worker.drain(factory=factory, handlers={"email": partial(mailer.send, config=smtp_server.config())})
    assert tally.sent == 1
    assert [m["Subject"] for m in smtp_server.messages] == ["committed"]


def test_smtp_outage_loses_nothing_and_the_message_arrives_once(committed, smtp_server):
    factory, made = committed
    handlers = {"email": partial(mailer.send, config=smtp_server.config())}
    with factory() as s:
        made.append(outbox.enqueue(session=s, kind="email", payload=email(subject="pendant la panne")))
        s.commit()
    smtp_server.stop()
    failed = worker.drain(factory=factory, handlers=handlers)
    assert (failed.sent, failed.failed) == (0, 1)
    with factory() as s:
        row = s.get(OutboxMessage, made[0])
        assert (row.status, row.attempts) == ("pending", 1)
        assert "Connection refused" in row.last_error or "Errno" in row.last_error
        first_retry = row.next_attempt_at
    # Not due yet: the worker waits for the backoff instead of hammering a dead server.
    assert worker.drain(factory=factory, handlers=handlers).failed == 0
    # Still down at the second try: the delay doubles.
    with factory() as s:
        outbox.deliver_one(session=s, handlers=handlers, now=first_retry)
        s.commit()
        row = s.get(OutboxMessage, made[0])
        assert row.attempts == 2
        assert row.next_attempt_at - first_retry >= outbox.backoff(2) - timedelta(seconds=1)
        second_retry = row.next_attempt_at
    smtp_server.start()
    with factory() as s:
        delivered = outbox.deliver_one(session=s, handlers=handlers, now=second_retry)
        s.commit()
    assert delivered is not None and delivered.status == "sent" and delivered.attempts == 3
    assert worker.drain(factory=factory, handlers=handlers).sent == 0
    assert [m["Subject"] for m in smtp_server.messages] == ["pendant la panne"]


def test_backoff_doubles_and_is_capped():
    assert [outbox.backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [5, 10, 20, 40]
    assert outbox.backoff(40).total_seconds() == 3600


def test_four_workers_never_send_a_message_twice(committed, smtp_server):
    factory, made = committed
    with factory() as s:
        made.extend(outbox.enqueue(session=s, kind="email", payload=email(subject=f"n{i}")) for i in range(30))
        s.commit()
    handlers = {"email": partial(mailer.send, config=smtp_server.config())}
    tallies: list[worker.Tally] = []
    threads = [threading.Thread(target=lambda: tallies.append(worker.drain(factory=factory, handlers=handlers)))
               for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(t.sent for t in tallies) == 30
    subjects = sorted(m["Subject"] for m in smtp_server.messages)
    assert subjects == sorted(f"n{i}" for i in range(30))
    with factory() as s:
        assert set(s.scalars(select(OutboxMessage.status).where(OutboxMessage.id.in_(made)))) == {"sent"}


def test_dedupe_key_queues_once(session: Session):
    first = outbox.enqueue(session=session, kind="email", payload=email(), dedupe_key="report:1:resolved:a@b")
    second = outbox.enqueue(session=session, kind="email", payload=email(), dedupe_key="report:1:resolved:a@b")
    assert first is not None and second is None
    assert len(outbox.pending(session=session)) == 1


def test_a_message_is_given_up_after_the_last_attempt(session, monkeypatch):
    from core.settings import get_settings

    monkeypatch.setattr(get_settings(), "outbox_max_attempts", 2)

    def refuse(message):
        raise RuntimeError("partner down")

    outbox.enqueue(session=session, kind="webhook", payload={"url": "http://127.0.0.1:9/"})
    first = outbox.deliver_one(session=session, handlers={"webhook": refuse})
    assert first.status == "pending"
    second = outbox.deliver_one(session=session, handlers={"webhook": refuse}, now=first.next_attempt_at)
    assert (second.status, second.attempts, second.last_error) == ("dead", 2, "RuntimeError: partner down")


def test_worker_command_delivers_with_registered_handlers(committed, smtp_server):
    factory, made = committed
    received: list[int] = []
    outbox.register_handler("test-kind", lambda message: received.append(message.id))
    try:
        with factory() as s:
            made.append(outbox.enqueue(session=s, kind="test-kind", payload={}))
            made.append(outbox.enqueue(session=s, kind="email", payload=email(subject="via run")))
            s.commit()
        handlers = worker.default_handlers(smtp_server.config())
        tally = worker.run(factory=factory, handlers=handlers, once=True)
        assert tally.sent == 2 and received == [made[0]]
        assert [m["Subject"] for m in smtp_server.messages] == ["via run"]
    finally:
        outbox._HANDLERS.pop("test-kind", None)
