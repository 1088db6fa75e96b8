"""Outbox faults: a worker killed mid-send, and an SMTP server down for an hour; each message arrives once."""

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from email import policy
from email.parser import BytesParser
from functools import partial
from pathlib import Path

from core.pgcluster import free_port
from dispatch import mailer, outbox
from dispatch.outbox import OutboxMessage


def email(subject: str) -> dict[str, str]:
    return {"to": "resident@example.org", "subject": subject, "text": "Bonjour", "lang": "fr"}



class StallingSmtp:
    """A real SMTP server that can hold a client in the middle of its conversation (after RCPT TO)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.stall = True
        self.stalled = threading.Event()
        self.subjects: list[str] = []

    async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: N802
        envelope.rcpt_tos.append(address)
        while self.stall:
            self.stalled.set()
            await asyncio.sleep(0.05)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.subjects.append(BytesParser(policy=policy.default).parsebytes(envelope.content)["Subject"])
        return "250 Message accepted for delivery"


def _worker(database_url: str, smtp_port: int, *args: str) -> subprocess.Popen[bytes]:
    command = shutil.which("ruecommune", path=str(Path(sys.executable).parent)) or "ruecommune"
    env = {**os.environ, "RUECOMMUNE_DATABASE_URL": database_url, "RUECOMMUNE_SMTP_HOST": "127.0.0.1",
           "RUECOMMUNE_SMTP_PORT": str(smtp_port)}
    return subprocess.Popen([command, "worker", "--poll", "0.2", *args], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_a_worker_killed_mid_send_sends_the_message_exactly_once_after_restart(committed, database_url):
    from aiosmtpd.controller import Controller

    factory, made = committed
    with factory() as s:
        made.append(outbox.enqueue(session=s, kind="email", payload=email("tué en plein envoi")))
        s.commit()
    smtp = StallingSmtp()
    controller = Controller(smtp, hostname="127.0.0.1", port=smtp.port)
    controller.start()
    try:
        first = _worker(database_url, smtp.port)
        assert smtp.stalled.wait(30), "the worker never reached the SMTP server"
        first.send_signal(signal.SIGKILL)  # killed in the middle of the SMTP conversation
        first.wait(10)
        smtp.stall = False
        with factory() as s:
            row = s.get(OutboxMessage, made[0])
            assert (row.status, row.attempts) == ("pending", 0)  # the killed attempt left no trace
        second = _worker(database_url, smtp.port, "--once")
        assert second.wait(60) == 0
        time.sleep(0.5)
        with factory() as s:
            assert s.get(OutboxMessage, made[0]).status == "sent"
        assert smtp.subjects == ["tué en plein envoi"]
    finally:
        controller.stop()


def test_an_smtp_server_down_for_an_hour_loses_nothing(committed, smtp_server):
    factory, made = committed
    handlers = {"email": partial(mailer.send, config=smtp_server.config())}
    with factory() as s:
        made.append(outbox.enqueue(session=s, kind="email", payload=email("après une heure de panne")))
        s.commit()
    smtp_server.stop()
    with factory() as s:
        started = s.get(OutboxMessage, made[0]).next_attempt_at
    clock = started
    # The worker keeps trying on its backoff schedule through a whole hour of outage.
    while clock < started + timedelta(hours=1):
        with factory() as s:
            row = outbox.deliver_one(session=s, handlers=handlers, now=clock)
            s.commit()
            assert row is not None and row.status == "pending", "a message must never be given up within an hour"
            clock = row.next_attempt_at
    smtp_server.start()
    with factory() as s:
        delivered = outbox.deliver_one(session=s, handlers=handlers, now=clock)
        s.commit()
    assert delivered is not None and delivered.status == "sent"
    with factory() as s:
        assert outbox.deliver_one(session=s, handlers=handlers, now=clock + timedelta(days=1)) is None
    assert [m["Subject"] for m in smtp_server.messages] == ["après une heure de panne"]
