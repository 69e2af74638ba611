"""Call signs in one canonical form, and no two that a dispatcher could mistake for each other.

`CRT 01`, `crt-01`, `CRT-0l` and `CRT--01` could all be registered beside `CRT-01`, and a unit key created for
`crt-01` bound to whichever matched. Call signs are now upper case, and `call_sign_key` — the sign without
separators, with O read as 0 and I and L as 1 — is unique. Upgrading refuses, naming them, if look-alikes are
already registered: which one to rename is the centre's decision, not the migration's.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

KEY = "translate(upper(regexp_replace(call_sign, '[ _./-]', '', 'g')), 'OIL', '011')"


_CLASHES = f"SELECT string_agg(call_sign, ', ' ORDER BY id) FROM units GROUP BY {KEY} HAVING count(*) > 1"  # noqa: S608


def upgrade() -> None:
    clashes = op.get_bind().execute(sa.text(_CLASHES)).scalars().all()
    if clashes:
        raise RuntimeError("rename look-alike call signs before upgrading: " + "; ".join(clashes))
    op.execute("UPDATE units SET call_sign = upper(call_sign) WHERE call_sign <> upper(call_sign)")
    op.add_column(
        "units", sa.Column("call_sign_key", sa.String(32), sa.Computed(KEY, persisted=True), nullable=False)
    )
    op.create_unique_constraint("uq_units_call_sign_key", "units", ["call_sign_key"])


def downgrade() -> None:
    op.drop_constraint("uq_units_call_sign_key", "units", type_="unique")
    op.drop_column("units", "call_sign_key")
