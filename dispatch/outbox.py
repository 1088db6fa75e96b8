"""The outbox: side effects (emails, webhooks) written in the caller's transaction, delivered by a worker.

A rolled-back change rolls its messages back with it; a committed one is delivered at least until it
succeeds. `enqueue` from any service; `deliver_one` locks one due row with SKIP LOCKED, hands it to the
handler registered for its kind, and records the result in the same transaction, so two workers never
send the same row and a failure is retried later with exponential backoff.

Other kinds plug in with `register_handler("webhook", fn)`; `fn(message)` raises to ask for a retry.
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, Text, func, select
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.base import Base
from core.settings import get_settings


class OutboxMessage(Base):
    """One side effect waiting for, or done by, the worker."""

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    dedupe_key: Mapped[str | None] = mapped_column(Text, unique=True)
    status: Mapped[str] = mapped_column(Text, default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_error: Mapped[str | None] = mapped_column(Text)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


Handler = Callable[[OutboxMessage], None]
_HANDLERS: dict[str, Handler] = {}


def register_handler(kind: str, handler: Handler) -> None:
    """Make the worker deliver messages of `kind` with `handler` (which raises to ask for a retry)."""
    _HANDLERS[kind] = handler


def registered_handlers() -> dict[str, Handler]:
    return dict(_HANDLERS)


def enqueue(*, session: Session, kind: str, payload: dict[str, Any], dedupe_key: str | None = None,
            report_id: int | None = None) -> int | None:
    """Queue a message in the caller's transaction; with a dedupe_key already queued, nothing is added (None)."""
    stmt = insert(OutboxMessage).values(kind=kind, payload=payload, dedupe_key=dedupe_key, report_id=report_id)
    if dedupe_key is not None:
        stmt = stmt.on_conflict_do_nothing(index_elements=["dedupe_key"])
    new_id = session.execute(stmt.returning(OutboxMessage.id)).scalar_one_or_none()
    session.flush()
    return new_id


def backoff(attempts: int) -> timedelta:
    """Delay before the next try after `attempts` failures: base * 2**(attempts-1), capped."""
    settings = get_settings()
    seconds = settings.outbox_backoff_base_seconds * (2 ** max(attempts - 1, 0))
    return timedelta(seconds=min(seconds, settings.outbox_backoff_max_seconds))


def deliver_one(*, session: Session, handlers: dict[str, Handler] | None = None,
                now: datetime | None = None) -> OutboxMessage | None:
    """Deliver the oldest due message nobody else holds; None when there is none. The caller commits.

    The row stays locked while the handler runs, so another worker skips it; the status change commits with
    the lock's release. `now` lets a caller look into the future (tests of backoff) instead of sleeping.
    """
    handlers = registered_handlers() if handlers is None else handlers
    clock: datetime = session.execute(select(func.clock_timestamp())).scalar_one()
    due_at: datetime = now or clock
    row = session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= due_at,
               OutboxMessage.kind.in_(list(handlers)))
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    ).first()
    if row is None:
        return None
    row.attempts += 1
    try:
        handlers[row.kind](row)
    except Exception as exc:  # any failure of a handler is a reason to retry, never to crash the worker
        row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if row.attempts >= get_settings().outbox_max_attempts:
            row.status = "dead"
        else:
            row.next_attempt_at = max(due_at, clock) + backoff(row.attempts)
    else:
        row.status = "sent"
        row.sent_at = session.scalar(select(func.clock_timestamp()))
        row.last_error = None
    session.flush()
    return row


def pending(*, session: Session, report_id: int | None = None, kind: str | None = None) -> list[OutboxMessage]:
    """Messages not yet delivered (for staff views and tests)."""
    stmt = select(OutboxMessage).where(OutboxMessage.status == "pending").order_by(OutboxMessage.id)
    if report_id is not None:
        stmt = stmt.where(OutboxMessage.report_id == report_id)
    if kind is not None:
        stmt = stmt.where(OutboxMessage.kind == kind)
    return list(session.scalars(stmt))
