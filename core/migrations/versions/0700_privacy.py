"""Privacy requests: every export, erasure and retention run, logged without personal data.

Revision ID: 0700
Revises: 0100
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0700"
down_revision: str | None = "0100"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "privacy_requests",
        sa.Column("id", sa.BigInteger, primary_key=True),
        # export | erase | retention
        sa.Column("kind", sa.Text, nullable=False),
        # The resident's id at the time (no name, email or phone: after an erasure nothing identifies them).
        sa.Column("resident_id", sa.BigInteger),
        sa.Column("requested_by_staff_id", sa.Integer, sa.ForeignKey("staff_users.id")),
        sa.Column("channel", sa.Text),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("summary", postgresql.JSONB, nullable=False, server_default="{}"),
        sa.CheckConstraint("kind IN ('export', 'erase', 'retention')", name="kind"),
    )


def downgrade() -> None:
    op.drop_table("privacy_requests")
