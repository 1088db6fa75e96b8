"""Webhook subscriptions of partner systems (another administration): their commune or service, a secret.

Revision ID: 0500
Revises: 0700
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0500"
down_revision: str | None = "0700"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "webhook_subscriptions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        # Shared with the partner to sign each delivery (HMAC-SHA256); needed in clear to sign.
        sa.Column("secret", sa.Text, nullable=False),
        # NULL: every commune / every service.
        sa.Column("commune_code", sa.Text),
        sa.Column("service_code", sa.Text, sa.ForeignKey("services.code")),
        sa.Column("events", postgresql.ARRAY(sa.Text), nullable=False,
                  server_default="{ticket.created,ticket.state_changed,ticket.resolved}"),
        sa.Column("api_key_id", sa.Integer, sa.ForeignKey("api_keys.id")),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("url ~ '^https?://'", name="http_url"),
    )
    op.create_index("ix_webhook_subscriptions_active", "webhook_subscriptions", ["commune_code", "service_code"],
                    postgresql_where=sa.text("active"))


def downgrade() -> None:
    op.drop_table("webhook_subscriptions")
