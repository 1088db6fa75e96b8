"""The back office's own tables: saved queue selections, who has a ticket open, response templates, moderation.

Revision ID: bo0950
Revises: 1701
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "bo0950"
down_revision: str | None = "1701"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TEMPLATES = [
    ("acknowledged", "Pris en compte", "Acknowledged",
     "Bonjour,\n\nVotre signalement {ref} ({address}) a bien été pris en compte. Nous prévoyons d'intervenir "
     "avant le {deadline}.\n\nLe centre de relation usagers",
     "Hello,\n\nYour report {ref} ({address}) has been taken on. We expect to deal with it by {deadline}.\n\n"
     "The relations centre"),
    ("fixed", "Résolu", "Fixed",
     "Bonjour,\n\nLe problème signalé sous la référence {ref} ({address}) a été réglé. Merci de votre "
     "signalement.\n\nLe centre de relation usagers",
     "Hello,\n\nThe problem you reported as {ref} ({address}) has been fixed. Thank you for telling us.\n\n"
     "The relations centre"),
    ("not_ours", "Hors compétence", "Not ours",
     "Bonjour,\n\nLe problème signalé sous la référence {ref} ({address}) ne relève pas des services de la "
     "métropole ; nous l'avons transmis à l'organisme compétent.\n\nLe centre de relation usagers",
     "Hello,\n\nThe problem you reported as {ref} ({address}) is not ours to fix; we have passed it on to the "
     "body in charge.\n\nThe relations centre"),
]


def upgrade() -> None:
    op.create_table(
        "staff_saved_selections",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("staff_id", sa.Integer, sa.ForeignKey("staff_users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("queue", sa.Text, nullable=False),
        sa.Column("query", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.UniqueConstraint("staff_id", "name", name="uq_staff_saved_selections_name"),
    )
    # Who has a ticket open right now: one row per (ticket, staff member), refreshed by a heartbeat.
    op.create_table(
        "ticket_views",
        sa.Column("report_id", sa.BigInteger, sa.ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("staff_id", sa.Integer, sa.ForeignKey("staff_users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_index("ix_ticket_views_seen", "ticket_views", ["seen_at"])
    op.create_table(
        "response_templates",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.Text, nullable=False, unique=True),
        sa.Column("name_fr", sa.Text, nullable=False),
        sa.Column("name_en", sa.Text, nullable=False),
        sa.Column("body_fr", sa.Text, nullable=False),
        sa.Column("body_en", sa.Text, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    table = sa.table("response_templates", sa.column("code"), sa.column("name_fr"), sa.column("name_en"),
                     sa.column("body_fr"), sa.column("body_en"))
    op.bulk_insert(table, [dict(zip(("code", "name_fr", "name_en", "body_fr", "body_en"), row, strict=True))
                           for row in TEMPLATES])
    # Moderation: staff may hide a photo or the description from the public; staff still see both.
    op.add_column("report_photos", sa.Column("hidden_at", sa.DateTime(timezone=True)))
    op.add_column("reports", sa.Column("description_hidden_at", sa.DateTime(timezone=True)))
    # The recently-resolved queue reads the last month of resolutions, newest first.
    op.create_index("ix_reports_resolved_at", "reports", ["resolved_at"],
                    postgresql_where=sa.text("resolved_at IS NOT NULL"))


def downgrade() -> None:
    op.drop_index("ix_reports_resolved_at", table_name="reports")
    op.drop_column("reports", "description_hidden_at")
    op.drop_column("report_photos", "hidden_at")
    op.drop_table("response_templates")
    op.drop_index("ix_ticket_views_seen", table_name="ticket_views")
    op.drop_table("ticket_views")
    op.drop_table("staff_saved_selections")
