"""Database engine and session factory, built lazily from the settings."""

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from sqlalchemy import Engine, create_engine
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
