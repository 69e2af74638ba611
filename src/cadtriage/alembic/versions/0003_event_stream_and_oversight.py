"""Live event stream and supervisor queries.

- Every audit event is announced on channel `cadtriage_events` with its id; PostgreSQL delivers notifications
  at commit, in commit order, to listeners on any worker.
- Indexes for statistics by response type over a time range, and for the events stream filtered by kind.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE FUNCTION events_notify() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('cadtriage_events', NEW.id::text);
            RETURN NULL;
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER events_announce AFTER INSERT ON events FOR EACH ROW EXECUTE FUNCTION events_notify()"
    )
    op.create_index("ix_calls_decided_type_received_at", "calls", ["decided_type", "received_at"])
    op.create_index("ix_events_kind_id", "events", ["kind", "id"])


def downgrade() -> None:
    op.drop_index("ix_events_kind_id", "events")
    op.drop_index("ix_calls_decided_type_received_at", "calls")
    op.execute("DROP TRIGGER events_announce ON events")
    op.execute("DROP FUNCTION events_notify()")
