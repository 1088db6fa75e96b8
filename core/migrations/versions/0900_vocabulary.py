"""Partial indexes on the one vocabulary's state sets, and paused_at in the dashboard's covering index.

The queries now read their state sets from dispatch.vocabulary, written as `state IN (...)`; a partial index
serves a query only when the planner can prove the query's predicate implies the index's, so the indexes
carry the same lists (tests/test_vocabulary.py compares them with the vocabulary). The dashboard's overdue
count now honours the paused clock, so its covering index includes paused_at (else index-only scans stop).

Revision ID: 0900
Revises: sst1
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0900"
down_revision: str | None = "sst1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies for this revision (a migration is history); the test checks them against the vocabulary.
OPEN = "'assigned', 'in_progress', 'new', 'rejected', 'reopened', 'scheduled', 'triaged', 'waiting_resident'"
PUBLIC_OPEN = "'assigned', 'in_progress', 'new', 'reopened', 'scheduled', 'triaged', 'waiting_resident'"


def upgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_reports_open_category_l93")
    op.execute(f"CREATE INDEX ix_reports_open_category_l93 ON reports USING gist (geom_l93) "
               f"WHERE state IN ({PUBLIC_OPEN})")
    op.execute("DROP INDEX IF EXISTS ix_reports_due_open")
    op.execute(f"CREATE INDEX ix_reports_due_open ON reports (due_at) "
               f"WHERE escalated_at IS NULL AND paused_at IS NULL AND state IN ({OPEN})")
    op.execute("DROP INDEX IF EXISTS ix_reports_figures")
    op.execute("CREATE INDEX ix_reports_figures ON reports (created_at) INCLUDE "
               "(category_code, commune_code, zone_code, channel, state, resolved_at, due_at, paused_at, geom_l93)")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_reports_figures")
    op.execute("CREATE INDEX ix_reports_figures ON reports (created_at) INCLUDE "
               "(category_code, commune_code, zone_code, channel, state, resolved_at, due_at, geom_l93)")
    op.execute("DROP INDEX IF EXISTS ix_reports_due_open")
    op.execute("CREATE INDEX ix_reports_due_open ON reports (due_at) "
               "WHERE escalated_at IS NULL AND paused_at IS NULL AND state NOT IN ('resolved', 'closed')")
    op.execute("DROP INDEX IF EXISTS ix_reports_open_category_l93")
    op.execute("CREATE INDEX ix_reports_open_category_l93 ON reports USING gist (geom_l93) "
               "WHERE state NOT IN ('resolved', 'closed', 'rejected')")
