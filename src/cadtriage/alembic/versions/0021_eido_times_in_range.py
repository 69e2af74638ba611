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

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

EARLIEST, UNTIL = "1970-01-01 00:00:00+00", "2100-01-01 00:00:00+00"
IN_RANGE = f"last_update >= '{EARLIEST}' AND last_update < '{UNTIL}'"


def upgrade() -> None:
    incidents = sa.table("eido_incidents", sa.column("last_update"), sa.column("received_at"))
    when = sa.DateTime(timezone=True)
    out_of_range = sa.or_(
        incidents.c.last_update < sa.cast(EARLIEST, when), incidents.c.last_update >= sa.cast(UNTIL, when)
    )
    op.execute(sa.update(incidents).where(out_of_range).values(last_update=incidents.c.received_at))
    op.create_check_constraint("last_update_in_range", "eido_incidents", IN_RANGE)


def downgrade() -> None:
    op.drop_constraint("last_update_in_range", "eido_incidents", type_="check")
