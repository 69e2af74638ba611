"""Screening answers after intake, and the questions a decision asks.

- `calls.screening`: the call-taker's answers as they stand now (intake's, then any given later), backfilled
  from the stored record.
- `triage_decisions.ask`: the unanswered screening questions that would change a decision, and to what.
- A new decision kind, `screening`: the protocol's decision again, on later answers.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "calls", sa.Column("screening", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb"))
    )
    op.execute("UPDATE calls SET screening = COALESCE(record -> 'screening', '{}'::jsonb)")
    op.add_column(
        "triage_decisions", sa.Column("ask", JSONB, nullable=False, server_default=sa.text("'[]'::jsonb"))
    )
    op.drop_constraint("kind", "triage_decisions", type_="check")
    op.create_check_constraint(
        "kind",
        "triage_decisions",
        "kind IN ('triage', 'screening', 'override', 'escalation')",
    )


def downgrade() -> None:
    op.execute("DELETE FROM triage_decisions WHERE kind = 'screening'")
    op.drop_constraint("kind", "triage_decisions", type_="check")
    op.create_check_constraint("kind", "triage_decisions", "kind IN ('triage', 'override', 'escalation')")
    op.drop_column("triage_decisions", "ask")
    op.drop_column("calls", "screening")
