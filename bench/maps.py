"""Maps and dashboard benchmark on 1,000,000 reports: the platform's queries and endpoints against raw SQL.

For each figure: the platform's service function (SQLAlchemy, the shared filter fragments), the fastest raw
SQL for the same answer sent by a bare psycopg2 call, and the HTTP endpoint on a live uvicorn; plus the
HTTP floor (a static file) so that "endpoint <= 1.5 x raw + floor" can be read off. Medians of several runs.
`python -m bench maps` (BENCH_REPORTS, BENCH_RUNS to change the size and the repetitions).
"""

import math
import os
import uuid
from collections.abc import Callable
from datetime import date, timedelta

import httpx
import psycopg2
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from bench.generate import dsn, ensure
from bench.setup import serve
from bench.timing import Side, compare, load_average
from core import users
from dispatch.vocabulary import render_sql
from maps import service
from maps.filters import ReportFilter
from maps.queries import SQL_DIR

REPORTS = int(os.environ.get("BENCH_REPORTS", "1000000"))
RUNS = int(os.environ.get("BENCH_RUNS", "7"))
CENTRE = (45.762, 4.845)

RAW_GRID = """
SELECT gx, gy, n, ST_Y(c), ST_X(c)
FROM (SELECT floor(ST_X(geom_l93) / 250)::int AS gx, floor(ST_Y(geom_l93) / 250)::int AS gy, count(*) AS n
      FROM reports WHERE created_at >= %(since)s GROUP BY 1, 2) g,
     LATERAL ST_Transform(ST_SetSRID(ST_MakePoint((gx + 0.5) * 250, (gy + 0.5) * 250), 2154), 4326) c
"""
RAW_GRID_COUNTS_ONLY = """
SELECT floor(ST_X(geom_l93) / 250)::int, floor(ST_Y(geom_l93) / 250)::int, count(*)
FROM reports WHERE created_at >= %(since)s GROUP BY 1, 2
"""
RAW_COMMUNES = """
SELECT z.code, z.name, z.population, COALESCE(c.n, 0), COALESCE(c.o, 0), COALESCE(c.r, 0),
       1000.0 * COALESCE(c.n, 0) / NULLIF(z.population, 0)
FROM zones z LEFT JOIN (
    SELECT commune_code, count(*) AS n,
           count(*) FILTER (WHERE state NOT IN ('resolved', 'closed', 'rejected')) AS o,
           count(*) FILTER (WHERE resolved_at IS NOT NULL) AS r
    FROM reports GROUP BY commune_code) c ON c.commune_code = z.code
WHERE z.kind = 'commune' AND z.valid_to IS NULL
"""
RAW_COMMUNES_SPATIAL_JOIN = """
SELECT z.code, count(r.id) FROM zones z LEFT JOIN reports r ON ST_Covers(z.geom, r.geom)
WHERE z.kind = 'commune' AND z.valid_to IS NULL GROUP BY z.code
"""
# The dashboard's figures the platform's way (maps/sql/figures.sql and median.sql), sent raw with one filter.
RAW_FIGURES = render_sql((SQL_DIR / "figures.sql").read_text()).replace(
    "/*filters*/", "r.created_at >= %(since)s").replace("CAST(:since AS date)", "CAST(%(since)s AS date)")
RAW_MEDIAN = render_sql((SQL_DIR / "median.sql").read_text()).replace("/*filters*/", "r.created_at >= %(since)s")
# The same answer the obvious way: one query per figure, four scans of the reports.
RAW_FOUR_QUERIES = [
    """SELECT count(*), count(*) FILTER (WHERE state NOT IN ('resolved', 'closed', 'rejected')),
       count(*) FILTER (WHERE resolved_at IS NOT NULL),
       count(*) FILTER (WHERE state NOT IN ('resolved', 'closed', 'rejected') AND due_at < now()),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM resolved_at - created_at)) / 86400.0,
       count(*) FILTER (WHERE resolved_at <= due_at)::float8
           / NULLIF(count(*) FILTER (WHERE resolved_at IS NOT NULL AND due_at IS NOT NULL), 0)
FROM reports WHERE created_at >= %(since)s""",
    "SELECT channel, count(*) FROM reports WHERE created_at >= %(since)s GROUP BY 1",
    """SELECT m, sum(c), sum(r) FROM (
    SELECT date_trunc('month', created_at AT TIME ZONE 'Europe/Paris') AS m, 1 AS c, 0 AS r
    FROM reports WHERE created_at >= %(since)s
    UNION ALL SELECT date_trunc('month', resolved_at AT TIME ZONE 'Europe/Paris'), 0, 1
    FROM reports WHERE created_at >= %(since)s AND resolved_at IS NOT NULL) x GROUP BY m""",
    RAW_COMMUNES.replace("FROM reports GROUP BY", "FROM reports WHERE created_at >= %(since)s GROUP BY"),
]
RAW_TILE = """
SELECT ST_AsMVT(t, 'reports', 4096, 'geom') FROM (
    SELECT ST_AsMVTGeom(ST_Transform(geom, 3857), ST_TileEnvelope(%(z)s, %(x)s, %(y)s), 4096, 64, true) AS geom,
           ref, category_code AS category, state, commune_code AS commune
    FROM reports
    WHERE geom && ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s), 4326)
      AND merged_into_id IS NULL
      AND (state NOT IN ('resolved', 'closed', 'rejected')
           OR (state IN ('resolved', 'closed')
           AND COALESCE(resolved_at, updated_at) > now() - interval '30 days'))) t
"""


