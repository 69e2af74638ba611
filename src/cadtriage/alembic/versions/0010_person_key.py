"""The pseudonymous person key on calls, for counting repeat contacts without identities.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("calls", sa.Column("person_key", sa.String(32)))
    op.add_column("calls", sa.Column("person_key_version", sa.String(16)))
    op.create_check_constraint(
        "person_key_versioned", "calls", "(person_key IS NULL) = (person_key_version IS NULL)"
    )
    op.create_index(
        "ix_calls_person_key",
        "calls",
        ["person_key_version", "person_key", "received_at"],
        postgresql_where=sa.text("person_key IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_calls_person_key", "calls")
    op.drop_constraint("person_key_versioned", "calls", type_="check")
    op.drop_column("calls", "person_key_version")
    op.drop_column("calls", "person_key")
