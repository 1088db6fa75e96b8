"""Zones remember their successor: a commune merged into another (Pierre-Bénite 69152 -> 69149) says so.

Revision ID: 0101
Revises: 0500
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0101"
down_revision: str | None = "0500"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The INSEE code of the zone that took this one over (the 59-commune layer's insee_commune_actuelle);
    # NULL when it is the zone itself or unknown.
    op.add_column("zones", sa.Column("successor_code", sa.Text))


def downgrade() -> None:
    op.drop_column("zones", "successor_code")
