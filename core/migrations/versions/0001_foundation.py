"""Foundation: zones, services, categories, routing rules, reports and their append-only history.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.create_table(
        "services",
        sa.Column("code", sa.Text, primary_key=True),
        sa.Column("name_fr", sa.Text, nullable=False),
        sa.Column("name_en", sa.Text, nullable=False),
        sa.Column("supervisor_email", sa.Text),
    )
    op.create_table(
        "zones",
        sa.Column("id", sa.Integer, primary_key=True),
        # commune | arrondissement | sector
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("code", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("parent_code", sa.Text),
        sa.Column("service_code", sa.Text, sa.ForeignKey("services.code")),
        sa.Column("population", sa.Integer),
        sa.Column("postcodes", postgresql.ARRAY(sa.Text), nullable=False, server_default="{}"),
        sa.Column("valid_from", sa.Date, nullable=False, server_default=sa.text("'1900-01-01'")),
        sa.Column("valid_to", sa.Date),
        sa.Column("source", sa.Text),
        sa.Column("geom", Geometry("MULTIPOLYGON", 4326, spatial_index=False), nullable=False),
        sa.CheckConstraint("kind IN ('commune', 'arrondissement', 'sector')", name="kind"),
        sa.CheckConstraint("ST_IsValid(geom)", name="valid_geom"),
    )
    op.create_index("ix_zones_geom", "zones", ["geom"], postgresql_using="gist")
    op.create_index("ix_zones_current", "zones", ["kind", "code"], unique=True,
                    postgresql_where=sa.text("valid_to IS NULL"))
    op.create_table(
        "categories",
        sa.Column("code", sa.Text, primary_key=True),
        sa.Column("parent_code", sa.Text, sa.ForeignKey("categories.code")),
        sa.Column("name_fr", sa.Text, nullable=False),
        sa.Column("name_en", sa.Text, nullable=False),
        sa.Column("service_code", sa.Text, sa.ForeignKey("services.code")),
        sa.Column("icon", sa.Text, nullable=False, server_default="circle-exclamation"),
        sa.Column("duplicate_radius_m", sa.Integer, nullable=False, server_default="50"),
        sa.Column("deadline_days", sa.Integer, nullable=False, server_default="10"),
    )
    op.create_table(
        "routing_rules",
        sa.Column("id", sa.Integer, primary_key=True),
        # NULL category: every category; NULL zone_code: the whole territory.
        sa.Column("category_code", sa.Text, sa.ForeignKey("categories.code")),
        sa.Column("zone_kind", sa.Text),
        sa.Column("zone_code", sa.Text),
        sa.Column("service_code", sa.Text, sa.ForeignKey("services.code"), nullable=False),
        sa.Column("team", sa.Text),
        sa.Column("priority", sa.Integer, nullable=False, server_default="0"),
        sa.Column("note", sa.Text),
        sa.CheckConstraint("zone_kind IS NULL OR zone_kind IN ('commune', 'arrondissement', 'sector')",
                           name="zone_kind"),
        sa.CheckConstraint("(zone_kind IS NULL) = (zone_code IS NULL)", name="zone_pair"),
    )
    op.create_table(
        "staff_users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.Text, nullable=False, unique=True),
        sa.Column("name", sa.Text, nullable=False),
        # agent | commune_staff | service_staff | crew | official | admin
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("commune_code", sa.Text),
        sa.Column("service_code", sa.Text, sa.ForeignKey("services.code")),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint(
            "role IN ('agent', 'commune_staff', 'service_staff', 'crew', 'official', 'admin')", name="role"),
    )
    op.create_table(
        "reports",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("ref", sa.Text, nullable=False, unique=True),
        sa.Column("category_code", sa.Text, sa.ForeignKey("categories.code"), nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("address_text", sa.Text),
        sa.Column("geom", Geometry("POINT", 4326, spatial_index=False), nullable=False),
        # Metric copy for distances in true metres (Lambert-93), kept by the database itself.
        sa.Column("geom_l93", Geometry("POINT", 2154, spatial_index=False),
                  sa.Computed("ST_Transform(geom, 2154)", persisted=True)),
        sa.Column("location_source", sa.Text, nullable=False, server_default="device"),
        # Snapshot of the routing at intake: a later change of zones never rewrites history.
        sa.Column("commune_code", sa.Text, nullable=False),
        sa.Column("commune_name", sa.Text, nullable=False),
        sa.Column("zone_code", sa.Text),
        sa.Column("service_code", sa.Text),
        sa.Column("sector_code", sa.Text),
        sa.Column("team", sa.Text),
        sa.Column("routing_rule_id", sa.Integer),
        sa.Column("state", sa.Text, nullable=False, server_default="new"),
        sa.Column("outcome", sa.Text),
        sa.Column("channel", sa.Text, nullable=False, server_default="app"),
        sa.Column("is_demo", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("due_at", sa.DateTime(timezone=True)),
        sa.Column("resolved_at", sa.DateTime(timezone=True)),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint(
            "channel IN ('app', 'web', 'phone', 'counter', 'email', 'commune_office', 'open311')", name="channel"
        ),
    )
    op.create_index("ix_reports_geom", "reports", ["geom"], postgresql_using="gist")
    op.create_index("ix_reports_geom_l93", "reports", ["geom_l93"], postgresql_using="gist")
    op.create_index("ix_reports_commune_created", "reports", ["commune_code", "created_at"])
    op.create_index("ix_reports_state", "reports", ["state"])
    op.create_table(
        "report_events",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("report_id", sa.BigInteger, sa.ForeignKey("reports.id"), nullable=False, index=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("actor_kind", sa.Text, nullable=False, server_default="system"),
        sa.Column("actor_id", sa.Text),
        sa.Column("role", sa.Text),
        sa.Column("channel", sa.Text),
        sa.Column("from_state", sa.Text),
        sa.Column("to_state", sa.Text),
        sa.Column("note", sa.Text),
        sa.Column("public", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("data", postgresql.JSONB, nullable=False, server_default="{}"),
    )
    # The history is append-only: the database itself refuses to edit or delete it.
    op.execute(
        """
        CREATE FUNCTION report_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF current_setting('ruecommune.allow_history_rewrite', true) = 'on' THEN
                RETURN COALESCE(NEW, OLD);
            END IF;
            RAISE EXCEPTION 'report_events is append-only' USING ERRCODE = 'insufficient_privilege';
        END $$;
        CREATE TRIGGER report_events_append_only BEFORE UPDATE OR DELETE ON report_events
            FOR EACH ROW EXECUTE FUNCTION report_events_append_only();
        """
    )


def downgrade() -> None:
    op.drop_table("report_events")
    op.execute("DROP FUNCTION IF EXISTS report_events_append_only()")
    op.drop_table("reports")
    op.drop_table("staff_users")
    op.drop_table("routing_rules")
    op.drop_table("categories")
    op.drop_table("zones")
    op.drop_table("services")
