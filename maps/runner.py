"""Run independent read queries side by side, each on its own connection, or one after the other on one."""

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

from sqlalchemy.orm import Session

Job = Callable[[Session], Any]


class Runner(Protocol):
    """Runs jobs and returns their results in the order given."""

    def __call__(self, jobs: Sequence[Job]) -> list[Any]: ...


def in_parallel(new_session: Callable[[], Session], *, workers: int = 4) -> Runner:
    """Each job in a thread with a fresh read-only session: a dashboard's scans use every core PostgreSQL has."""

    def one(job: Job) -> Any:
        with new_session() as session:
            try:
                return job(session)
            finally:
                session.rollback()

    def run(jobs: Sequence[Job]) -> list[Any]:
        if len(jobs) <= 1:
            return [one(job) for job in jobs]
        with ThreadPoolExecutor(max_workers=min(workers, len(jobs)), thread_name_prefix="figures") as pool:
            return list(pool.map(one, jobs))

    return run


def in_series(session: Session) -> Runner:
    """Every job on the one session given, in turn (inside a transaction that must see its own writes)."""

    def run(jobs: Sequence[Job]) -> list[Any]:
        return [job(session) for job in jobs]

    return run
