"""Unit capabilities: what each unit is qualified for (CIT, a clinician aboard, an interpreter), and until when.

A JSON object, capability id -> the date it lapses (or null); the ids are the protocol's catalogue's, checked by
the service. A GIN index serves "units with this capability".

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "units", sa.Column("capabilities", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb"))
    )
    op.create_check_constraint("capabilities_object", "units", "jsonb_typeof(capabilities) = 'object'")
    op.create_index("ix_units_capabilities", "units", ["capabilities"], postgresql_using="gin")


def downgrade() -> None:
    op.drop_index("ix_units_capabilities", "units")
    op.drop_constraint("capabilities_object", "units", type_="check")
    op.drop_column("units", "capabilities")
