"""Staff scopes and API keys for partner systems; the outbox of side effects (emails, webhooks).

Revision ID: 0200
Revises: 0001
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0200"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Service staff and crews may be limited to some sectors of their service; empty means all of them.
    op.add_column("staff_users", sa.Column("sector_codes", postgresql.ARRAY(sa.Text), nullable=False,
                                           server_default="{}"))
    op.add_column("staff_users", sa.Column("language", sa.Text, nullable=False, server_default="fr"))
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        # The key's public prefix finds the row; only a SHA-256 of the whole key is kept.
        sa.Column("prefix", sa.Text, nullable=False, unique=True),
        sa.Column("key_hash", sa.Text, nullable=False),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("commune_code", sa.Text),
        sa.Column("service_code", sa.Text, sa.ForeignKey("services.code")),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("last_used_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint(
            "role IN ('agent', 'commune_staff', 'service_staff', 'crew', 'official', 'admin', 'partner')",
            name="role"),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger, primary_key=True),
        # email | webhook | ...: the worker hands each row to the handler registered for its kind.
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("payload", postgresql.JSONB, nullable=False),
        # A message enqueued twice with the same key is stored once.
        sa.Column("dedupe_key", sa.Text, unique=True),
        sa.Column("status", sa.Text, nullable=False, server_default="pending"),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("last_error", sa.Text),
        sa.Column("report_id", sa.BigInteger, sa.ForeignKey("reports.id")),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("status IN ('pending', 'sent', 'dead')", name="status"),
    )
    # The worker only ever looks for due pending rows: keep that index small.
    op.create_index("ix_outbox_due", "outbox", ["next_attempt_at", "id"],
                    postgresql_where=sa.text("status = 'pending'"))
    op.create_index("ix_outbox_report", "outbox", ["report_id"])


def downgrade() -> None:
    op.drop_table("outbox")
    op.drop_table("api_keys")
    op.drop_column("staff_users", "language")
    op.drop_column("staff_users", "sector_codes")
