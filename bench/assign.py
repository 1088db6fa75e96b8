"""Routing benchmark on 1,000,000 reports and the demo zones: the platform's code paths against raw SQL.

Single point: geo.service.assign (the platform's own path, through SQLAlchemy) against the same answer
(commune, arrondissement, winning rule, sector) asked by a bare psycopg2 call, unprepared and prepared;
plus the issue's reference query (commune and sector only). Bulk: dispatch.reroute (the platform's re-routing
of every open report after a rule change, history included) against one raw `UPDATE ... FROM`.
Prints p50/p95 and ratios. `python -m bench assign` (or `python -m bench.assign`).
"""

import os
import statistics
import time
from collections.abc import Callable

import psycopg2
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from bench.generate import dsn, ensure
from dispatch.reroute import FINAL_STATES, reroute_open_reports
from geo.service import assign
from geo.sqlfiles import SQL_DIR

POINTS = int(os.environ.get("BENCH_POINTS", "3000"))
REPORTS = int(os.environ.get("BENCH_REPORTS", "1000000"))
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
ASSIGN_SQL = (SQL_DIR / "assign.sql").read_text()
RAW_ASSIGN = ASSIGN_SQL.replace(":lon", "%(lon)s").replace(":lat", "%(lat)s").replace(":category", "%(category)s")
RAW_PREPARE = ("PREPARE raw_assign(float8, float8, text) AS "
               + ASSIGN_SQL.replace(":lon", "$1").replace(":lat", "$2").replace(":category", "$3"))
# The reference: commune and sector containing a point, one SELECT on the same pieces.
RAW_COMMUNE_SECTOR = """
SELECT c.code, c.name, s.code
FROM zone_pieces c
LEFT JOIN zone_pieces s ON s.kind = 'sector' AND s.service_code = 'voirie'
     AND ST_Covers(s.geom, ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326))
WHERE c.kind = 'commune' AND ST_Covers(c.geom, ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326))
ORDER BY c.code LIMIT 1
"""
# A rule change that moves part of the open reports: Villeurbanne's cleanliness reports go to a local team.
RULE_CHANGE = """
INSERT INTO routing_rules (category_code, zone_kind, zone_code, service_code, team, priority, note)
VALUES ('proprete', 'commune', '69266', 'proprete', 'proprete-villeurbanne', 0, 'bench'),
       ('voirie', 'arrondissement', '69383', 'voirie', 'voirie-lyon3', 0, 'bench')
"""
# The raw reference for bulk re-routing: one UPDATE ... FROM over the open reports, each routed by the
# single-point statement in a LATERAL; no history written.
RAW_BULK = """
UPDATE reports r
SET commune_code = a.commune_code, commune_name = a.commune_name, zone_code = a.zone_code,
    service_code = a.service_code, sector_code = a.sector_code, team = a.team, routing_rule_id = a.rule_id
FROM reports o
CROSS JOIN LATERAL (
{assign}
) a
WHERE r.id = o.id AND o.state <> ALL (%(final)s)
  AND (r.commune_code, r.zone_code, r.service_code, r.sector_code, r.team)
      IS DISTINCT FROM (a.commune_code, a.zone_code, a.service_code, a.sector_code, a.team)
""".replace("{assign}", ASSIGN_SQL.replace(":lon", "ST_X(o.geom)").replace(":lat", "ST_Y(o.geom)")
            .replace(":category", "o.category_code"))


def timed(fn: Callable[[float, float, str], object], points: list[tuple[float, float, str]]) -> list[float]:
    times = []
    for lat, lon, category in points:
        started = time.perf_counter()
        fn(lat, lon, category)
        times.append((time.perf_counter() - started) * 1000)
    return times


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def line(name: str, values: list[float], reference: list[float] | None = None) -> None:
    ratio = f"  x{statistics.median(values) / statistics.median(reference):.2f} p50" if reference else ""
    print(f"  {name:<46} p50 {pct(values, 0.5):7.3f} ms  p95 {pct(values, 0.95):7.3f} ms{ratio}", flush=True)


