"""A `researcher` role: de-identified exports only.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_constraint("role", "api_keys", type_="check")
    op.create_check_constraint(
        "role", "api_keys", "role IN ('dispatcher', 'supervisor', 'unit', 'admin', 'researcher')"
    )


def downgrade() -> None:
    op.drop_constraint("role", "api_keys", type_="check")
    op.create_check_constraint("role", "api_keys", "role IN ('dispatcher', 'supervisor', 'unit', 'admin')")
