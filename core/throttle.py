"""Failure throttles with exponential backoff, kept in PostgreSQL so that every API replica shares them.

A key names what is throttled ("login:account:<digest>", "login:address:<digest>"). `hit` counts one
failure and locks the key once a policy's free failures are spent, for twice as long at each further
failure; `check` says how long a key is still locked; `clear` forgets it (a success). Each statement is
an atomic upsert on one row, so two replicas counting the same key never lose a failure. Times are the
database's wall clock (clock_timestamp), not the transaction's start: a lockout ends when it says it ends.
"""

import hashlib
import math
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Policy:
    """How many failures are free, how the lockout grows, and when an idle key starts again from zero."""

    free: int = 5
    base_s: float = 2.0
    max_s: float = 900.0
    forget_s: float = 900.0

    def lockout_s(self, failures: int) -> float:
        """Seconds a key is locked after its n-th failure: 0 while free, then base, 2 x base... up to max."""
        if failures <= self.free:
            return 0.0
        return min(self.max_s, self.base_s * 2.0 ** min(failures - self.free - 1, 60))


def key(kind: str, value: str) -> str:
    """A throttle key that stores no clear email or address: a digest of the value under its kind."""
    return f"{kind}:{hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]}"


_HIT = text("""
    INSERT INTO throttle AS t (key, failures, last_failure_at) VALUES (:key, 1, clock_timestamp())
    ON CONFLICT (key) DO UPDATE SET
        failures = CASE WHEN t.last_failure_at < clock_timestamp() - make_interval(secs => :forget_s)
                        THEN 1 ELSE t.failures + 1 END,
        last_failure_at = clock_timestamp()
    RETURNING failures
""")
_LOCK = text("UPDATE throttle SET locked_until = clock_timestamp() + make_interval(secs => :seconds) WHERE key = :key")
_CHECK = text("SELECT extract(epoch FROM locked_until - clock_timestamp()) FROM throttle "
               "WHERE key = :key AND locked_until > clock_timestamp()")


def hit(*, session: Session, key: str, policy: Policy) -> int:
    """Count one failure of `key`; returns the whole seconds it is now locked for (0 while failures are free)."""
    failures = session.execute(_HIT, {"key": key, "forget_s": max(policy.forget_s, policy.max_s)}).scalar_one()
    seconds = policy.lockout_s(int(failures))
    if seconds > 0:
        session.execute(_LOCK, {"key": key, "seconds": seconds})
    return math.ceil(seconds)


def check(*, session: Session, key: str) -> int:
    """Whole seconds `key` stays locked; 0 when it is free."""
    remaining = session.execute(_CHECK, {"key": key}).scalar()
    return max(1, math.ceil(float(remaining))) if remaining is not None else 0


def clear(*, session: Session, key: str) -> None:
    """Forget a key's failures and lockout (after a success, or an operator's unlock)."""
    session.execute(text("DELETE FROM throttle WHERE key = :key"), {"key": key})


def purge(*, session: Session, idle_s: float = 86400.0) -> int:
    """Delete keys with no failure for `idle_s` and no lockout running; returns how many went."""
    done = session.execute(text(
        "DELETE FROM throttle WHERE last_failure_at < clock_timestamp() - make_interval(secs => :idle_s) "
        "AND (locked_until IS NULL OR locked_until < clock_timestamp())"), {"idle_s": idle_s})
    return int(done.rowcount or 0)  # type: ignore[attr-defined]
