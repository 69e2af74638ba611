"""The crisis desk: consults, two call statuses for a call on the desk, the clinician role.

A consult is one eligible call's time with the desk (one per call); the checks keep its states, outcomes and
reasons to the known lists, and an outcome or a reason for not being served exactly where its state says.
Decisions keep their crisis-desk eligibility (`consult`, null for decisions made before it existed).

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
CALL_STATUSES = "('queued', 'assigned', 'en_route', 'on_scene', 'closed', 'cancelled'"
ROLES = "('dispatcher', 'supervisor', 'unit', 'admin', 'researcher'"
DIVERGENCES = "('no_unit_in_range', 'escalation', 'override'"
KINDS = "('triage', 'screening', 'override', 'escalation'"


def _replace_check(table: str, name: str, condition: str) -> None:
    op.drop_constraint(name, table, type_="check")
    op.create_check_constraint(name, table, condition)


def upgrade() -> None:
    _replace_check("calls", "status", f"status IN {CALL_STATUSES}, 'on_desk', 'with_clinician')")
    _replace_check("calls", "divergence", f"divergence IN {DIVERGENCES}, 'consult')")
    _replace_check("api_keys", "role", f"role IN {ROLES}, 'clinician')")
    _replace_check("triage_decisions", "kind", f"kind IN {KINDS}, 'consult')")
    op.add_column("triage_decisions", sa.Column("consult", JSONB))
    op.create_table(
        "consults",
        sa.Column("call_id", sa.BigInteger, sa.ForeignKey("calls.id"), primary_key=True),
        sa.Column("mode", sa.String(12), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("requested_at", TZ, nullable=False),
        sa.Column("on_desk_at", TZ),
        sa.Column("due_at", TZ),
        sa.Column("claimed_at", TZ),
        sa.Column("claimed_by", sa.String(64)),
        sa.Column("outcome", sa.String(24)),
        sa.Column("rationale", sa.Text),
        sa.Column("ended_at", TZ),
        sa.Column("ended_by", sa.String(64)),
        sa.Column("not_served", sa.String(20)),
        sa.Column("not_served_detail", sa.Text),
        sa.CheckConstraint("mode IN ('transfer', 'conference')", name="known_mode"),
        sa.CheckConstraint("state IN ('waiting', 'claimed', 'done', 'not_served')", name="known_state"),
        sa.CheckConstraint(
            "outcome IN ('resolved_by_phone', 'transferred_988', 'mobile_crisis', 'co_responder', 'police', "
            "'returned_to_dispatch')",
            name="known_outcome",
        ),
        sa.CheckConstraint(
            "not_served IN ('desk_closed', 'timed_out', 'timed_out_claimed', 'pulled', 'no_longer_eligible', "
            "'cancelled', 'call_ended')",
            name="known_reason",
        ),
        sa.CheckConstraint("(state = 'done') = (outcome IS NOT NULL)", name="outcome_when_done"),
        sa.CheckConstraint(
            "(state = 'not_served') = (not_served IS NOT NULL)", name="reason_when_not_served"
        ),
        sa.CheckConstraint(
            "state = 'waiting' OR state = 'not_served' OR claimed_at IS NOT NULL", name="claimed"
        ),
    )
    # The desk's list and the sweep's look for calls whose wait is over.
    op.create_index(
        "ix_consults_open",
        "consults",
        ["requested_at"],
        postgresql_where=sa.text("state IN ('waiting', 'claimed')"),
    )
    op.create_index("ix_consults_due", "consults", ["due_at"], postgresql_where=sa.text("state = 'waiting'"))


def downgrade() -> None:
    op.drop_table("consults")
    op.drop_column("triage_decisions", "consult")
    op.execute("UPDATE calls SET status = 'cancelled' WHERE status IN ('on_desk', 'with_clinician')")
    op.execute("UPDATE calls SET divergence = 'override' WHERE divergence = 'consult'")
    op.execute("DELETE FROM triage_decisions WHERE kind = 'consult'")
    # A clinician key cannot be deleted (its events name it): it is revoked, under a role the old schema knows.
    op.execute(
        "UPDATE api_keys SET role = 'researcher', revoked_at = coalesce(revoked_at, now()) WHERE role = 'clinician'"
    )
    _replace_check("triage_decisions", "kind", f"kind IN {KINDS})")
    _replace_check("api_keys", "role", f"role IN {ROLES})")
    _replace_check("calls", "divergence", f"divergence IN {DIVERGENCES})")
    _replace_check("calls", "status", f"status IN {CALL_STATUSES})")
