"""Each event records the oldest transaction still running when it was written, so a reconnecting stream
replays what committed late.

A stream resumes after the last event id its client saw. An event with a lower id whose transaction committed
after that one was sent is behind the client's cursor, and a replay by id alone never sends it. Any such
transaction was still running when the seen event was written, so its id is at least that event's
`snapshot_xmin` (`pg_snapshot_xmin` of the writing statement's snapshot): the replay adds those events
(`events.repository.committed_late`). Events written before this migration carry NULL and are replayed by id.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

XMIN = "(pg_snapshot_xmin(pg_current_snapshot())::text)::bigint"


def upgrade() -> None:
    op.add_column("events", sa.Column("snapshot_xmin", sa.BigInteger, nullable=True))
    op.alter_column("events", "snapshot_xmin", server_default=sa.text(XMIN))


def downgrade() -> None:
    op.drop_column("events", "snapshot_xmin")
