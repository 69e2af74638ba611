"""Structured outcomes of closed calls.

A free-text disposition cannot be counted: evaluations of these programs ask how calls ended (resolved on scene,
referred, transported, held, arrested), whether the team called police for backup, and whether force was used
or anyone was hurt. One row per closed call; the checks keep the resolutions to the known list and an outcome's
parts consistent with each other.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

RESOLUTIONS = (
    "resolved_on_scene", "referred", "transported_crisis_center", "transported_hospital", "involuntary_hold",
    "arrest", "refused_services", "gone_on_arrival", "no_contact", "resolved_by_phone",
)  # fmt: skip


def upgrade() -> None:
    op.create_table(
        "call_outcomes",
        sa.Column("call_id", sa.BigInteger, sa.ForeignKey("calls.id"), primary_key=True),
        sa.Column("resolution", sa.String(32), nullable=False),
        sa.Column("referrals", JSONB, nullable=False, server_default="[]"),
        # Null: not reported. An outcome that leaves out backup, force or injury says nothing about them.
        sa.Column("backup_requested", sa.Boolean),
        sa.Column("backup_reason", sa.Text),
        sa.Column("backup_requested_at", sa.DateTime(timezone=True)),
        sa.Column("force_used", sa.Boolean),
        sa.Column("force_by", JSONB, nullable=False, server_default="[]"),
        sa.Column("injury", sa.Boolean),
        sa.Column("injured", JSONB, nullable=False, server_default="[]"),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.CheckConstraint(
            "resolution IN (" + ", ".join(f"'{r}'" for r in RESOLUTIONS) + ")", name="known_resolution"
        ),
        sa.CheckConstraint("backup_requested OR backup_reason IS NULL", name="backup_reason_with_backup"),
        sa.CheckConstraint(
            "coalesce(force_used, false) = (jsonb_array_length(force_by) > 0)", name="force_names_who"
        ),
        sa.CheckConstraint(
            "coalesce(injury, false) = (jsonb_array_length(injured) > 0)", name="injury_names_who"
        ),
    )


def downgrade() -> None:
    op.drop_table("call_outcomes")
