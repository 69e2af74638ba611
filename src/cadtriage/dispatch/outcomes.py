"""Recording how a call ended, checked against what the call was: who was sent, and whether anyone arrived."""

from __future__ import annotations

from typing import Any

from cadtriage.calls import repository
from cadtriage.calls.models import Call, CallOutcome, Resolution
from cadtriage.calls.outcome import Outcome, refused
from cadtriage.context import Context
from cadtriage.errors import Unprocessable
from cadtriage.triage.types import ResponseType

# Teams with a police officer in them; a civilian team arrests no one and uses no police force by itself.
WITH_POLICE = frozenset({ResponseType.police.value, ResponseType.co_responder.value})


# Resolutions in which nobody was taken anywhere: a unit that reported transporting contradicts them.
NOT_TRANSPORTED = frozenset(
    {
        Resolution.resolved_on_scene,
        Resolution.refused_services,
        Resolution.gone_on_arrival,
        Resolution.no_contact,
        Resolution.resolved_by_phone,
    }
)


def record_outcome(
    ctx: Context, call: Call, outcome: Outcome, *, transported: bool = False
) -> dict[str, Any]:
    """Store the outcome of a call closing now (locked, its unit on scene, `transported` if the unit reported
    transporting); a summary for the closing event."""
    _refuse_contradictions(call, outcome)
    _refuse_out_of_time(ctx, call, outcome)
    if transported and outcome.resolution in NOT_TRANSPORTED:
        raise refused(
            "resolution",
            f"the unit reported transporting: a call it transported did not end {outcome.resolution.value} "
            "(record where the person was taken, or the referral, hold or arrest)",
        )
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


def _refuse_out_of_time(ctx: Context, call: Call, outcome: Outcome) -> None:
    at = outcome.police_backup.at if outcome.police_backup else None
    if at is not None and not call.received_at <= at <= ctx.now():
        raise Unprocessable(
            "police backup is requested during the call: between its receipt and its close",
            errors=[{"field": "outcome.police_backup.at", "message": "outside the call"}],
        )


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
