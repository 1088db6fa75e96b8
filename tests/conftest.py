"""Test harness: a real PostGIS (TEST_DATABASE_URL, or a throwaway cluster the suite starts itself).

Once per run: a fresh database, PostGIS, `alembic upgrade head`, the demo territory. Per test: an outer
transaction rolled back at the end, so tests are isolated and independent of their order.
"""

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pytest_postgresql.janitor import DatabaseJanitor
from sqlalchemy import Engine, create_engine, make_url
from sqlalchemy.orm import Session

from api.app import create_app
from api.deps import get_session
from core import migrate
from core.pgcluster import ManagedCluster, ensure_postgis, free_port, resolve_data_dir
from core.settings import PROJECT_ROOT
from geo.demo import load_territory


@pytest.fixture(scope="session")
def pg_server() -> Iterator[dict[str, object]]:
    """Host, port and user of a PostGIS-capable server: TEST_DATABASE_URL's, or our own throwaway cluster."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        parsed = make_url(url)
        yield {"host": parsed.host or "127.0.0.1", "port": parsed.port or 5432, "user": parsed.username or "postgres",
               "password": parsed.password}
        return
    cluster = ManagedCluster(resolve_data_dir(PROJECT_ROOT / ".data" / "pg-test"), free_port())
    cluster.start()  # fails loudly (ClusterError) when PostgreSQL or PostGIS cannot be had: never skips
    yield {"host": "127.0.0.1", "port": cluster.port, "user": "postgres", "password": None}


def _url(server: dict[str, object], dbname: str) -> str:
    auth = f"{server['user']}:{server['password']}" if server["password"] else str(server["user"])
    return f"postgresql+psycopg2://{auth}@{server['host']}:{server['port']}/{dbname}"


@pytest.fixture(scope="session")
def fresh_database(pg_server: dict[str, object]) -> Iterator[object]:
    """A factory of empty PostGIS databases, dropped at the end of the run."""
    janitors: list[DatabaseJanitor] = []

    def make() -> str:
        name = f"rc_test_{uuid.uuid4().hex[:10]}"
        janitor = DatabaseJanitor(user=str(pg_server["user"]), host=str(pg_server["host"]),
                                  port=int(str(pg_server["port"])), dbname=name,
                                  password=pg_server["password"])  # type: ignore[arg-type]
        janitor.init()
        janitors.append(janitor)
        url = _url(pg_server, name)
        ensure_postgis(make_url(url).render_as_string(hide_password=False).replace("postgresql+psycopg2", "postgresql"))
        return url

    yield make
    for janitor in janitors:
        janitor.drop()


@pytest.fixture(scope="session")
def database_url(fresh_database: object) -> str:
    """The run's database: migrated by Alembic, holding the demo territory."""
    url: str = fresh_database()  # type: ignore[operator]
    migrate.upgrade(url)
    engine = create_engine(url)
    with Session(engine) as session:
        load_territory(session=session)
        session.commit()
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    eng = create_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session inside an outer transaction that is rolled back at the end of the test."""
    connection = engine.connect()
    outer = connection.begin()
    sess = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield sess
    finally:
        sess.close()
        outer.rollback()
        connection.close()


@pytest.fixture
def client(engine: Engine, session: Session) -> Iterator[TestClient]:
    """The real app; each request's transaction is a savepoint inside the test's outer transaction."""
    app = create_app(engine)

    def test_session() -> Iterator[Session]:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise

    app.dependency_overrides[get_session] = test_session
    with TestClient(app) as test_client:
        yield test_client


DATA_DIR = Path(__file__).resolve().parent.parent / "geo" / "data"

# The five points of the foundation issue.
BELLECOUR = (45.7578, 4.8320)
VILLEURBANNE_TOWN_HALL = (45.7666, 4.8795)
PARIS = (48.8566, 2.3522)
