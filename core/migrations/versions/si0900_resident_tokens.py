"""Residents' one-time magic links and the sessions they open; one verified holder per address.

Revision ID: si0900
Revises: 0900
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "si0900"
down_revision: str | None = "0900"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "resident_tokens",
        sa.Column("id", sa.BigInteger, primary_key=True),
        # link: the one-time token of an emailed link, for an address; session: what opening it gives.
        sa.Column("kind", sa.Text, nullable=False),
        # sha256 of the token: a copy of this table opens nothing.
        sa.Column("token_hash", sa.Text, nullable=False, unique=True),
        sa.Column("email", sa.Text),
        sa.Column("resident_id", sa.BigInteger, sa.ForeignKey("residents.id", ondelete="CASCADE"), index=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("kind IN ('link', 'session')", name="kind"),
        sa.CheckConstraint("kind <> 'session' OR resident_id IS NOT NULL", name="session_resident"),
    )
    # The per-address limit counts an address's recent links.
    op.create_index("ix_resident_tokens_email_created", "resident_tokens", ["email", "created_at"])
    # An address proven once opens one record: two concurrent first confirmations cannot make two accounts.
    op.execute("CREATE UNIQUE INDEX ux_residents_verified_email ON residents (email) "
               "WHERE email_verified_at IS NOT NULL AND merged_into_id IS NULL")
    op.execute("CREATE UNIQUE INDEX ux_residents_verified_phone ON residents (phone) "
               "WHERE phone_verified_at IS NOT NULL AND merged_into_id IS NULL")


def downgrade() -> None:
    op.execute("DROP INDEX ux_residents_verified_phone")
    op.execute("DROP INDEX ux_residents_verified_email")
    op.drop_table("resident_tokens")
