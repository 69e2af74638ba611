"""EIDO conveyance: webhook subscriptions and their delivery log.

A subscription sends another system the EIDO of each call it covers on every change, signed with its secret
(HMAC-SHA256). `last_event_id` is how far the service's worker has read the audit log for it; a delivery is one
call's current state to send, pending until delivered or failed after its attempts (with backoff).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "eido_subscriptions",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("secret", sa.String(200), nullable=False),
        sa.Column("response_types", JSONB),
        sa.Column("last_event_id", sa.BigInteger, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
    )
    op.create_table(
        "eido_deliveries",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("subscription_id", sa.BigInteger, sa.ForeignKey("eido_subscriptions.id"), nullable=False),
        sa.Column("call_id", sa.BigInteger, sa.ForeignKey("calls.id"), nullable=False),
        sa.Column("event_id", sa.BigInteger, nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("attempts", sa.SmallInteger, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_status", sa.SmallInteger),
        sa.Column("last_error", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("state IN ('pending', 'delivered', 'failed')", name="delivery_state"),
    )
    op.create_index(
        "ix_eido_deliveries_due",
        "eido_deliveries",
        ["next_attempt_at"],
        postgresql_where=sa.text("state = 'pending'"),
    )
    # One pending delivery per subscription and call: later changes fold into it (it sends the state then).
    op.create_index(
        "uq_eido_deliveries_pending",
        "eido_deliveries",
        ["subscription_id", "call_id"],
        unique=True,
        postgresql_where=sa.text("state = 'pending'"),
    )


def downgrade() -> None:
    op.drop_table("eido_deliveries")
    op.drop_table("eido_subscriptions")
