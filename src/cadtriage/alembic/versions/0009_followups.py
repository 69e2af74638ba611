"""Follow-ups after a call: joint case management, on the person's consent.

A provider (a service, never a person's name) contacts the person again by a due time; what it found is recorded
once. `overdue_announced_at` makes the sweep announce a late follow-up once, whichever worker runs it.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "followups",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("call_id", sa.BigInteger, sa.ForeignKey("calls.id"), nullable=False),
        sa.Column("provider", sa.String(120), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("consent_method", sa.String(16), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("result", sa.String(32)),
        sa.Column("result_note", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True)),
        sa.Column("completed_by", sa.String(64)),
        sa.Column("overdue_announced_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("status IN ('open', 'completed')", name="known_status"),
        sa.CheckConstraint("consent_method IN ('verbal', 'written')", name="consent_recorded"),
        sa.CheckConstraint(
            "(status = 'completed') = (result IS NOT NULL AND completed_at IS NOT NULL)",
            name="result_when_done",
        ),
    )
    op.create_index("ix_followups_call_id", "followups", ["call_id"])
    op.create_index(
        "ix_followups_open_due", "followups", ["due_at"], postgresql_where=sa.text("status = 'open'")
    )


def downgrade() -> None:
    op.drop_table("followups")
