"""The worker's periodic tasks: throttled to their period, purging old idempotency keys, applying retention."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from dispatch import worker
from dispatch.models import IdempotencyKey


def test_every_runs_a_task_at_most_once_per_period():
    now = [1000.0]
    calls: list[object] = []
    task = worker.every(60, calls.append, clock=lambda: now[0])
    for step in (0, 30, 29.9, 0.2, 59, 1):  # elapsed: 0, 30, 59.9, 60.1, 119.1, 120.1
        now[0] += step
        task("session")
    assert len(calls) == 3  # at 0, at 60.1 and at 120.1
    assert task.__name__ == "append"


def test_default_tasks_forget_month_old_idempotency_keys_and_keep_recent_ones(session):
    old = IdempotencyKey(scope="report", key="k-old-0123456789", fingerprint="f",
                         created_at=datetime.now(UTC) - timedelta(days=31))
    recent = IdempotencyKey(scope="report", key="k-new-0123456789", fingerprint="f",
                            created_at=datetime.now(UTC) - timedelta(days=20))
    session.add_all([old, recent])
    session.flush()
    for task in worker.default_tasks():  # a fresh list: every throttled task runs on its first call
        task(session)
    keys = set(session.scalars(select(IdempotencyKey.key).where(IdempotencyKey.key.like("k-%-0123456789"))))
    assert keys == {"k-new-0123456789"}
