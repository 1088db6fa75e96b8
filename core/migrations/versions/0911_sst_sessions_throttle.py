"""Server-side staff sessions (revocable), failure throttles shared by every replica, revoked API keys dated.

Revision ID: sst2
Revises: si0900
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "sst2"
down_revision: str | None = "si0900"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "staff_sessions",
        # Only a SHA-256 of the cookie's secret: a copy of this table opens no session.
        sa.Column("token_hash", sa.Text, primary_key=True),
        sa.Column("staff_id", sa.Integer, sa.ForeignKey("staff_users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_staff_sessions_live", "staff_sessions", ["staff_id"],
                    postgresql_where=sa.text("revoked_at IS NULL"))
    op.create_table(
        "throttle",
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_throttle_last_failure", "throttle", ["last_failure_at"])
    op.add_column("api_keys", sa.Column("revoked_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    op.drop_column("api_keys", "revoked_at")
    op.drop_table("throttle")
    op.drop_table("staff_sessions")
