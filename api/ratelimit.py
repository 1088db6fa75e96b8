"""Per-client rate limits: SharedRateLimiter (PostgreSQL, one count for every replica: what the app uses)
and RateLimiter (a sliding window in process: tests and benchmarks that lift or pin a limit)."""

import math
import threading
import time
from collections import deque
from collections.abc import Callable

from sqlalchemy.orm import Session

from core import rate_windows, throttle
from core.errors import RateLimited


def refusal(limit: int, window_s: float, what: tuple[str, str], retry_after: int) -> RateLimited:
    """The 429 problem a limited client gets, with the seconds to wait."""
    return RateLimited(
        f"At most {limit} {what[0]} per {window_s:g} s from one address; try again in {retry_after} s.",
        f"Au plus {limit} {what[1]} par {window_s:g} s depuis une même adresse ; réessayez dans {retry_after} s.",
        retry_after=retry_after, headers={"Retry-After": str(retry_after)},
    )


class SharedRateLimiter:
    """At most `limit` hits per `window_s`-second window per client, counted in PostgreSQL (core.rate_windows):
    three replicas enforce one limit, not three. Each hit is its own short transaction, so a request that fails
    afterwards still counts (a guessed token is still a guess)."""

    def __init__(self, factory: Callable[[], Session], bucket: str, limit: int, window_s: int,
                 what: tuple[str, str] = ("reports", "signalements")) -> None:
        self.factory = factory
        self.bucket = bucket
        self.limit = limit
        self.window_s = window_s
        self.what = what

    def hit(self, client: str) -> None:
        """Count one request, or raise RateLimited with the seconds to wait."""
        with self.factory() as session, session.begin():
            count = rate_windows.hit(session=session, key=throttle.key(f"rate:{self.bucket}", client),
                                     window_s=self.window_s)
        if count.hits > self.limit:
            raise refusal(self.limit, self.window_s, self.what, count.resets_in_s)


class RateLimiter:
    """At most `limit` hits per `window_s` seconds per client; thread-safe (sync handlers run in a pool).

    In process means per worker: with N workers a client gets up to N times the limit; the app itself uses
    SharedRateLimiter.
    """

    def __init__(self, limit: int, window_s: float, max_clients: int = 100_000,
                 what: tuple[str, str] = ("reports", "signalements")) -> None:
        self.limit = limit
        self.what = what
        self.window_s = window_s
        self.max_clients = max_clients
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, client: str, now: float | None = None) -> None:
        """Count one submission, or raise RateLimited with the seconds to wait."""
        now = time.monotonic() if now is None else now
        with self._lock:
            hits = self._hits.setdefault(client, deque())
            while hits and hits[0] <= now - self.window_s:
                hits.popleft()
            if len(hits) >= self.limit:
                retry_after = max(1, math.ceil(hits[0] + self.window_s - now))
                raise refusal(self.limit, self.window_s, self.what, retry_after)
            hits.append(now)
            if len(self._hits) > self.max_clients:
                self._forget_idle(now)

    def _forget_idle(self, now: float) -> None:
        for client in [c for c, h in self._hits.items() if not h or h[-1] <= now - self.window_s]:
            del self._hits[client]


Limiter = SharedRateLimiter | RateLimiter
