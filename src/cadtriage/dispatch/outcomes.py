"""Recording how a call ended, checked against what the call was: who was sent, and whether anyone arrived."""

from __future__ import annotations

from typing import Any

from cadtriage.calls import repository
from cadtriage.calls.models import Call, CallOutcome, Resolution
from cadtriage.calls.outcome import Outcome, refused
from cadtriage.context import Context
from cadtriage.triage.types import ResponseType

# Teams with a police officer in them; a civilian team arrests no one and uses no police force by itself.
WITH_POLICE = frozenset({ResponseType.police.value, ResponseType.co_responder.value})


def record_outcome(ctx: Context, call: Call, outcome: Outcome) -> dict[str, Any]:
    """Store the outcome of a call closing now (locked, its unit on scene); a summary for the closing event."""
    _refuse_contradictions(call, outcome)
    backup = outcome.police_backup
    repository.add_outcome(
        ctx.session,
        CallOutcome(
            call_id=call.id,
            resolution=outcome.resolution,
            referrals=[r.model_dump() for r in outcome.referrals],
            backup_requested=backup.requested if backup else None,  # left out: not reported
            backup_reason=backup.reason if backup else None,
            backup_requested_at=backup.at if backup else None,
            force_used=outcome.use_of_force.used if outcome.use_of_force else None,
            force_by=list(outcome.use_of_force.by) if outcome.use_of_force else [],
            injury=outcome.injury.any if outcome.injury else None,
            injured=list(outcome.injury.who) if outcome.injury else [],
            recorded_at=ctx.now(),
            actor=ctx.actor,
        ),
    )
    return {"resolution": outcome.resolution.value, "referrals": len(outcome.referrals)}


def _refuse_contradictions(call: Call, outcome: Outcome) -> None:
    police_present = call.dispatched_type in WITH_POLICE or bool(
        outcome.police_backup and outcome.police_backup.requested
    )
    if outcome.resolution is Resolution.resolved_by_phone:
        raise refused("resolution", "the call's unit was on scene: it was not resolved by phone")
    if outcome.resolution is Resolution.arrest and not police_present:
        raise refused(
            "resolution",
            f"a {call.dispatched_type} team makes no arrest: record the police backup that did (police_backup)",
        )
    force = outcome.use_of_force
    if force and "police" in force.by and not police_present:
        raise refused("use_of_force", "no police were at this call: record the police backup (police_backup)")
