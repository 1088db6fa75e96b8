"""Crews: a partial GiST index of the tickets crews work on, on the metric (Lambert-93) column.

Revision ID: 0202
Revises: 0201
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0202"
down_revision: str | None = "0201"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Must read exactly as the WHERE clause of dispatch/sql/crew_nearby.sql, so the planner uses the index.
CREW_OPEN = "state IN ('triaged', 'assigned', 'scheduled', 'in_progress', 'reopened')"


def upgrade() -> None:
    op.create_index("ix_reports_crew_open_l93", "reports", ["geom_l93"], postgresql_using="gist",
                    postgresql_where=sa.text(CREW_OPEN))


def downgrade() -> None:
    op.drop_index("ix_reports_crew_open_l93", table_name="reports")
