"""Records written under two since-fixed misreadings, corrected in place.

- `calls.assigned_at` is the first time a unit was sent. An override or escalation used to overwrite it with the
  later assignment, so time to assignment counted from intake to the second unit; it is restored from the
  call's earliest assignment.
- A call cancelled while it waited was marked `divergence = 'no_unit_in_range'`, so statistics blamed unit
  coverage for calls the caller or dispatcher ended; that mark is removed (the call keeps its cancel reason).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "UPDATE calls SET assigned_at = first.at FROM"
        " (SELECT call_id, min(assigned_at) AS at FROM assignments GROUP BY call_id) AS first"
        " WHERE first.call_id = calls.id AND calls.assigned_at IS DISTINCT FROM first.at"
    )
    op.execute(
        "UPDATE calls SET divergence = NULL, divergence_detail = NULL WHERE divergence = 'no_unit_in_range'"
    )


def downgrade() -> None:
    # The first assignment time is kept: the later one it replaced is still each assignment's own assigned_at.
    op.execute(
        "UPDATE calls SET divergence = 'no_unit_in_range',"
        " divergence_detail = 'cancelled while waiting for a ' || requested_type || ' unit: ' || cancel_reason"
        " WHERE status = 'cancelled' AND dispatched_type IS NULL AND divergence IS NULL"
    )
