"""Routing many points at once in PostGIS: routing_input (id, geom, category) -> routing_output."""

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.sqlfiles import sql

INPUT_TABLE = (
    "CREATE TEMPORARY TABLE routing_input (id bigint PRIMARY KEY, geom geometry(Point, 4326) NOT NULL,"
    " category text) ON COMMIT DROP"
)


def create_input(*, session: Session, extra_columns: str = "") -> None:
    """An empty temporary routing_input table for this transaction (extra columns for the caller's use)."""
    session.execute(text("DROP TABLE IF EXISTS routing_input, routing_covering, routing_output"))
    columns = f" category text, {extra_columns})" if extra_columns else " category text)"
    session.execute(text(INPUT_TABLE.replace(" category text)", columns)))


def route_input(*, session: Session) -> int:
    """Route every row of routing_input into the temporary table routing_output (id, commune_code,
    commune_name, zone_code, rule_id, service_code, team, sector_code); return how many were routed.

    The caller fills routing_input first (create_input, or its own temporary table or view of that shape).
    Rows outside the territory are absent from routing_output.
    """
    # The planner's costs for ST_Covers are far off; JIT compilation then spends seconds for nothing.
    session.execute(text("SET LOCAL jit = off"))
    # Grouping a million (point, zone) pairs spills to disk with the default 4 MB.
    session.execute(text("SET LOCAL work_mem = '256MB'"))
    session.execute(text("DROP TABLE IF EXISTS routing_covering, routing_output"))
    session.execute(text("CREATE INDEX IF NOT EXISTS routing_input_geom ON routing_input USING gist (geom)"))
    session.execute(text("ANALYZE routing_input"))
    session.execute(sql("bulk_covering"))
    session.execute(text("ANALYZE routing_covering"))
    routed = session.connection().execute(sql("bulk_resolve")).rowcount
    session.execute(text("ALTER TABLE routing_output ADD PRIMARY KEY (id)"))
    session.execute(text("ANALYZE routing_output"))
    return int(routed)
