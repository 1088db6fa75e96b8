"""The worker's periodic tasks: throttled to their period, purging old idempotency keys, applying retention."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, text

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


def test_default_tasks_forget_ended_sessions_and_idle_throttles_and_keep_live_ones(session):
    from core import staff_sessions, throttle, users

    user = users.StaffUser(email="purge@staff.example", name="P", role="agent", password_hash="x")
    session.add(user)
    session.flush()
    live = staff_sessions.open_(session=session, staff_id=user.id, lifetime_s=3600)
    staff_sessions.open_(session=session, staff_id=user.id, lifetime_s=-8 * 86400)  # ended over a week ago
    for key in ("idle", "recent"):
        throttle.hit(session=session, key=throttle.key("test", key), policy=throttle.Policy())
    session.execute(text("UPDATE throttle SET last_failure_at = now() - interval '2 days' WHERE key = :k"),
                    {"k": throttle.key("test", "idle")})
    for task in worker.default_tasks():
        task(session)
    kept = session.execute(text("SELECT count(*) FROM staff_sessions WHERE staff_id = :i"), {"i": user.id})
    assert kept.scalar() == 1
    assert users.user_of_session(session=session, secret=live).id == user.id
    left = set(session.scalars(text("SELECT key FROM throttle WHERE key LIKE 'test:%'")))
    assert left == {throttle.key("test", "recent")}
