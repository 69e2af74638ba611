"""Call intake and reading: triage, store, dispatch — in one transaction, idempotent on external_id."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

from cadtriage.calls import repository
from cadtriage.calls.models import Call, CallStatus, TriageDecision
from cadtriage.calls.schemas import IntakeRecord
from cadtriage.dispatch import repository as dispatch_repository
from cadtriage.dispatch.models import Assignment
from cadtriage.dispatch.service import DispatchContext, dispatch_or_queue
from cadtriage.errors import IdempotencyConflict, NotFound
from cadtriage.events import service as events
from cadtriage.triage.engine import decide
from cadtriage.triage.types import Decision


@dataclass(frozen=True)
class CallView:
    """A call with what the API shows beside it: its triage decision, its unit, its place in the queue."""

    call: Call
    decision: TriageDecision
    assignment: Assignment | None
    call_sign: str | None
    queue_position: int | None


def record_hash(record: IntakeRecord) -> str:
    """A stable digest of a call record, to tell a replay from a different call under the same external_id."""
    canonical = json.dumps(record.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _decision_row(call_id: int, decision: Decision, actor: str, at: object) -> TriageDecision:
    public = decision.as_dict()
    return TriageDecision(
        call_id=call_id,
        kind="triage",
        response_type=decision.response_type.value,
        priority=decision.priority,
        notify_ems=decision.notify_ems,
        protocol_version=decision.protocol_version,
        rules=public["rules"],
        reasons=public["reasons"],
        evidence=public["evidence"],
        actor=actor,
        created_at=at,
    )


def intake(ctx: DispatchContext, record: IntakeRecord) -> tuple[CallView, bool]:
    """Triage and store a call, then assign the nearest unit of the decided type or queue it.

    Returns the call and whether it was created (False: an identical record was already taken).
    """
    record.require_triage_input()
    digest = record_hash(record)
    decision = decide(record.call_text(), ctx.protocol)
    now = ctx.now()
    call_id = repository.insert_if_new(
        ctx.session,
        {
            "external_id": record.external_id,
            "record_hash": digest,
            "record": record.model_dump(mode="json"),
            "call_type": record.call_type,
            "narrative": record.narrative,
            "lat": record.location.lat,
            "lon": record.location.lon,
            "address": record.location.address,
            "caller_name": record.caller.name if record.caller else None,
            "caller_phone": record.caller.phone if record.caller else None,
            "received_at": record.received_at or now,
            "created_at": now,
            "status": CallStatus.queued.value,
            "queued_at": now,
            "priority": decision.priority,
            "notify_ems": decision.notify_ems,
            "decided_type": decision.response_type.value,
            "requested_type": decision.response_type.value,
        },
    )
    if call_id is None:
        existing = repository.get_by_external_id(ctx.session, record.external_id)
        assert existing is not None
        if existing.record_hash != digest:
            raise IdempotencyConflict(
                f"external_id {record.external_id} was already used for a different call record",
                external_id=record.external_id,
                call_id=existing.id,
            )
        return view(ctx, existing.id), False
    repository.add_decision(ctx.session, _decision_row(call_id, decision, ctx.actor, now))
    call = repository.get(ctx.session, call_id)
    assert call is not None
    events.record(
        ctx.session,
        actor=ctx.actor,
        kind="call.received",
        at=now,
        call_id=call_id,
        to_state=call.status,
        reason="; ".join(decision.reasons),
        data={
            "response_type": decision.response_type.value,
            "priority": decision.priority,
            "rules": list(decision.rules),
            "protocol_version": decision.protocol_version,
        },
    )
    dispatch_or_queue(ctx, call)
    return view(ctx, call_id), True


def view(ctx: DispatchContext, call_id: int) -> CallView:
    """A call as the API shows it; 404 when there is none."""
    call = repository.get(ctx.session, call_id)
    if call is None:
        raise NotFound(f"no call with id {call_id}", call_id=call_id)
    return views(ctx, [call])[0]


def views(ctx: DispatchContext, calls: Sequence[Call]) -> list[CallView]:
    """Several calls as the API shows them, in three queries whatever their number (for lists)."""
    ids = [c.id for c in calls]
    decisions = repository.triage_decisions(ctx.session, ids)
    assigned = dispatch_repository.open_assignments_with_call_signs(ctx.session, ids)
    waiting = [c.id for c in calls if c.status == CallStatus.queued.value]
    positions = dispatch_repository.queue_positions(ctx.session, waiting) if waiting else {}
    return [
        CallView(
            call,
            decisions[call.id],
            assigned[call.id][0] if call.id in assigned else None,
            assigned[call.id][1] if call.id in assigned else None,
            positions.get(call.id),
        )
        for call in calls
    ]