def tile_of(lat: float, lon: float, z: int) -> tuple[int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def median_ms(fn: Callable[[], object], runs: int = RUNS) -> float:
    """One side alone, through the shared loop (bench/timing.py)."""
    return compare([Side("one", fn)], runs=runs)["one"].median


def main() -> None:
    url = ensure(REPORTS)
    raw = psycopg2.connect(dsn(url))
    raw.autocommit = True
    cur = raw.cursor()
    # Other benchmarks update reports; autovacuum would have marked the pages all-visible again by the time an
    # official opens the dashboard, and the index-only scans of its figures count on it.
    cur.execute("VACUUM ANALYZE reports")
    # The fastest raw SQL: without JIT, whose compilation costs more than these queries (the platform does the same).
    cur.execute("SET jit = off")
    engine = create_engine(url)
    since90 = date.today() - timedelta(days=90)
    since365 = date.today() - timedelta(days=365)
    x, y = tile_of(*CENTRE, 14)

    def sql(query: str, **params: object) -> Callable[[], object]:
        return lambda: (cur.execute(query, params), cur.fetchall())

    def both(*queries: str, **params: object) -> Callable[[], object]:
        return lambda: [sql(query, **params)() for query in queries]

    def figures(**params: object) -> Callable[[], object]:
        def run() -> object:
            cur.execute("SET enable_sort = off")  # as the platform does: see maps/service.py
            rows = sql(RAW_FIGURES, **params)()
            cur.execute("SET enable_sort = on")
            return rows, sql(RAW_MEDIAN, **params)()
        return run

    email = f"bench-{uuid.uuid4().hex[:8]}@bench.example"
    with Session(engine) as session:
        users.create(session=session, email=email, name="Bench", role="official", password="bench password 123")
        session.commit()
    base, server, thread = serve(url)
    http = httpx.Client(base_url=base, timeout=60)
    http.post("/api/v1/auth/login", json={"email": email, "password": "bench password 123"}).raise_for_status()

    def get(path: str) -> Callable[[], object]:
        def call() -> object:
            answer = http.get(path)
            answer.raise_for_status()
            return answer.content
        return call

    floor = median_ms(get("/favicon.ico"), runs=50)
    print(f"  {REPORTS:,} reports; medians of {RUNS} runs, sides alternated; HTTP floor (static file) {floor:.1f} ms; "
          f"{load_average()}", flush=True)
    print(f"  {'figure':<44} {'raw SQL':>9} {'service':>9} {'HTTP':>9}  service/raw  HTTP/(raw+floor)")
    with Session(engine) as session:
        rows = [
            ("heatmap 250 m grid, last 90 days", sql(RAW_GRID, since=since90),
             lambda: service.heatmap(session=session, filters=ReportFilter(since=since90)),
             get(f"/api/v1/dashboard/heatmap?since={since90}")),
            ("per-commune figures (stored commune), all", sql(RAW_COMMUNES),
             lambda: service.communes(session=session, filters=ReportFilter()),
             get("/api/v1/dashboard/communes?since=2000-01-01")),
            ("dashboard figures (one pass + median), 365 d", figures(since=since365),
             lambda: service.figures(session=session, filters=ReportFilter(since=since365)),
             get(f"/api/v1/dashboard/summary?since={since365}")),
            (f"z14 tile {x}/{y}, public reports", sql(RAW_TILE, z=14, x=x, y=y),
             lambda: service.tile(session=session, z=14, x=x, y=y, filters=ReportFilter()),
             get(f"/tiles/reports/14/{x}/{y}.pbf")),
        ]
        for name, raw_fn, service_fn, http_fn in rows:
            # The three sides in turn, the order rotating: a burst of load falls on all of them alike.
            sides = [Side("raw", raw_fn), Side("service", service_fn), Side("http", http_fn)]
            timings = compare(sides, runs=RUNS)
            r, s, h = (timings[label].median for label in ("raw", "service", "http"))
            http_ratio = f"{h / (r + floor):>6.2f}" if http_fn else "     -"
            print(f"  {name:<44} {r:7.1f}ms {s:7.1f}ms {h:7.1f}ms  {s / r:>9.2f}  {http_ratio}", flush=True)
        counts = median_ms(sql(RAW_GRID_COUNTS_ONLY, since=since90))
        print(f"  reference: grid counts only (no centres)     {counts:7.1f}ms", flush=True)
        four = median_ms(both(*RAW_FOUR_QUERIES, since=since365), runs=3)
        print(f"  reference: the dashboard figures by four queries {four:6.1f}ms (four scans instead of one)")
        spatial = median_ms(sql(RAW_COMMUNES_SPATIAL_JOIN), runs=1)
        print(f"  reference: per-commune counts by spatial join {spatial:6.1f}ms (the trap the stored commune avoids)")
        page = median_ms(get("/api/v1/map/reports?limit=1000"))
        print(f"  GeoJSON page of 1,000 public reports (HTTP)  {page:7.1f}ms", flush=True)
        whole = median_ms(get("/dashboard"), runs=3)
        verdict = "under" if whole < 1000 else "OVER"
        print(f"  whole dashboard page, last 12 months (HTTP) {whole:8.1f}ms  ({verdict} the 1 s target)", flush=True)
    http.close()
    server.should_exit = True
    thread.join(timeout=10)
    raw.close()
    engine.dispose()


if __name__ == "__main__":
    main()
