"""Coverage remembers which units covered each capability, and whether a loss was announced.

`capability_coverage.covered` could not tell "never covered" from "lost", nor name the unit a change concerned,
so a first certification was announced as "restored", a last holder losing its capability went unannounced, and
the unit named was whichever holder was updated last (a location ping). `state` is `covered`, `lost` (announced)
or `uncovered` (never covered since first looked at: nothing to announce); `available_units` are the available
holders when last looked at, so the units a change concerns are the difference.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "capability_coverage",
        sa.Column("state", sa.String(12), nullable=False, server_default=sa.text("'uncovered'")),
    )
    op.add_column(
        "capability_coverage",
        sa.Column(
            "available_units", ARRAY(sa.BigInteger), nullable=False, server_default=sa.text("'{}'::bigint[]")
        ),
    )
    # A capability not covered whose last announcement was a loss was lost; its available holders, as now.
    op.execute(
        """
        UPDATE capability_coverage c SET
          state = CASE
            WHEN c.covered THEN 'covered'
            WHEN (SELECT e.kind FROM events e WHERE e.kind LIKE 'coverage.%'
                    AND e.data ->> 'capability' = c.capability ORDER BY e.id DESC LIMIT 1) = 'coverage.lost'
              THEN 'lost'
            ELSE 'uncovered' END,
          available_units = COALESCE((
            SELECT array_agg(u.id ORDER BY u.id) FROM units u
            WHERE u.status = 'available' AND u.capabilities ? c.capability
              AND (u.capabilities ->> c.capability IS NULL
                   OR CAST(u.capabilities ->> c.capability AS date) >= CURRENT_DATE)
          ), '{}')
        """
    )
    op.create_check_constraint(
        "coverage_state", "capability_coverage", "state IN ('covered', 'lost', 'uncovered')"
    )
    op.drop_column("capability_coverage", "covered")


def downgrade() -> None:
    op.add_column("capability_coverage", sa.Column("covered", sa.Boolean, nullable=True))
    op.execute("UPDATE capability_coverage SET covered = (state = 'covered')")
    op.alter_column("capability_coverage", "covered", nullable=False)
    op.drop_constraint("coverage_state", "capability_coverage", type_="check")
    op.drop_column("capability_coverage", "available_units")
    op.drop_column("capability_coverage", "state")
