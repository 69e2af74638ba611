"""Response plans: the capabilities a call's unit should have, and each assignment's recommendation.

`calls.needs` keeps the plan's needs (capability, required or preferred within a distance, for which response
types); `calls.required_capability` is the one the queue filters on. `assignments.recommendation` records which
unit was the nearest, which was chosen, and why. `capability_coverage` remembers whether some available unit
held each capability when last announced (`coverage.lost` / `coverage.restored`).

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("calls", sa.Column("needs", JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")))
    op.add_column("calls", sa.Column("required_capability", sa.String(32)))
    op.add_column("triage_decisions", sa.Column("plan", JSONB))
    op.add_column("assignments", sa.Column("recommendation", JSONB))
    op.create_table(
        "capability_coverage",
        sa.Column("capability", sa.String(32), primary_key=True),
        sa.Column("covered", sa.Boolean, nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("capability_coverage")
    op.drop_column("assignments", "recommendation")
    op.drop_column("triage_decisions", "plan")
    op.drop_column("calls", "required_capability")
    op.drop_column("calls", "needs")
