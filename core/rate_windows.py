"""Request counts per client in fixed time windows, kept in PostgreSQL so every API replica shares them.

`hit` counts one request of a key in the current window (windows of `window_s` seconds, aligned on the
epoch) and returns the count so far and the seconds left in the window. One atomic upsert per request: two
replicas counting the same client never lose a hit. Each hit also sweeps a few expired windows, so idle
clients leave no rows behind. Keys hold a digest of the client address (core.throttle.key), never the address.
"""

import math
from typing import NamedTuple

from sqlalchemy import text
from sqlalchemy.orm import Session

_HIT = text("""
    WITH swept AS (
        DELETE FROM rate_limit WHERE ctid IN (
            SELECT ctid FROM rate_limit WHERE window_end < clock_timestamp() LIMIT 20)
    )
    INSERT INTO rate_limit AS r (key, window_end, hits)
    VALUES (:key, to_timestamp((floor(extract(epoch FROM clock_timestamp()) / :window_s) + 1) * :window_s), 1)
    ON CONFLICT (key, window_end) DO UPDATE SET hits = r.hits + 1
    RETURNING r.hits, extract(epoch FROM r.window_end - clock_timestamp())
""")


class Count(NamedTuple):
    """A key's requests in the current window, and the seconds until that window ends."""

    hits: int
    resets_in_s: int


def hit(*, session: Session, key: str, window_s: int) -> Count:
    """Count one request of `key` in the current window."""
    hits, left = session.execute(_HIT, {"key": key, "window_s": window_s}).one()
    return Count(hits=int(hits), resets_in_s=max(1, math.ceil(float(left))))
