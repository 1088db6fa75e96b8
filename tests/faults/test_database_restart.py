"""PostgreSQL restarted in the middle of a load: clients get 503 with Retry-After, then recover; no report
is lost and none is duplicated."""

import shutil
import threading
import time
import uuid

import httpx
import uvicorn
from sqlalchemy import create_engine, text

from api.app import create_app
from api.ratelimit import RateLimiter
from core import migrate
from core.pgcluster import ManagedCluster, free_port, resolve_data_dir
from core.settings import PROJECT_ROOT
from geo.demo import load_territory

CLIENTS = 3
REPORTS_PER_CLIENT = 30


def _serve(app):
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    return server, thread, f"http://127.0.0.1:{server.config.port}"


def test_reports_survive_a_database_restart_under_load():
    cluster = ManagedCluster(resolve_data_dir(PROJECT_ROOT / ".data" / f"pg-fault-{uuid.uuid4().hex[:6]}"),
                             free_port())
    cluster.start()
    try:
        cluster.ensure_database("ruecommune")
        url = cluster.url("ruecommune")
        migrate.upgrade(url)
        engine = create_engine(url, pool_pre_ping=True, pool_size=5)
        from sqlalchemy.orm import Session

        with Session(engine) as session:
            load_territory(session=session)
            session.commit()
        app = create_app(engine)
        app.state.intake_limiter = RateLimiter(10**6, 600)  # this test is about faults, not abuse
        server, thread, base = _serve(app)
        statuses: list[int] = []
        retry_afters: list[str] = []
        succeeded: list[str] = []
        lock = threading.Lock()

        def resident(worker: int) -> None:
            with httpx.Client(base_url=base, timeout=10) as client:
                for i in range(REPORTS_PER_CLIENT):
                    key = f"fault-{worker}-{i}-{uuid.uuid4().hex[:6]}"
                    deadline = time.monotonic() + 60
                    while time.monotonic() < deadline:
                        try:
                            answer = client.post("/api/v1/reports", headers={"Idempotency-Key": key}, json={
                                "lat": 45.75 + i * 0.0005, "lon": 4.83 + worker * 0.001, "category": "pothole",
                                "description": f"restart test {key}"})
                        except httpx.TransportError:
                            time.sleep(0.2)
                            continue
                        with lock:
                            statuses.append(answer.status_code)
                            if answer.status_code == 503:
                                retry_afters.append(answer.headers.get("retry-after", ""))
                        if answer.status_code in (200, 201):
                            with lock:
                                succeeded.append(key)
                            break
                        assert answer.status_code == 503, answer.text
                        time.sleep(0.2)
                    time.sleep(0.02)

        threads = [threading.Thread(target=resident, args=(w,)) for w in range(CLIENTS)]
        for t in threads:
            t.start()
        while len(succeeded) < CLIENTS * REPORTS_PER_CLIENT // 3:
            time.sleep(0.05)
        assert cluster.stop()
        time.sleep(1.5)  # clients hit a dead database for a while
        cluster.start()
        for t in threads:
            t.join(timeout=120)
        server.should_exit = True
        thread.join(timeout=10)

        assert len(succeeded) == CLIENTS * REPORTS_PER_CLIENT == len(set(succeeded))
        assert 503 in statuses and set(retry_afters) == {"5"}
        assert set(statuses) <= {200, 201, 503}
        with engine.connect() as conn:
            stored = conn.execute(text(
                "SELECT count(*), count(DISTINCT description) FROM reports WHERE description LIKE 'restart test %'"
            )).one()
        assert tuple(stored) == (CLIENTS * REPORTS_PER_CLIENT, CLIENTS * REPORTS_PER_CLIENT)
        engine.dispose()
    finally:
        cluster.stop()
        shutil.rmtree(cluster.data_dir, ignore_errors=True)