def single_point(url: str) -> None:
    raw = psycopg2.connect(dsn(url))
    cur = raw.cursor()
    cur.execute("SELECT ST_Y(geom), ST_X(geom), category_code FROM reports TABLESAMPLE SYSTEM (1) LIMIT %s",
                (POINTS,))
    points = [(float(a), float(b), str(c)) for a, b, c in cur.fetchall()]
    cur.execute(RAW_PREPARE)
    raw.commit()
    engine = create_engine(url)
    session = Session(engine)

    def platform(lat: float, lon: float, category: str) -> object:
        return assign(session=session, lat=lat, lon=lon, category=category)

    def unprepared(lat: float, lon: float, category: str) -> object:
        cur.execute(RAW_ASSIGN, {"lat": lat, "lon": lon, "category": category})
        return cur.fetchone()

    def prepared(lat: float, lon: float, category: str) -> object:
        cur.execute("EXECUTE raw_assign(%(lon)s, %(lat)s, %(category)s)",
                    {"lat": lat, "lon": lon, "category": category})
        return cur.fetchone()

    def reference(lat: float, lon: float, category: str) -> object:
        cur.execute(RAW_COMMUNE_SECTOR, {"lat": lat, "lon": lon})
        return cur.fetchone()

    # Same answers first: the benchmark is void if the paths disagree.
    for lat, lon, category in points[:200]:
        mine = platform(lat, lon, category)
        theirs = prepared(lat, lon, category)
        assert (mine.commune_code, mine.zone_code, mine.rule_id, mine.service_code, mine.sector_code) == (  # type: ignore[attr-defined]
            theirs[0], theirs[2], theirs[3], theirs[4], theirs[6]), (lat, lon, category)
    for fn in (platform, unprepared, prepared, reference):  # warm caches
        timed(fn, points[:300])
    results: dict[str, list[float]] = {name: [] for name in ("platform", "unprepared", "prepared", "reference")}
    # Interleaved rounds, so that a neighbour's load spike hits every path alike.
    for start in range(0, len(points), 500):
        chunk = points[start:start + 500]
        for name, fn in (("platform", platform), ("unprepared", unprepared), ("prepared", prepared),
                         ("reference", reference)):
            results[name] += timed(fn, chunk)
    print(f"single point, {len(points):,} points sampled from the reports (same answer checked on 200):")
    line("raw psycopg2, assign.sql unprepared", results["unprepared"])
    line("raw psycopg2, assign.sql prepared", results["prepared"])
    line("raw psycopg2, commune + sector only", results["reference"])
    line("platform geo.service.assign vs unprepared", results["platform"], results["unprepared"])
    line("platform geo.service.assign vs prepared", results["platform"], results["prepared"])
    session.close()
    engine.dispose()
    raw.close()


def bulk(url: str) -> None:
    engine = create_engine(url)
    with Session(engine) as session:
        open_reports = session.scalar(text("SELECT count(*) FROM reports WHERE state <> ALL (:f)"),
                                      {"f": list(FINAL_STATES)})
    print(f"bulk re-routing of the {open_reports:,} open reports after a rule change ({RUNS} runs, each rolled back):")
    platform_runs, dry_runs, raw_runs, moved = [], [], [], set()
    raw = psycopg2.connect(dsn(url))
    for _ in range(RUNS):
        with Session(engine) as session:
            session.execute(text(RULE_CHANGE))
            started = time.perf_counter()
            plan = reroute_open_reports(session=session, dry_run=True, list_limit=100)
            dry_runs.append(time.perf_counter() - started)
            session.rollback()
        with Session(engine) as session:
            session.execute(text(RULE_CHANGE))
            started = time.perf_counter()
            plan = reroute_open_reports(session=session, dry_run=False, reason="bench", list_limit=100)
            platform_runs.append(time.perf_counter() - started)
            moved.add(plan.applied)
            session.rollback()
        with raw.cursor() as cur:
            cur.execute("SET jit = off")
            cur.execute(RULE_CHANGE)
            started = time.perf_counter()
            cur.execute(RAW_BULK, {"final": list(FINAL_STATES)})
            raw_runs.append(time.perf_counter() - started)
            moved.add(cur.rowcount)
            raw.rollback()
    assert len(moved) == 1, f"the platform and the raw UPDATE moved different counts: {moved}"
    print(f"  moves: {moved.pop():,} reports")
    raw_median = statistics.median(raw_runs)
    for name, runs in (("raw UPDATE ... FROM (LATERAL per report)", raw_runs),
                       ("platform dry run (lists the moves)", dry_runs),
                       ("platform re-route + history lines", platform_runs)):
        print(f"  {name:<46} median {statistics.median(runs):7.2f} s  runs "
              + ", ".join(f"{r:.2f}" for r in runs) + f"  x{statistics.median(runs) / raw_median:.2f}", flush=True)
    engine.dispose()
    raw.close()


def main() -> None:
    url = ensure(REPORTS)
    single_point(url)
    bulk(url)


if __name__ == "__main__":
    main()
