"""EIDO incidents that wait for what a dispatch needs: `call_id` is empty until the call is made.

A document with only a civic address (NENA's own sample) or with nothing to triage on is kept and listed for a
dispatcher to complete, instead of refused. The partial index serves that list. Its announcement
(`eido.awaiting`) is an event about no call, unit or key yet: about the incident it names in its data.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


_ENTITY = "call_id IS NOT NULL OR unit_id IS NOT NULL OR key_id IS NOT NULL"
_INCIDENT = "(kind = 'eido.awaiting' AND data ? 'incident_id')"


def upgrade() -> None:
    op.alter_column("eido_incidents", "call_id", existing_type=sa.BigInteger, nullable=True)
    op.create_index(
        "ix_eido_incidents_held",
        "eido_incidents",
        ["received_at", "incident_id"],
        postgresql_where=sa.text("call_id IS NULL"),
    )
    op.drop_constraint("has_entity", "events", type_="check")
    op.create_check_constraint("has_entity", "events", f"{_ENTITY} OR {_INCIDENT}")


def downgrade() -> None:
    op.drop_index("ix_eido_incidents_held", table_name="eido_incidents")
    op.execute("DELETE FROM events WHERE kind = 'eido.awaiting'")
    op.drop_constraint("has_entity", "events", type_="check")
    op.create_check_constraint("has_entity", "events", _ENTITY)
    op.execute("DELETE FROM eido_incidents WHERE call_id IS NULL")
    op.alter_column("eido_incidents", "call_id", existing_type=sa.BigInteger, nullable=False)
