"""Map reads go to a real PostgreSQL streaming replica when one is configured; writes stay on the primary."""

import shutil
import subprocess
import time
import uuid

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, make_url

from api.app import create_app
from core import migrate
from core.pgcluster import ManagedCluster, _running_as_root, find_bindir, free_port, resolve_data_dir
from core.settings import PROJECT_ROOT
from tests.conftest import BELLECOUR


def _as_postgres(args: list[str]) -> subprocess.CompletedProcess[str]:
    if _running_as_root():
        args = ["runuser", "-u", "postgres", "--", *args]
    return subprocess.run(args, capture_output=True, text=True, check=False)


def test_map_reads_come_from_the_replica_and_writes_from_the_primary(pg_server):
    primary = ManagedCluster(resolve_data_dir(PROJECT_ROOT / ".data" / f"pg-primary-{uuid.uuid4().hex[:6]}"),
                             free_port())
    primary.start()
    replica = ManagedCluster(resolve_data_dir(PROJECT_ROOT / ".data" / f"pg-replica-{uuid.uuid4().hex[:6]}"),
                             free_port())
    try:
        primary.ensure_database("ruecommune")
        url = primary.url("ruecommune")
        migrate.upgrade(url)
        # Clone the primary and follow it: pg_basebackup -R writes standby.signal and the connection.
        replica.data_dir.parent.mkdir(parents=True, exist_ok=True)
        if _running_as_root():
            shutil.chown(replica.data_dir.parent, "postgres", "postgres")
        cloned = _as_postgres([str(find_bindir() / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(primary.port),
                               "-U", "postgres", "-D", str(replica.data_dir), "-R", "-X", "stream", "-c", "fast"])
        assert cloned.returncode == 0, cloned.stderr
        replica.start()
        replica_url = make_url(url).set(port=replica.port).render_as_string(hide_password=False)
        engine, read_engine = create_engine(url), create_engine(replica_url)
        with read_engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT pg_is_in_recovery()").scalar() is True

        from sqlalchemy.orm import Session

        from geo.demo import load_territory

        with Session(engine) as session:
            load_territory(session=session)
            session.commit()
        app = create_app(engine, read_engine=read_engine)
        with TestClient(app) as client:
            created = client.post("/api/v1/reports", json={"lat": BELLECOUR[0], "lon": BELLECOUR[1],
                                                           "category": "pothole", "description": "réplique"})
            assert created.status_code == 201, created.text
            deadline = time.monotonic() + 20
            while created.json()["ref"] not in client.get("/api/v1/map/reports").text:
                assert time.monotonic() < deadline, "the replica never showed the new report"
                time.sleep(0.2)
            replica.stop()
            read_engine.dispose()
            assert client.get("/api/v1/map/reports").status_code == 503  # reads really were on the replica
            assert client.post("/api/v1/reports", json={"lat": BELLECOUR[0], "lon": BELLECOUR[1],
                                                        "category": "pothole"}).status_code == 201
        engine.dispose()
    finally:
        replica.stop()
        primary.stop()
        shutil.rmtree(replica.data_dir, ignore_errors=True)
        shutil.rmtree(primary.data_dir, ignore_errors=True)
