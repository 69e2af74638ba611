"""Caller name and phone on calls: personal data, shown only to dispatchers and supervisors, never logged.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("calls", sa.Column("caller_name", sa.String(120)))
    op.add_column("calls", sa.Column("caller_phone", sa.String(32)))
    op.create_index("ix_api_keys_unit_id", "api_keys", ["unit_id"])


def downgrade() -> None:
    op.drop_index("ix_api_keys_unit_id", "api_keys")
    op.drop_column("calls", "caller_phone")
    op.drop_column("calls", "caller_name")
