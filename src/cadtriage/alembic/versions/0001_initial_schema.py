"""Initial schema: units, calls, triage decisions, assignments, the audit log and API keys.

The design's invariants are enforced here as well as in code:
- a unit is on at most one open assignment, a call has at most one open primary assignment (partial unique
  indexes);
- statuses, response types and priorities are checked;
- the audit log refuses UPDATE, DELETE and TRUNCATE;
- nearest-unit search is a GiST KNN index over (unit_type, position) of available units (cube + earthdistance,
  btree_gist for the type column).

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

RESPONSE_TYPES = "('police', 'co_responder', 'civilian_crisis')"
UNIT_STATUSES = "('available', 'dispatched', 'en_route', 'on_scene', 'transporting', 'out_of_service')"
CALL_STATUSES = "('queued', 'assigned', 'en_route', 'on_scene', 'closed', 'cancelled')"
TZ = sa.DateTime(timezone=True)


def _units() -> None:
    op.create_table(
        "units",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("call_sign", sa.String(32), nullable=False, unique=True),
        sa.Column("unit_type", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("lat", sa.Double, nullable=False),
        sa.Column("lon", sa.Double, nullable=False),
        sa.Column("location_updated_at", TZ, nullable=False),
        sa.Column("created_at", TZ, nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", TZ, nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint(f"unit_type IN {RESPONSE_TYPES}", name="unit_type"),
        sa.CheckConstraint(f"status IN {UNIT_STATUSES}", name="status"),
        sa.CheckConstraint("lat BETWEEN -90 AND 90 AND lon BETWEEN -180 AND 180", name="location"),
    )
    # A stored point on the earth's surface, so the KNN index reads a column rather than calling ll_to_earth.
    op.execute(
        "ALTER TABLE units ADD COLUMN position earth GENERATED ALWAYS AS (ll_to_earth(lat, lon)) STORED"
    )
    op.execute(
        "CREATE INDEX ix_units_available_type_position ON units USING gist (unit_type, position) "
        "WHERE status = 'available'"
    )
    op.create_index("ix_units_type_status", "units", ["unit_type", "status"])


def _calls() -> None:
    op.create_table(
        "calls",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("external_id", sa.String(64), nullable=False, unique=True),
        sa.Column("record_hash", sa.String(64), nullable=False),
        sa.Column("record", JSONB, nullable=False),
        sa.Column("call_type", sa.Text),
        sa.Column("narrative", sa.Text),
        sa.Column("lat", sa.Double, nullable=False),
        sa.Column("lon", sa.Double, nullable=False),
        sa.Column("address", sa.Text),
        sa.Column("received_at", TZ, nullable=False),
        sa.Column("created_at", TZ, nullable=False, server_default=sa.func.now()),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("priority", sa.SmallInteger, nullable=False),
        sa.Column("notify_ems", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("decided_type", sa.String(20), nullable=False),
        sa.Column("requested_type", sa.String(20), nullable=False),
        sa.Column("dispatched_type", sa.String(20)),
        sa.Column("divergence", sa.String(32)),
        sa.Column("divergence_detail", sa.Text),
        sa.Column("escalations", sa.SmallInteger, nullable=False, server_default="0"),
        sa.Column("queued_at", TZ),
        sa.Column("assigned_at", TZ),
        sa.Column("en_route_at", TZ),
        sa.Column("on_scene_at", TZ),
        sa.Column("closed_at", TZ),
        sa.Column("disposition", sa.Text),
        sa.Column("cancel_reason", sa.Text),
        sa.CheckConstraint(f"status IN {CALL_STATUSES}", name="status"),
        sa.CheckConstraint("priority BETWEEN 1 AND 5", name="priority"),
        sa.CheckConstraint(f"decided_type IN {RESPONSE_TYPES}", name="decided_type"),
        sa.CheckConstraint(f"requested_type IN {RESPONSE_TYPES}", name="requested_type"),
        sa.CheckConstraint(f"dispatched_type IN {RESPONSE_TYPES}", name="dispatched_type"),
        sa.CheckConstraint("divergence IN ('no_unit_in_range', 'escalation', 'override')", name="divergence"),
        sa.CheckConstraint("status <> 'queued' OR queued_at IS NOT NULL", name="queued_has_time"),
    )
    # The queue: per type, most urgent first, oldest first.
    op.execute(
        "CREATE INDEX ix_calls_queue ON calls (requested_type, priority, queued_at, id) WHERE status = 'queued'"
    )
    op.create_index("ix_calls_received_at", "calls", ["received_at", "id"])
    op.create_index("ix_calls_status", "calls", ["status"])

    op.create_table(
        "triage_decisions",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("call_id", sa.BigInteger, sa.ForeignKey("calls.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("response_type", sa.String(20), nullable=False),
        sa.Column("priority", sa.SmallInteger, nullable=False),
        sa.Column("notify_ems", sa.Boolean, nullable=False),
        sa.Column("protocol_version", sa.String(32), nullable=False),
        sa.Column("rules", JSONB, nullable=False),
        sa.Column("reasons", JSONB, nullable=False),
        sa.Column("evidence", JSONB, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("created_at", TZ, nullable=False),
        sa.CheckConstraint("kind IN ('triage', 'override', 'escalation')", name="kind"),
        sa.CheckConstraint(f"response_type IN {RESPONSE_TYPES}", name="response_type"),
        sa.CheckConstraint("kind = 'triage' OR reason IS NOT NULL", name="human_change_has_reason"),
    )
    op.create_index("ix_triage_decisions_call_id", "triage_decisions", ["call_id", "id"])
    op.execute(
        "CREATE UNIQUE INDEX uq_triage_decisions_one_triage ON triage_decisions (call_id) WHERE kind = 'triage'"
    )


def _assignments() -> None:
    op.create_table(
        "assignments",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("call_id", sa.BigInteger, sa.ForeignKey("calls.id"), nullable=False),
        sa.Column("unit_id", sa.BigInteger, sa.ForeignKey("units.id"), nullable=False),
        sa.Column("is_primary", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("distance_m", sa.Double, nullable=False),
        sa.Column("assigned_at", TZ, nullable=False),
        sa.Column("released_at", TZ),
        sa.Column("release_reason", sa.String(32)),
        sa.CheckConstraint("(released_at IS NULL) = (release_reason IS NULL)", name="release_has_reason"),
    )
    # The dispatch invariants, in the database itself.
    op.execute(
        "CREATE UNIQUE INDEX uq_assignments_open_unit ON assignments (unit_id) WHERE released_at IS NULL"
    )
    op.execute(
        "CREATE UNIQUE INDEX uq_assignments_open_primary_call ON assignments (call_id) "
        "WHERE released_at IS NULL AND is_primary"
    )
    op.create_index("ix_assignments_call_id", "assignments", ["call_id"])


def _events() -> None:
    op.create_table(
        "events",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("occurred_at", TZ, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("call_id", sa.BigInteger, sa.ForeignKey("calls.id")),
        sa.Column("unit_id", sa.BigInteger, sa.ForeignKey("units.id")),
        sa.Column("from_state", sa.String(32)),
        sa.Column("to_state", sa.String(32)),
        sa.Column("reason", sa.Text),
        sa.Column("data", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
        sa.CheckConstraint("call_id IS NOT NULL OR unit_id IS NOT NULL", name="has_entity"),
    )
    op.create_index("ix_events_call_id", "events", ["call_id", "id"])
    op.create_index("ix_events_unit_id", "events", ["unit_id", "id"])
    op.execute(
        """
        CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'the audit log is append-only (% refused)', TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER events_no_update_delete BEFORE UPDATE OR DELETE ON events "
        "FOR EACH ROW EXECUTE FUNCTION events_append_only()"
    )
    op.execute(
        "CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events "
        "FOR EACH STATEMENT EXECUTE FUNCTION events_append_only()"
    )


def _api_keys() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("unit_id", sa.BigInteger, sa.ForeignKey("units.id")),
        sa.Column("created_at", TZ, nullable=False, server_default=sa.func.now()),
        sa.Column("revoked_at", TZ),
        sa.CheckConstraint("role IN ('dispatcher', 'supervisor', 'unit', 'admin')", name="role"),
        sa.CheckConstraint("(role = 'unit') = (unit_id IS NOT NULL)", name="unit_key_bound"),
    )


def upgrade() -> None:
    for extension in ("cube", "earthdistance", "btree_gist"):
        op.execute(f"CREATE EXTENSION IF NOT EXISTS {extension}")
    _units()
    _calls()
    _assignments()
    _events()
    _api_keys()


def downgrade() -> None:
    op.drop_table("api_keys")
    op.execute("DROP TRIGGER events_no_truncate ON events")
    op.drop_table("events")
    op.execute("DROP FUNCTION events_append_only()")
    op.drop_table("assignments")
    op.drop_table("triage_decisions")
    op.drop_table("calls")
    op.drop_table("units")
    for extension in ("btree_gist", "earthdistance", "cube"):
        op.execute(f"DROP EXTENSION IF EXISTS {extension}")
