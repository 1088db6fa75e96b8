"""A reusable bench territory: the demo zones and 1,000,000 routed reports, made with generate_series in SQL.

Other benchmarks call `ensure(reports=...)` and get the URL of the `ruecommune_bench` database (on the
managed cluster, or on RUECOMMUNE_DATABASE_URL's server). Reports are only regenerated when their count
differs. `python -m bench.generate [--reports N] [--force]` does it by hand.
"""

import argparse
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.orm import Session

from core import migrate
from core.pgcluster import ManagedCluster, create_database
from core.settings import get_settings
from geo.bulk import create_input, route_input
from geo.demo import load_territory

BENCH_DB = "ruecommune_bench"
SQL_DIR = Path(__file__).resolve().parent / "sql"
# States written for open and finished reports; the workflow's states may grow, these two stay meaningful.
OPEN_STATE = "new"
DONE_STATE = "closed"
# Two thirds of the candidate points fall inside the territory: draw enough to keep N after the cut.
OVERSAMPLE = 1.45


def server_url() -> str:
    """URL of the maintenance database of the benchmarks' server: RUECOMMUNE_DATABASE_URL's, or the managed cluster."""
    settings = get_settings()
    if settings.database_url:
        return make_url(settings.database_url).set(database="postgres").render_as_string(hide_password=False)
    cluster = ManagedCluster.from_settings(settings)
    cluster.start()
    return cluster.url("postgres")


def database_url(name: str, *, fresh: bool = False) -> str:
    """URL of database `name` on the benchmarks' server, created with PostGIS when missing (dropped first if fresh)."""
    admin = make_url(server_url())
    create_database(dsn(admin.render_as_string(hide_password=False)), name, fresh=fresh)
    return admin.set(database=name).render_as_string(hide_password=False)


def bench_database_url() -> str:
    """URL of the bench database, created with PostGIS when missing (SQLAlchemy form, psycopg2 driver)."""
    return database_url(BENCH_DB)


def dsn(url: str) -> str:
    """The libpq form of a SQLAlchemy URL, for bare psycopg2 connections."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def generate_reports(*, session: Session, reports: int, say: Callable[[str], None] = print) -> int:
    """Replace every report with `reports` random ones routed in bulk by geo.bulk (the platform's own SQL)."""
    started = time.perf_counter()
    session.execute(text("TRUNCATE reports, report_events RESTART IDENTITY CASCADE"))
    create_input(session=session, extra_columns="created_at timestamptz, open boolean")
    session.execute(text((SQL_DIR / "candidate_points.sql").read_text()),
                    {"candidates": int(reports * OVERSAMPLE) + 1000})
    say(f"  {int(reports * OVERSAMPLE) + 1000:,} candidate points in {time.perf_counter() - started:.1f} s")
    routed = route_input(session=session)
    say(f"  {routed:,} inside the territory routed in {time.perf_counter() - started:.1f} s")
    made = session.connection().execute(text((SQL_DIR / "insert_reports.sql").read_text()), {
        "reports": reports, "open_state": OPEN_STATE, "done_state": DONE_STATE}).rowcount
    say(f"  {made:,} reports routed and inserted in {time.perf_counter() - started:.1f} s")
    return int(made)


def ensure(reports: int = 1_000_000, *, force: bool = False, say: Callable[[str], None] = print) -> str:
    """The bench database, migrated, with the demo territory and exactly `reports` reports; its URL."""
    url = bench_database_url()
    migrate.upgrade(url)
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            load_territory(session=session)
            session.commit()
            have = session.scalar(text("SELECT count(*) FROM reports"))
            if have == reports and not force:
                say(f"bench database {BENCH_DB}: {have:,} reports already there")
                return url
            say(f"bench database {BENCH_DB}: generating {reports:,} reports (had {have:,})")
            generate_reports(session=session, reports=reports, say=say)
            session.commit()
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE reports"))
    finally:
        engine.dispose()
    return url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--force", action="store_true", help="regenerate even if the count matches")
    args = parser.parse_args()
    print(ensure(args.reports, force=args.force))


if __name__ == "__main__":
    main()
