"""The call for service, its triage decisions, and the assignments of units to it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Double,
    ForeignKey,
    Identity,
    SmallInteger,
    String,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cadtriage.db import Base, status_column

# A queued call's position is exact up to this many calls ahead of it; further back it is reported as this plus
# one, "at least" (`dispatch.queue.queue_position`): counting a long queue would cost every answer.
QUEUE_COUNTED = 1000


class CallStatus(StrEnum):
    """Where a call is; which status may follow which is `dispatch.transitions`'."""

    on_desk = "on_desk"  # waiting for a crisis-desk clinician instead of a unit (the desk's transfer mode)
    with_clinician = "with_clinician"  # a clinician has it on the phone
    queued = "queued"
    assigned = "assigned"
    en_route = "en_route"
    on_scene = "on_scene"
    closed = "closed"
    cancelled = "cancelled"


class Resolution(StrEnum):
    """How a call ended, in the measures program evaluations count (B-HEARD, STAR, CAHOOTS, Vera, CSG)."""

    resolved_on_scene = "resolved_on_scene"
    referred = "referred"
    transported_crisis_center = "transported_crisis_center"
    transported_hospital = "transported_hospital"
    involuntary_hold = "involuntary_hold"
    arrest = "arrest"
    refused_services = "refused_services"
    gone_on_arrival = "gone_on_arrival"
    no_contact = "no_contact"
    resolved_by_phone = "resolved_by_phone"


class Divergence(StrEnum):
    """Why what was sent differs from what triage decided."""

    escalation = "escalation"
    override = "override"
    consult = "consult"  # a crisis-desk clinician routed it


class Call(Base):
    """A call for service as received, with the response type it currently needs and what was sent."""

    __tablename__ = "calls"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    external_id: Mapped[str] = mapped_column(String(64), unique=True)
    record_hash: Mapped[str] = mapped_column(String(64))
    record: Mapped[dict[str, Any]] = mapped_column(JSONB)
    call_type: Mapped[str | None] = mapped_column(Text)
    narrative: Mapped[str | None] = mapped_column(Text)
    lat: Mapped[float] = mapped_column(Double)
    lon: Mapped[float] = mapped_column(Double)
    address: Mapped[str | None] = mapped_column(Text)
    caller_name: Mapped[str | None] = mapped_column(String(120))
    caller_phone: Mapped[str | None] = mapped_column(String(32))
    screening: Mapped[dict[str, bool]] = mapped_column(JSONB, default=dict)  # answers as they stand now
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    status: Mapped[CallStatus] = mapped_column(status_column(CallStatus))
    priority: Mapped[int] = mapped_column(SmallInteger)
    notify_ems: Mapped[bool] = mapped_column(Boolean, default=False)
    decided_type: Mapped[str] = mapped_column(String(20))
    requested_type: Mapped[str] = mapped_column(String(20))
    dispatched_type: Mapped[str | None] = mapped_column(String(20))
    divergence: Mapped[str | None] = mapped_column(String(32))
    divergence_detail: Mapped[str | None] = mapped_column(Text)
    escalations: Mapped[int] = mapped_column(SmallInteger, default=0)
    queued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    assigned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    en_route_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    on_scene_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    disposition: Mapped[str | None] = mapped_column(Text)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    person_key: Mapped[str | None] = mapped_column(String(32))  # calls.person: pseudonymous, keyed
    person_key_version: Mapped[str | None] = mapped_column(String(16))
    # The response plan's needs (triage.types.Need as dicts), and the required capability the queue filters on.
    needs: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    required_capability: Mapped[str | None] = mapped_column(String(32))


class TriageDecision(Base):
    """One decision about a call: the protocol's (`triage` at intake, `screening` on later answers), or a
    dispatcher's `override`, or an `escalation`."""

    __tablename__ = "triage_decisions"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id"))
    kind: Mapped[str] = mapped_column(String(16))
    response_type: Mapped[str] = mapped_column(String(20))
    priority: Mapped[int] = mapped_column(SmallInteger)
    notify_ems: Mapped[bool] = mapped_column(Boolean)
    protocol_version: Mapped[str] = mapped_column(String(32))
    rules: Mapped[list[str]] = mapped_column(JSONB)
    reasons: Mapped[list[str]] = mapped_column(JSONB)
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    ask: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    consult: Mapped[dict[str, Any] | None] = mapped_column(JSONB)  # crisis-desk eligibility (triage kinds)
    plan: Mapped[list[dict[str, Any]] | None] = mapped_column(
        JSONB
    )  # the response plan's needs (triage kinds)
    actor: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Assignment(Base):
    """A unit sent to a call; `released_at` is set when the call closes, is cancelled or is re-triaged. Open
    assignments are unique per unit and per call (primary): partial unique indexes back the dispatch locks up."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    is_primary: Mapped[bool] = mapped_column(Boolean, default=True)
    distance_m: Mapped[float] = mapped_column(Double)
    assigned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    released_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    release_reason: Mapped[str | None] = mapped_column(String(32))
    # Which unit was the nearest, which was chosen, and why (when a response plan applied).
    recommendation: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    # Read only, and set by whoever sends the unit (`dispatch.moves.send_unit`): the answer to a dispatch names the
    # unit without reading it again. Elsewhere it loads on first use. Named, not imported: units import calls.
    unit: Mapped[Any] = relationship("Unit", viewonly=True)


class CallOutcome(Base):
    """What happened at a closed call, structured so that it can be counted; the free-text disposition stays on
    the call. One per call, written when it closes."""

    __tablename__ = "call_outcomes"

    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id"), primary_key=True)
    resolution: Mapped[Resolution] = mapped_column(status_column(Resolution, length=32))
    referrals: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)  # [{"to", "accepted"}]
    backup_requested: Mapped[bool | None] = mapped_column(Boolean)  # None: not reported
    backup_reason: Mapped[str | None] = mapped_column(Text)
    backup_requested_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    force_used: Mapped[bool | None] = mapped_column(Boolean)
    force_by: Mapped[list[str]] = mapped_column(JSONB, default=list)
    injury: Mapped[bool | None] = mapped_column(Boolean)
    injured: Mapped[list[str]] = mapped_column(JSONB, default=list)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(64))
