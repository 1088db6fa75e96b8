"""Open311: the answers to a service's attributes and the media_url a client gave, kept as sent.

Revision ID: st2000
Revises: ad1000
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "st2000"
down_revision: str | None = "ad1000"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # {code: [values]}: a GET gives them back as attributes, never folded into the description.
    op.add_column("reports", sa.Column("attributes", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")))
    # The URL exactly as the client posted it; a photo fetched from it (setting) is a separate row.
    op.add_column("reports", sa.Column("media_url", sa.Text))


def downgrade() -> None:
    op.drop_column("reports", "media_url")
    op.drop_column("reports", "attributes")
