"""EIDO incidents: calls that came from another centre as a NENA EIDO, with the document as last received.

`incident_id` is the EIDO's incident tracking identifier (its `$id`): the same document again is recognised by
it, a newer snapshot updates the call, an older one is refused. The whole document is kept, components the
service does not read (vehicles, alarms, biometrics) included.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "eido_incidents",
        sa.Column("incident_id", sa.String(255), primary_key=True),
        sa.Column("call_id", sa.BigInteger, sa.ForeignKey("calls.id"), nullable=False, unique=True),
        sa.Column("issued_by", sa.String(255), nullable=False),
        sa.Column("last_update", sa.DateTime(timezone=True), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("document", JSONB, nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("eido_incidents")
