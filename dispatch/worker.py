"""The background worker: delivers the outbox (one short transaction per message) and runs periodic tasks."""

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import partial, wraps

from sqlalchemy.orm import Session, sessionmaker

from dispatch import mailer, outbox

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


# Kinds that wait on a partner's server: they get threads of their own, so a partner answering in ten
# seconds (or never) does not hold back one email.
PARTNER_KINDS = frozenset({"webhook"})


def lanes(handlers: dict[str, outbox.Handler], *, partner_threads: int) -> list[dict[str, outbox.Handler]]:
    """Who drains what: one lane for email and other kinds, `partner_threads` lanes for webhooks.

    Each lane claims only its own kinds (SKIP LOCKED), so lanes never wait on each other's rows."""
    ours = {kind: handler for kind, handler in handlers.items() if kind not in PARTNER_KINDS}
    partners = {kind: handler for kind, handler in handlers.items() if kind in PARTNER_KINDS}
    return [ours] * bool(ours) + [partners] * (max(partner_threads, 1) if partners else 0)


def run(*, factory: sessionmaker[Session], handlers: dict[str, outbox.Handler], tasks: Sequence[Task] = (),
        once: bool = False, poll_seconds: float = 1.0, stop: threading.Event | None = None,
        partner_threads: int | None = None) -> Tally:
    """Loop: periodic tasks, and the outbox drained by lanes side by side, then wait; `once` does one round.

    Periodic tasks run on a thread of their own, email on another, webhooks on `partner_threads` more
    (the worker_webhook_threads setting by default). A lane that crashes stops the others and the error
    comes out of `run`, as it did when everything ran in one loop."""
    from core.settings import get_settings

    stop = stop or threading.Event()
    threads = get_settings().worker_webhook_threads if partner_threads is None else partner_threads
    total = Tally()
    counted = threading.Lock()
    failures: list[BaseException] = []

    def periodic() -> None:
        for task in tasks:
            try:
                with factory() as session:
                    task(session)
                    session.commit()
            except Exception:  # a broken periodic task must not stop mail delivery
                log.exception("periodic task %s failed", getattr(task, "__name__", task))

    def drain_lane(lane: dict[str, outbox.Handler]) -> Callable[[], None]:
        def round_() -> None:
            tally = drain(factory=factory, handlers=lane)
            with counted:
                total.sent, total.failed, total.dead = (total.sent + tally.sent, total.failed + tally.failed,
                                                        total.dead + tally.dead)
        return round_

    def loop(round_: Callable[[], None]) -> None:
        try:
            while True:
                round_()
                if once or stop.wait(poll_seconds):
                    return
        except BaseException as exc:
            failures.append(exc)
            stop.set()

    if once:  # cron-style: what the periodic tasks queue goes out in the same round
        periodic()
    rounds = [periodic] * bool(tasks and not once) + [drain_lane(lane)
                                                      for lane in lanes(handlers, partner_threads=threads)]
    workers = [threading.Thread(target=loop, args=(r,), name=f"outbox-lane-{i}", daemon=True)
               for i, r in enumerate(rounds)]
    for thread in workers:
        thread.start()
    try:
        for thread in workers:
            while thread.is_alive():
                thread.join(timeout=0.5)  # short joins: Ctrl-C still reaches the main thread
    except BaseException:
        stop.set()
        raise
    if failures:
        raise failures[0]
    return total


def every(seconds: float, task: Task, *, clock: Callable[[], float] = time.monotonic) -> Task:
    """`task`, run at most once per `seconds` however often the worker's loop calls it (first call runs it)."""
    last_run: list[float] = []

    @wraps(task)
    def throttled(session: Session) -> object:
        now = clock()
        if last_run and now - last_run[0] < seconds:
            return None
        last_run[:] = [now]  # before running: a failing task waits its turn rather than failing every second
        return task(session)

    return throttled


def purge_idempotency_keys(session: Session) -> int:
    """Forget idempotency keys after a month: far longer than a phone stays offline with a report queued."""
    from dispatch import idempotency

    return idempotency.purge(session=session, older_than=timedelta(days=30))


def apply_retention(session: Session) -> dict[str, int]:
    """The personal-data retention rules of the settings (anonymise idle reporters, delete old rejections)."""
    from core.settings import get_settings
    from dispatch import privacy

    settings = get_settings()
    return privacy.apply_retention(session=session, anonymise_after_days=settings.retention_anonymise_after_days,
                                   delete_rejected_after_days=settings.retention_delete_rejected_after_days)


def send_escalation_digests(session: Session) -> int:
    """Supervisors' daily digest of overdue tickets (hourly tries; one email per address and day)."""
    from dispatch import notifications

    return notifications.escalation_digests(session=session)


def purge_sign_in_state(session: Session) -> dict[str, int]:
    """Forget staff sessions a week after they ended and sign-in throttles idle for a day."""
    from core import staff_sessions, throttle

    return {"sessions": staff_sessions.purge(session=session), "throttles": throttle.purge(session=session)}


def default_tasks() -> list[Task]:
    """Periodic work: deadlines every round; digests, idempotency keys and sign-in state hourly; retention daily."""
    from dispatch import workflow

    return [workflow.sweep, every(3600, send_escalation_digests), every(3600, purge_idempotency_keys),
            every(3600, purge_sign_in_state),
            every(86400, apply_retention)]
