"""Shared benchmark setup: a fresh database on the benchmarks' server (bench.generate.server_url)
and a real server process in front of it."""

import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

import httpx
import uvicorn
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from api.app import create_app
from bench.generate import database_url
from core import migrate
from core.pgcluster import free_port
from geo.demo import load_territory


def bench_port() -> int:
    """The port a benchmark's server listens on: BENCH_PORT on a shared machine, else any free one."""
    return int(os.environ.get("BENCH_PORT") or free_port())


def bench_database(name: str, *, seed_reports: int = 0) -> str:
    """Drop and recreate database `name` with PostGIS, the schema, the demo territory and seed reports."""
    url = database_url(name, fresh=True)
    migrate.upgrade(url)
    engine = create_engine(url)
    with Session(engine) as session:
        load_territory(session=session)
        session.commit()
    if seed_reports:
        with engine.begin() as db:
            db.exec_driver_sql(SEED_SQL, {"n": seed_reports})
            db.exec_driver_sql("ANALYZE reports")
    engine.dispose()
    return url


# Random points over Lyon's centre, each given its commune by PostGIS, spread over the last year.
SEED_SQL = """
INSERT INTO reports (ref, category_code, description, geom, commune_code, commune_name, service_code,
                     state, channel, created_at, updated_at)
SELECT 'RC-SEED-' || g, c.code, 'seed', p.pt, z.code, z.name, c.service_code, 'new', 'app',
       now() - random() * interval '365 days', now()
FROM generate_series(1, %(n)s) AS g
CROSS JOIN LATERAL (SELECT ST_SetSRID(ST_MakePoint(4.80 + random() * 0.10, 45.72 + random() * 0.07), 4326)
                    AS pt, g AS k) AS p
JOIN LATERAL (SELECT code, name FROM zones WHERE kind = 'commune' AND valid_to IS NULL
              AND ST_Covers(geom, p.pt) ORDER BY code LIMIT 1) AS z ON true
JOIN LATERAL (SELECT code, parent_code AS service_code FROM categories WHERE parent_code IS NOT NULL
              ORDER BY md5(p.k::text || code) LIMIT 1) AS c ON true
"""


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start_server(database_url: str, *, env: dict[str, str] | None = None, timeout_s: float = 30) -> Server:
    """`uvicorn api.app:create_app` on BENCH_PORT (else a free port) over database_url, ready when /health answers."""
    port = bench_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning", "--no-access-log"],
        env={**os.environ, "RUECOMMUNE_DATABASE_URL": database_url, **(env or {})},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return Server(url, process)
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("the benchmark server did not start")


def serve(url: str) -> tuple[str, uvicorn.Server, threading.Thread]:
    """The app on uvicorn in a thread of this process (BENCH_PORT, else a free port), once it listens."""
    engine = create_engine(url, pool_pre_ping=True)
    port = bench_port()
    server = uvicorn.Server(uvicorn.Config(create_app(engine), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", server, thread
