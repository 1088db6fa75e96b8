"""Side-by-side read queries: each on its own connection, results in the order of the jobs."""

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from maps.runner import in_parallel, in_series


def _pid(session: Session) -> int:
    return int(session.execute(text("SELECT pg_backend_pid() FROM pg_sleep(0.2)")).scalar_one())


def test_in_parallel_runs_each_job_on_its_own_connection_and_keeps_their_order(engine):
    run = in_parallel(sessionmaker(engine))
    results = run([lambda s: ("first", _pid(s)), lambda s: ("second", _pid(s)), lambda s: ("third", _pid(s))])
    assert [name for name, _ in results] == ["first", "second", "third"]
    assert len({pid for _, pid in results}) == 3


def test_in_series_shares_the_session_and_its_transaction(session):
    session.execute(text("CREATE TEMP TABLE runner_probe (n int) ON COMMIT DROP"))
    session.execute(text("INSERT INTO runner_probe VALUES (7)"))
    run = in_series(session)
    assert run([lambda s: s.execute(text("SELECT n FROM runner_probe")).scalar_one(), _pid]) == [7, _pid(session)]
