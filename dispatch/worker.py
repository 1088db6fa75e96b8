"""The background worker: delivers the outbox (one short transaction per message) and runs periodic tasks."""

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

from sqlalchemy.orm import Session, sessionmaker

from dispatch import mailer, outbox
from dispatch import webhooks as _webhooks  # noqa: F401  (registers the 'webhook' kind)

log = logging.getLogger(__name__)
Task = Callable[[Session], object]


@dataclass
class Tally:
    sent: int = 0
    failed: int = 0
    dead: int = 0


def default_handlers(smtp: mailer.SmtpConfig | None = None) -> dict[str, outbox.Handler]:
    """Email over SMTP plus every kind registered by other modules (webhooks...)."""
    handlers = outbox.registered_handlers()
    handlers["email"] = partial(mailer.send, config=smtp or mailer.SmtpConfig.from_settings())
    return handlers


def drain(*, factory: sessionmaker[Session], handlers: dict[str, outbox.Handler], limit: int = 100) -> Tally:
    """Deliver due messages until none is left (or `limit`), each in its own transaction."""
    tally = Tally()
    for _ in range(limit):
        with factory() as session:
            row = outbox.deliver_one(session=session, handlers=handlers)
            session.commit()
        if row is None:
            break
        if row.status == "sent":
            tally.sent += 1
        elif row.status == "dead":
            tally.dead += 1
            log.error("outbox %s (%s) gave up after %s attempts: %s", row.id, row.kind, row.attempts, row.last_error)
        else:
            tally.failed += 1
            log.warning("outbox %s (%s) failed, retry at %s: %s", row.id, row.kind, row.next_attempt_at,
                        row.last_error)
    return tally


def run(*, factory: sessionmaker[Session], handlers: dict[str, outbox.Handler], tasks: Sequence[Task] = (),
        once: bool = False, poll_seconds: float = 1.0, stop: threading.Event | None = None) -> Tally:
    """Loop: periodic tasks, then drain the outbox, then wait; `once` does a single round."""
    stop = stop or threading.Event()
    total = Tally()
    while True:
        for task in tasks:
            try:
                with factory() as session:
                    task(session)
                    session.commit()
            except Exception:  # a broken periodic task must not stop mail delivery
                log.exception("periodic task %s failed", getattr(task, "__name__", task))
        tally = drain(factory=factory, handlers=handlers)
        total.sent, total.failed, total.dead = (total.sent + tally.sent, total.failed + tally.failed,
                                                total.dead + tally.dead)
        if once or stop.wait(poll_seconds):
            return total


def default_tasks() -> list[Task]:
    """Periodic work of the platform: escalate overdue tickets, close those past their reopening delay."""
    from dispatch import workflow

    return [workflow.sweep]
