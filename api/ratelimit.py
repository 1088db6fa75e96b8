"""Anonymous intake rate limit: a sliding window per client address, kept in process (no Redis needed)."""

import math
import threading
import time
from collections import deque

from core.errors import RateLimited


class RateLimiter:
    """At most `limit` hits per `window_s` seconds per client; thread-safe (sync handlers run in a pool).

    In process means per worker: with N workers a client gets up to N times the limit, which is still a
    bound; a deployment that needs one shared count puts the limit in its reverse proxy.
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
                raise RateLimited(
                    f"At most {self.limit} {self.what[0]} per {self.window_s:g} s from one address; "
                    f"try again in {retry_after} s.",
                    f"Au plus {self.limit} {self.what[1]} par {self.window_s:g} s depuis une même adresse ; "
                    f"réessayez dans {retry_after} s.",
                    retry_after=retry_after, headers={"Retry-After": str(retry_after)},
                )
            hits.append(now)
            if len(self._hits) > self.max_clients:
                self._forget_idle(now)

    def _forget_idle(self, now: float) -> None:
        for client in [c for c, h in self._hits.items() if not h or h[-1] <= now - self.window_s]:
            del self._hits[client]
