"""Letters are a channel: the back office's new request form records requests that came by post.

Revision ID: bo0960
Revises: rl2100
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "bo0960"
down_revision: str | None = "rl2100"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE = "channel IN ('app', 'web', 'phone', 'counter', 'email', 'commune_office', 'open311')"
AFTER = "channel IN ('app', 'web', 'phone', 'counter', 'email', 'letter', 'commune_office', 'open311')"


def _replace(check: str) -> None:
    # 0001 created it as "channel" (its create_table ran without the naming convention): drop either name.
    op.execute("ALTER TABLE reports DROP CONSTRAINT IF EXISTS channel")
    op.execute("ALTER TABLE reports DROP CONSTRAINT IF EXISTS ck_reports_channel")
    op.execute(f"ALTER TABLE reports ADD CONSTRAINT ck_reports_channel CHECK ({check})")


def upgrade() -> None:
    _replace(AFTER)


def downgrade() -> None:
    op.execute("UPDATE reports SET channel = 'email' WHERE channel = 'letter'")
    _replace(BEFORE)
