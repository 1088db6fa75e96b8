"""Addresses of the Base Adresse Nationale and the places the geocoder searches (streets, lieux-dits, communes).

Revision ID: 1700
Revises: sst2
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "1700"
down_revision: str | None = "sst2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Both are contrib extensions shipped with PostgreSQL itself: nothing more to install beside PostGIS.
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    # unaccent() is only STABLE (its dictionary could change); naming the dictionary makes this safe to index.
    # The same folding runs in Python on queries (geo/geocoding/normalize.py); a test keeps the two in step.
    op.execute("""
        CREATE FUNCTION rc_fold(value text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
            SELECT btrim(regexp_replace(lower(public.unaccent('public.unaccent'::regdictionary, value)),
                                        '[^a-z0-9]+', ' ', 'g'))
        $$
    """)
    op.execute("""
        CREATE TABLE addresses (
            id text PRIMARY KEY,
            street_key text NOT NULL,
            number integer,
            rep text NOT NULL DEFAULT '',
            street_name text NOT NULL,
            locality text,
            postcode text,
            citycode text NOT NULL,
            city text NOT NULL,
            district text,
            geom geometry(Point, 4326) NOT NULL,
            geom_l93 geometry(Point, 2154) NOT NULL,
            updated_at timestamptz NOT NULL DEFAULT now()
        )
    """)
    op.execute("CREATE INDEX ix_addresses_geom_l93 ON addresses USING gist (geom_l93)")
    op.execute("CREATE INDEX ix_addresses_street ON addresses (street_key, number, rep)")
    op.execute("CREATE INDEX ix_addresses_citycode ON addresses (citycode)")
    # What a query matches: one row per street of a commune, lieu-dit, commune and arrondissement, rebuilt
    # from addresses after each load (about 30,000 rows for the Rhône's 500,000 addresses).
    op.execute("""
        CREATE TABLE address_places (
            key text PRIMARY KEY,
            kind text NOT NULL CHECK (kind IN ('street', 'locality', 'municipality')),
            name text NOT NULL,
            postcode text,
            citycode text NOT NULL,
            city text NOT NULL,
            district text,
            search text NOT NULL,
            importance real NOT NULL DEFAULT 0,
            addresses integer NOT NULL DEFAULT 0,
            geom geometry(Point, 4326) NOT NULL,
            geom_l93 geometry(Point, 2154) NOT NULL
        )
    """)
    op.execute("CREATE INDEX ix_address_places_search ON address_places USING gin (search gin_trgm_ops)")
    op.execute("CREATE INDEX ix_address_places_geom_l93 ON address_places USING gist (geom_l93)")


def downgrade() -> None:
    op.execute("DROP TABLE address_places")
    op.execute("DROP TABLE addresses")
    op.execute("DROP FUNCTION rc_fold(text)")
