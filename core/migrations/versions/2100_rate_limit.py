"""Rate-limit windows in PostgreSQL, so every API replica counts a client's requests in the same place.

Revision ID: rl2100
Revises: 1703
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "rl2100"
down_revision: str | None = "1703"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rate_limit",
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("window_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hits", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("key", "window_end"),
    )
    op.create_index("rate_limit_window_end", "rate_limit", ["window_end"])


def downgrade() -> None:
    op.drop_table("rate_limit")
