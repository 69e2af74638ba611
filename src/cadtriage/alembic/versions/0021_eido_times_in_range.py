"""An EIDO incident's last update is a time between 1970 and 2099, as the service now checks on import.

Before the import checked EIDO times, a sender's document could store a `last_update` the service cannot read
back (past year 9999 in UTC) or one that freezes the incident against every real update (year 2999): every read
of the held list, of the call's EIDO and of the webhook queue then failed. Rows stored so are given the time the
service received them, and the column refuses such times from now on.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

IN_RANGE = "last_update >= '1970-01-01 00:00:00+00' AND last_update < '2100-01-01 00:00:00+00'"


def upgrade() -> None:
    op.execute(
        "UPDATE eido_incidents SET last_update = received_at"
        " WHERE NOT (last_update >= '1970-01-01 00:00:00+00' AND last_update < '2100-01-01 00:00:00+00')"
    )
    op.create_check_constraint("last_update_in_range", "eido_incidents", IN_RANGE)


def downgrade() -> None:
    op.drop_constraint("last_update_in_range", "eido_incidents", type_="check")
