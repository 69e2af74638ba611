"""Key creation and revocation are audit events.

Who gave whom access, and when it was taken away, belongs in the same append-only log as every other change, but
an event had to concern a call or a unit. `events.key_id` names the key an event concerns.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("events", sa.Column("key_id", sa.BigInteger, sa.ForeignKey("api_keys.id"), nullable=True))
    op.drop_constraint("has_entity", "events", type_="check")
    op.create_check_constraint(
        "has_entity", "events", "call_id IS NOT NULL OR unit_id IS NOT NULL OR key_id IS NOT NULL"
    )


def downgrade() -> None:
    # Key events cannot be deleted (the log is append-only), so a downgrade over them is refused by the check.
    op.drop_constraint("has_entity", "events", type_="check")
    op.create_check_constraint("has_entity", "events", "call_id IS NOT NULL OR unit_id IS NOT NULL")
    op.drop_column("events", "key_id")
