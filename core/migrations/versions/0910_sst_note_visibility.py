"""Staff notes are internal unless the author says they are public: a visibility of its own for each note.

`public` stays the visibility of the line (the move itself); `note_public` is whether its note may reach a
resident (the tracking API, their emails). Existing notes become internal: they were public only by the
accident of a default, and one that named a resident must not stay published.

Revision ID: sst1
Revises: 0800
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "sst1"
down_revision: str | None = "0800"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A constant default is a catalog change: no row is rewritten, so the append-only trigger never fires.
    op.add_column("report_events", sa.Column("note_public", sa.Boolean, nullable=False,
                                             server_default=sa.false()))


def downgrade() -> None:
    op.drop_column("report_events", "note_public")
