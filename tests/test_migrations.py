"""Alembic is the only way the schema is made: upgrade, downgrade to nothing, upgrade again."""

from sqlalchemy import create_engine, inspect

from core import migrate


def tables(url):
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"spatial_ref_sys"}
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade(fresh_database):
    url = fresh_database()
    migrate.upgrade(url)
    created = tables(url)
    assert {"zones", "reports", "report_events", "categories", "routing_rules", "services"} <= created
    migrate.downgrade(url, "base")
    assert tables(url) == {"alembic_version"}
    migrate.upgrade(url)
    assert tables(url) == created
