"""Workflow: outcome details, deadline pause and escalation, crew holder, resident feedback, deadline rules.

Revision ID: 0201
Revises: 0101
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0201"
down_revision: str | None = "0101"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATES = ("new", "triaged", "assigned", "scheduled", "in_progress", "waiting_resident", "resolved", "closed",
          "reopened", "rejected")
OUTCOMES = ("fixed", "not_our_responsibility", "duplicate", "cannot_fix")


def upgrade() -> None:
    op.add_column("reports", sa.Column("outcome_detail", sa.Text))
    op.add_column("reports", sa.Column("duplicate_of_id", sa.BigInteger, sa.ForeignKey("reports.id")))
    # Set while waiting for the resident: the deadline is pushed back by the working days spent waiting.
    op.add_column("reports", sa.Column("paused_at", sa.DateTime(timezone=True)))
    op.add_column("reports", sa.Column("escalated_at", sa.DateTime(timezone=True)))
    op.add_column("reports", sa.Column("assignee_id", sa.Integer, sa.ForeignKey("staff_users.id")))
    op.add_column("reports", sa.Column("claimed_at", sa.DateTime(timezone=True)))
    op.add_column("reports", sa.Column("scheduled_for", sa.Date))
    op.add_column("reports", sa.Column("satisfaction", sa.SmallInteger))
    op.add_column("reports", sa.Column("satisfaction_comment", sa.Text))
    op.create_check_constraint("ck_reports_state", "reports", f"state IN {STATES!r}")
    op.create_check_constraint("ck_reports_outcome", "reports", f"outcome IS NULL OR outcome IN {OUTCOMES!r}")
    op.create_check_constraint("ck_reports_satisfaction", "reports",
                               "satisfaction IS NULL OR satisfaction BETWEEN 1 AND 5")
    op.create_index("ix_reports_due_open", "reports", ["due_at"],
                    postgresql_where=sa.text("escalated_at IS NULL AND paused_at IS NULL "
                                             "AND state NOT IN ('resolved', 'closed')"))
    op.create_index("ix_reports_assignee", "reports", ["assignee_id"],
                    postgresql_where=sa.text("assignee_id IS NOT NULL"))
    op.create_index("ix_reports_triage", "reports", ["created_at"],
                    postgresql_where=sa.text("state IN ('new', 'rejected') OR service_code IS NULL"))
    op.create_table(
        "deadline_rules",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("category_code", sa.Text, sa.ForeignKey("categories.code"), nullable=False),
        # NULL: every commune; a commune's own rule wins over it.
        sa.Column("commune_code", sa.Text),
        sa.Column("working_days", sa.Integer, nullable=False),
        sa.CheckConstraint("working_days > 0", name="positive"),
        sa.UniqueConstraint("category_code", "commune_code", name="uq_deadline_rules_category_commune"),
    )


def downgrade() -> None:
    op.drop_table("deadline_rules")
    op.drop_index("ix_reports_triage", table_name="reports")
    op.drop_index("ix_reports_assignee", table_name="reports")
    op.drop_index("ix_reports_due_open", table_name="reports")
    for name in ("satisfaction", "outcome", "state"):
        op.drop_constraint(f"ck_reports_{name}", "reports", type_="check")
    for column in ("satisfaction_comment", "satisfaction", "scheduled_for", "claimed_at", "assignee_id",
                   "escalated_at", "paused_at", "duplicate_of_id", "outcome_detail"):
        op.drop_column("reports", column)
