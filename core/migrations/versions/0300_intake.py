"""Intake: residents and their consents, reporters of a report, photos, idempotency keys, merges.

Revision ID: 0300
Revises: 0200
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0300"
down_revision: str | None = "0200"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN_STATES_SQL = "state NOT IN ('resolved', 'closed', 'rejected')"


def upgrade() -> None:
    op.create_table(
        "residents",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("name", sa.Text),
        sa.Column("email", sa.Text),
        sa.Column("email_verified_at", sa.DateTime(timezone=True)),
        sa.Column("phone", sa.Text),
        sa.Column("phone_verified_at", sa.DateTime(timezone=True)),
        sa.Column("language", sa.Text, nullable=False, server_default="fr"),
        # A record absorbed into another once an email was verified: kept for the audit trail.
        sa.Column("merged_into_id", sa.BigInteger, sa.ForeignKey("residents.id")),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("language IN ('fr', 'en')", name="language"),
    )
    # One live record per verified contact: that is what "tell us once" finds again.
    op.create_index("ix_residents_verified_email", "residents", ["email"], unique=True,
                    postgresql_where=sa.text("email_verified_at IS NOT NULL AND merged_into_id IS NULL"))
    op.create_index("ix_residents_verified_phone", "residents", ["phone"], unique=True,
                    postgresql_where=sa.text("phone_verified_at IS NOT NULL AND merged_into_id IS NULL"))
    op.create_index("ix_residents_email", "residents", ["email"])
    op.create_index("ix_residents_phone", "residents", ["phone"])
    op.create_table(
        "resident_consents",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("resident_id", sa.BigInteger, sa.ForeignKey("residents.id"), nullable=False, index=True),
        # name | email | phone
        sa.Column("data_kind", sa.Text, nullable=False),
        # report_updates | remember_me
        sa.Column("purpose", sa.Text, nullable=False),
        sa.Column("granted", sa.Boolean, nullable=False),
        sa.Column("channel", sa.Text),
        sa.Column("recorded_by_staff_id", sa.Integer, sa.ForeignKey("staff_users.id")),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.add_column("reports", sa.Column("merged_into_id", sa.BigInteger, sa.ForeignKey("reports.id")))
    op.add_column("reports", sa.Column("entered_by_staff_id", sa.Integer, sa.ForeignKey("staff_users.id")))
    # Duplicate suggestions: KNN on the metric column among open reports only.
    op.create_index("ix_reports_open_category_l93", "reports", ["geom_l93"], postgresql_using="gist",
                    postgresql_where=sa.text(OPEN_STATES_SQL))
    op.create_table(
        "report_reporters",
        sa.Column("report_id", sa.BigInteger, sa.ForeignKey("reports.id"), primary_key=True),
        sa.Column("resident_id", sa.BigInteger, sa.ForeignKey("residents.id"), primary_key=True, index=True),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("contact_consent", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("channel", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("role IN ('original', 'follower', 'merged')", name="role"),
    )
    op.create_table(
        "photos",
        # sha256 of the stored display JPEG: the name of every stored copy.
        sa.Column("hash", sa.Text, primary_key=True),
        sa.Column("width", sa.Integer, nullable=False),
        sa.Column("height", sa.Integer, nullable=False),
        sa.Column("source_type", sa.Text, nullable=False),
        sa.Column("source_bytes", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_table(
        "report_photos",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("report_id", sa.BigInteger, sa.ForeignKey("reports.id"), nullable=False, index=True),
        sa.Column("photo_hash", sa.Text, sa.ForeignKey("photos.hash"), nullable=False, index=True),
        sa.Column("kind", sa.Text, nullable=False, server_default="before"),
        sa.Column("position", sa.Integer, nullable=False, server_default="0"),
        sa.Column("added_by", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("kind IN ('before', 'after')", name="kind"),
        sa.UniqueConstraint("report_id", "photo_hash", "kind", name="uq_report_photos_report_photo_kind"),
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("scope", sa.Text, primary_key=True),
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("fingerprint", sa.Text, nullable=False),
        sa.Column("status_code", sa.Integer),
        sa.Column("response", postgresql.JSONB),
        sa.Column("report_id", sa.BigInteger, sa.ForeignKey("reports.id")),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )


def downgrade() -> None:
    op.drop_table("idempotency_keys")
    op.drop_table("report_photos")
    op.drop_table("photos")
    op.drop_table("report_reporters")
    op.drop_index("ix_reports_open_category_l93", table_name="reports")
    op.drop_column("reports", "entered_by_staff_id")
    op.drop_column("reports", "merged_into_id")
    op.drop_table("resident_consents")
    op.drop_table("residents")
