"""The back office's queue counts as index-only scans: one partial index per queue whose predicate is the queue's.

Revision ID: 1703
Revises: 1702
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "1703"
down_revision: str | None = "1702"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies for this revision (a migration is history); tests/dispatch/test_queue_counts.py checks that the
# queues' counts still read these indexes alone, so a change of the vocabulary comes with a new revision.
TRIAGE = "'new', 'rejected'"
OPEN = "'assigned', 'in_progress', 'new', 'rejected', 'reopened', 'scheduled', 'triaged', 'waiting_resident'"
DONE = "'closed', 'resolved'"


def upgrade() -> None:
    # Each capped count read a thousand scattered rows of the table to check its state (20-90 ms on a million
    # reports); with the queue's own predicate on the index, it reads a thousand index entries and no row.
    # The triage queue's first column is the commune: a commune office's desk and the commune filter use it too.
    op.execute(f"CREATE INDEX ix_reports_queue_triage ON reports (commune_code, created_at, id) "
               f"WHERE (state IN ({TRIAGE}) OR service_code IS NULL) AND state IN ({OPEN})")
    op.execute(f"CREATE INDEX ix_reports_queue_overdue ON reports (due_at) "
               f"WHERE state IN ({OPEN}) AND due_at IS NOT NULL AND paused_at IS NULL")
    op.execute(f"CREATE INDEX ix_reports_queue_resolved ON reports (resolved_at) "
               f"WHERE state IN ({DONE}) AND resolved_at IS NOT NULL")


def downgrade() -> None:
    op.execute("DROP INDEX ix_reports_queue_resolved")
    op.execute("DROP INDEX ix_reports_queue_overdue")
    op.execute("DROP INDEX ix_reports_queue_triage")
