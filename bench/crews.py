"""Crew "nearby" benchmark on 1,000,000 reports: raw KNN SQL vs the HTTP floor vs GET /crews/me/tickets/nearby.

Three figures, p50/p95 over the same random points around Lyon (20 nearest open tickets of one service within
2 km): the raw SQL the endpoint runs (psycopg2, unprepared, the partial GiST index on Lambert-93), the
same query on `geography` for comparison, a trivial endpoint of the same server through the same client (the
HTTP floor), and the endpoint itself. Acceptance: endpoint p95 <= 1.5 x (raw p95 + floor p95).
`python -m bench crews` (BENCH_POINTS, BENCH_REPORTS to shrink it).
"""

import os
import random
import statistics
import time
from collections.abc import Callable

import httpx
import psycopg2
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from api.auth import SESSION_COOKIE, open_session
from bench.generate import dsn, ensure
from bench.setup import start_server
from core.users import StaffUser
from dispatch.crews import NEARBY
from dispatch.sqlfiles import read

POINTS = int(os.environ.get("BENCH_POINTS", "1000"))
REPORTS = int(os.environ.get("BENCH_REPORTS", "1000000"))
SERVICE = "voirie"
NEARBY_SQL = read("crew_nearby")
RAW = (NEARBY_SQL.replace(":lon", "%(lon)s").replace(":lat", "%(lat)s").replace(":radius_m", "%(radius_m)s")
       .replace(":window", "%(window)s").replace(":offset", "%(offset)s").replace(":service_code", "%(service)s")
       .replace("CAST(:sectors AS text[])", "CAST(%(empty)s AS text[])")
       .replace("CAST(:categories AS text[])", "CAST(%(empty)s AS text[])")
       .replace("CAST(:states AS text[])", "CAST(%(empty)s AS text[])"))
# The same answer on geography: what the issue says is about ten times slower.
GEOGRAPHY = """
SELECT id, d FROM (
  SELECT id, geom::geography <-> ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)::geography AS d
  FROM reports
  WHERE state IN ('triaged', 'assigned', 'scheduled', 'in_progress', 'reopened') AND service_code = %(service)s
  ORDER BY geom::geography <-> ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)::geography
  LIMIT 20) k
WHERE d <= 2000
"""
# The generator writes 'new' for open reports; crews work on routed ones, so a share becomes 'triaged'.
OPEN_FOR_CREWS = "UPDATE reports SET state = 'triaged' WHERE state = 'new' AND id % 2 = 0"
BACK_TO_NEW = "UPDATE reports SET state = 'new' WHERE state = 'triaged' AND id % 2 = 0"


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def timed(run: Callable[[dict[str, object]], object], points: list[dict[str, object]]) -> list[float]:
    for p in points[:50]:  # warm caches and connections
        run(p)
    out = []
    for p in points:
        began = time.perf_counter()
        run(p)
        out.append((time.perf_counter() - began) * 1000)
    return out


def line(name: str, samples: list[float]) -> tuple[float, float]:
    p50, p95 = statistics.median(samples), pct(samples, 0.95)
    print(f"{name:<44} p50 {p50:7.2f} ms   p95 {p95:7.2f} ms")
    return p50, p95


def main() -> None:
    url = ensure(REPORTS)
    engine = create_engine(url)
    with engine.begin() as db:
        changed = db.execute(text(OPEN_FOR_CREWS)).rowcount
        db.execute(text("ANALYZE reports"))
        crew = StaffUser(email=f"bench-crew-{time.time_ns()}@staff.example", name="Bench crew", role="crew",
                         service_code=SERVICE, password_hash="x", sector_codes=[])
        with Session(bind=db) as s:
            s.add(crew)
            s.flush()
            crew_id = crew.id
    print(f"{changed:,} reports opened for crews; crew {crew_id}")
    rng = random.Random(7)
    points = [{"lat": 45.74 + rng.random() * 0.04, "lon": 4.81 + rng.random() * 0.06} for _ in range(POINTS)]
    server = start_server(url)
    try:
        conn = psycopg2.connect(dsn(url))
        conn.autocommit = True
        cur = conn.cursor()

        def raw(p: dict[str, object]) -> object:
            cur.execute(RAW, {**p, "radius_m": 2000, "window": 20, "offset": 0, "service": SERVICE, "empty": []})
            return cur.fetchall()

        cur.execute(NEARBY.prepare.replace(NEARBY.name, "raw_nearby"))

        def prepared(p: dict[str, object]) -> object:
            cur.execute(NEARBY.execute.replace(NEARBY.name, "raw_nearby"),
                        {**p, "radius_m": 2000, "window": 20, "offset": 0, "service_code": SERVICE, "sectors": [],
                         "categories": [], "states": []})
            return cur.fetchall()

        def geography(p: dict[str, object]) -> object:
            cur.execute(GEOGRAPHY, {**p, "service": SERVICE})
            return cur.fetchall()

        with Session(create_engine(url)) as opened:
            cookie, _ = open_session(session=opened, staff_id=crew_id)
            opened.commit()
        client = httpx.Client(base_url=server.url, cookies={SESSION_COOKIE: cookie}, timeout=10)

        def floor(p: dict[str, object]) -> object:
            return client.get("/api/v1/auth/me").status_code  # a trivial endpoint, same auth, same client

        def endpoint(p: dict[str, object]) -> object:
            answer = client.get("/api/v1/crews/me/tickets/nearby", params={**p, "radius": 2000, "limit": 20})
            assert answer.status_code == 200, answer.text
            return answer

        same = [r[0] for r in raw(points[0])]  # type: ignore[index]
        assert [t["id"] for t in endpoint(points[0]).json()] == same, "endpoint and raw SQL disagree"  # type: ignore[attr-defined]
        _, raw95 = line("raw SQL, KNN on Lambert-93 partial GiST", timed(raw, points))
        line("  the same, prepared (as the platform sends it)", timed(prepared, points))
        line("raw SQL, same on geography", timed(geography, points[: max(50, POINTS // 5)]))
        _, floor95 = line("HTTP floor (GET /api/v1/auth/me)", timed(floor, points))
        _, end95 = line("GET /api/v1/crews/me/tickets/nearby", timed(endpoint, points))
        # The reference is the unprepared raw SQL: psycopg2's own way (PERFORMANCE.md); prepared is shown above.
        budget = 1.5 * (raw95 + floor95)
        print(f"endpoint p95 {end95:.2f} ms vs 1.5 x (raw p95 + floor p95) = {budget:.2f} ms: "
              f"{'within' if end95 <= budget else 'OVER'}")
        client.close()
        conn.close()
    finally:
        server.stop()
        with engine.begin() as db:
            db.execute(text(BACK_TO_NEW))
            db.execute(text("DELETE FROM staff_users WHERE id = :id"), {"id": crew_id})
        engine.dispose()


if __name__ == "__main__":
    main()
