"""Load test: a mix of intake, map reads, crew nearby and Open311 reads against a real server.

Prints throughput and p50/p95/p99 per kind beside the raw engine limit each is measured against, and
checks that nothing was lost: reports in the database == successful intake answers.

    python -m bench.load --duration 600 --users 60     # the 10-minute acceptance run
"""

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg2
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from api.auth import SESSION_COOKIE, open_session
from bench.setup import bench_database, start_server

# Raw engine figures measured on this kind of machine (../shared/PERFORMANCE.md).
REFERENCE = {
    "intake": "raw INSERT with assignment: 0.54 ms (1,670/s on one connection)",
    "map read": "raw GeoJSON/tile SQL for the same answer (see bench/maps.py)",
    "crew nearby": "raw KNN, 20 nearest within 2 km: 0.55 ms p50, 1.7 ms p99",
    "open311 read": "raw filtered list of 50 requests (see bench/open311)",
}

# Crews work on routed tickets: half the seed reports become 'triaged', and one crew of the roads service
# asks for the tickets near random points, signed in by the same session cookie the PWA gets.
CREW_SERVICE = "voirie"
CREW_SETUP = """
UPDATE reports SET state = 'triaged' WHERE id %% 2 = 0;
ANALYZE reports;
INSERT INTO staff_users (email, name, role, service_code, password_hash, sector_codes)
VALUES ('load-crew@staff.example', 'Load crew', 'crew', %(service)s, 'x', '{}') RETURNING id;
"""


def crew_cookie(dsn: str) -> str:
    """A signed session cookie of a fresh crew member of CREW_SERVICE."""
    with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute(CREW_SETUP, {"service": CREW_SERVICE})
        row = cur.fetchone()
        assert row is not None
    engine = create_engine("postgresql+psycopg2://", creator=lambda: psycopg2.connect(dsn))
    with Session(engine) as session:
        cookie, _ = open_session(session=session, staff_id=row[0])
        session.commit()
    engine.dispose()
    return f"{SESSION_COOKIE}={cookie}"


def run_locust(host: str, users: int, duration: int, env: dict[str, str]) -> list[dict[str, str]]:
    """Run locust headless and return its per-kind statistics rows."""
    prefix = Path(tempfile.mkdtemp()) / "load"
    locustfile = Path(__file__).with_name("locustfile.py")
    subprocess.run(
        [sys.executable, "-m", "locust", "-f", str(locustfile), "--headless", "-u", str(users),
         "-r", str(max(1, users // 5)), "-t", f"{duration}s", "--host", host, "--csv", str(prefix),
         "--only-summary", "--loglevel", "WARNING", "--stop-timeout", "10"],
        env={**os.environ, **env}, check=False,
    )
    with open(f"{prefix}_stats.csv") as f:
        return list(csv.DictReader(f))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=60, help="seconds of load (600 for the acceptance run)")
    parser.add_argument("--users", type=int, default=50, help="concurrent simulated clients")
    args = parser.parse_args([] if argv is None else argv)

    url = bench_database("ruecommune_load", seed_reports=20_000)
    server = start_server(url, env={"RUECOMMUNE_INTAKE_RATE_LIMIT": str(10**9)})
    try:
        dsn = url.replace("postgresql+psycopg2", "postgresql")
        refs_file = Path(tempfile.mkdtemp()) / "answered.txt"
        env = {"BENCH_MAP_PATH": os.environ.get(
            "BENCH_MAP_PATH", "/api/v1/map/reports?bbox={west},{south},{east},{north}&limit=200"),
               "BENCH_REFS_FILE": str(refs_file), "BENCH_CREW_COOKIE": crew_cookie(dsn),
               "BENCH_CREW_NEARBY_PATH": "/api/v1/crews/me/tickets/nearby?lat={lat}&lon={lon}&radius=2000&limit=20"}
        started = time.monotonic()
        rows = run_locust(server.url, args.users, args.duration, env)
        elapsed = time.monotonic() - started
        with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
            cur.execute("SELECT ref FROM reports WHERE description = 'load test'")
            stored = {row[0] for row in cur.fetchall()}
        answered = set(refs_file.read_text().split())
    finally:
        server.stop()

    print(f"\nload: {args.users} clients for {args.duration} s ({elapsed:.0f} s wall)\n")
    print(f"{'kind':<14} {'requests':>9} {'fails':>6} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}  limit")
    total = None
    for row in rows:
        name = row["Name"]
        line = (f"{name:<14} {row['Request Count']:>9} {row['Failure Count']:>6} {float(row['Requests/s']):>7.1f} "
                f"{row['50%']:>7} {row['95%']:>7} {row['99%']:>7}")
        if name == "Aggregated":
            total = row
            print("-" * 72)
            print(line)
            continue
        print(f"{line}  {REFERENCE.get(name, '')}")
    verdict_rate = total is not None and float(total["Requests/s"]) >= 100
    verdict_p99 = total is not None and float(total["99%"]) < 500
    lost = answered - stored
    verdict_lost = not lost
    print(f"\nintake answered 201: {len(answered)}; of those in the database: {len(answered & stored)} "
          f"-> {'nothing lost' if verdict_lost else f'{len(lost)} LOST'}; "
          f"stored but unanswered (in flight when the run stopped): {len(stored - answered)}")
    print(f"throughput >= 100 req/s: {'yes' if verdict_rate else 'NO'}; p99 < 500 ms: {'yes' if verdict_p99 else 'NO'}")
    return 0 if (verdict_lost and verdict_rate and verdict_p99) else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
