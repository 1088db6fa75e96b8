"""The address of a report, reverse-geocoded at intake (label and BAN id), shown instead of coordinates.

Revision ID: 1701
Revises: 1700
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "1701"
down_revision: str | None = "1700"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A snapshot, like the routing: reloading addresses later never rewrites where a report was said to be.
    op.add_column("reports", sa.Column("address", sa.Text))
    op.add_column("reports", sa.Column("address_id", sa.Text))


def downgrade() -> None:
    op.drop_column("reports", "address_id")
    op.drop_column("reports", "address")
