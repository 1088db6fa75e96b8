"""Database engine and session factory, built lazily from the settings."""

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import NamedTuple

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from core.settings import get_settings


def database_url() -> str:
    """The configured URL, or the URL of the cluster the platform manages itself."""
    settings = get_settings()
    if settings.database_url:
        return settings.database_url
    from core.pgcluster import ManagedCluster

    return ManagedCluster.from_settings(settings).url("ruecommune")


@lru_cache
def get_engine() -> Engine:
    """One engine per process; pre-ping so a restarted PostgreSQL costs one failed checkout, not a crash."""
    # hide_parameters: a failing statement's values (a resident's email...) never reach an error or a log.
    return create_engine(database_url(), pool_pre_ping=True, pool_size=10, max_overflow=10, hide_parameters=True)


@lru_cache
def get_read_engine() -> Engine:
    """The engine for read-only map and dashboard queries: the replica when configured, else the primary."""
    url = get_settings().read_database_url
    if not url:
        return get_engine()
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10, hide_parameters=True)


class ReplicaState(NamedTuple):
    """A read replica as /ready sees it."""

    available: bool
    lag_s: float | None


def replica_state(session: Session) -> ReplicaState:
    """Whether the replica behind this session answers and follows a primary, and how many seconds behind it
    replays (0 when it has replayed all it received: an idle primary is no lag)."""
    try:
        standby, lag = session.execute(text(
            "SELECT pg_is_in_recovery(), CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
            "ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END")).one()
    except OperationalError:
        session.rollback()
        return ReplicaState(available=False, lag_s=None)
    return ReplicaState(available=bool(standby), lag_s=round(float(lag or 0), 3))


def session_factory(engine: Engine | None = None) -> sessionmaker[Session]:
    """A sessionmaker bound to the engine; objects stay readable after commit."""
    return sessionmaker(bind=engine or get_engine(), expire_on_commit=False)


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """One transaction for a command-line operation: commit on success, roll back on error."""
    session = session_factory(engine)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
