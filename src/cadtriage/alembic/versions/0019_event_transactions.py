"""Each event carries the id of the transaction that wrote it, so the EIDO worker reads by commit, not by id.

Event ids are taken at insert; a transaction that took a lower id can commit after a higher one was read. The
worker used to wait a second and hope; a transaction slower than that lost its change for every subscriber. Now
it reads, each pass, the events of transactions older than the oldest one still running
(`pg_snapshot_xmin`): a window no later commit can add to. `read_xmin` is each subscription's edge. Events
written before this migration carry 0 and are read by id, once, past `last_event_id`.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

XID = "(pg_current_xact_id()::text)::bigint"


def upgrade() -> None:
    op.add_column("events", sa.Column("txid", sa.BigInteger, nullable=False, server_default="0"))
    op.alter_column("events", "txid", server_default=sa.text(XID))
    op.create_index("ix_events_txid", "events", ["txid"])
    op.add_column(
        "eido_subscriptions", sa.Column("read_xmin", sa.BigInteger, nullable=False, server_default="0")
    )
    op.execute(
        "UPDATE eido_subscriptions SET read_xmin = (pg_snapshot_xmin(pg_current_snapshot())::text)::bigint"
    )
    op.alter_column("eido_subscriptions", "read_xmin", server_default=None)


def downgrade() -> None:
    op.drop_column("eido_subscriptions", "read_xmin")
    op.drop_index("ix_events_txid", table_name="events")
    op.drop_column("events", "txid")
