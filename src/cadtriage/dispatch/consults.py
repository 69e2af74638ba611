"""The crisis desk's workflow: a clinician claims a call and records what becomes of it; a dispatcher can pull a
call off the desk at any time; the sweep dispatches, as triaged, every call nobody picked up in time.

Every change locks the call first (see the lock order in `cadtriage.dispatch`); the consult changes under it.
"""

from __future__ import annotations

from datetime import timedelta

from cadtriage.calls import repository as calls
from cadtriage.calls.models import Call, CallOutcome, CallStatus, Divergence, Resolution
from cadtriage.consults import repository
from cadtriage.consults.models import Consult, ConsultOutcome, ConsultState, NotServed
from cadtriage.consults.schemas import ENDS_ON_PHONE, ConsultDecision
from cadtriage.context import Context
from cadtriage.dispatch import repository as dispatch_repository
from cadtriage.dispatch.desk import release_to_dispatch
from cadtriage.dispatch.locks import lock_call
from cadtriage.dispatch.matching import release
from cadtriage.dispatch.moves import set_call_status, set_consult_state
from cadtriage.dispatch.redirect import divert, redirect
from cadtriage.dispatch.transitions import DESK_CALL
from cadtriage.errors import Conflict, Forbidden, NotFound
from cadtriage.triage.types import ResponseType

# Where each routing outcome sends the call.
ROUTES = {
    ConsultOutcome.mobile_crisis: ResponseType.civilian_crisis,
    ConsultOutcome.co_responder: ResponseType.co_responder,
    ConsultOutcome.police: ResponseType.police,
}
# How a call that ends on the phone is counted among outcomes (`calls.outcome`).
PHONE_RESOLUTIONS = {
    ConsultOutcome.resolved_by_phone: (Resolution.resolved_by_phone, []),
    ConsultOutcome.transferred_988: (
        Resolution.referred,
        [{"to": "988 Suicide & Crisis Lifeline", "accepted": True}],
    ),
}
STOOD_DOWN = "resolved on the phone"


def _desk_consult(ctx: Context, call_id: int) -> Consult:
    # A call that does not exist and one that never reached the desk get the same answer: a clinician learns
    # nothing of the calls outside the desk.
    consult = repository.get(ctx.session, call_id)
    if consult is None or consult.on_desk_at is None:
        raise NotFound(f"no call {call_id} on the crisis desk", call_id=call_id)
    return consult


def _refuse_unless(consult: Consult, *states: ConsultState) -> None:
    if consult.state in states:
        return
    call_id = consult.call_id
    if consult.state is ConsultState.waiting:
        raise Conflict(
            f"call {call_id} is waiting on the desk: claim it first", call_id=call_id, state=consult.state
        )
    if consult.state is ConsultState.claimed:
        raise Conflict(
            f"call {call_id} was claimed by {consult.claimed_by}", call_id=call_id, state=consult.state,
            claimed_by=consult.claimed_by,
        )  # fmt: skip
    if consult.state is ConsultState.done:
        raise Conflict(
            f"call {call_id} already has its outcome ({consult.outcome}); it cannot change",
            call_id=call_id, state=consult.state, outcome=consult.outcome,
        )  # fmt: skip
    raise Conflict(
        f"call {call_id} has left the desk: {consult.not_served_detail}",
        call_id=call_id, state=consult.state, not_served=consult.not_served,
    )  # fmt: skip


def claim(ctx: Context, call_id: int) -> None:
    """A clinician takes a waiting call: the call is with them (transfer mode) or they join it (conference). A
    call whose wait has ended is no longer offered: the sweep is sending it on."""
    _refuse_claim(ctx, _desk_consult(ctx, call_id))  # before any lock
    call = lock_call(ctx, call_id)
    consult = _desk_consult(ctx, call_id)
    _refuse_claim(ctx, consult)
    set_consult_state(ctx, consult, ConsultState.claimed, None, {"mode": consult.mode})
    if call.status is CallStatus.on_desk:
        set_call_status(ctx, call, CallStatus.with_clinician, reason=f"picked up by {ctx.actor}")


def _refuse_claim(ctx: Context, consult: Consult) -> None:
    _refuse_unless(consult, ConsultState.waiting)
    if consult.due_at is not None and consult.due_at <= ctx.now():
        raise Conflict(
            f"call {consult.call_id}'s wait on the desk ended at {consult.due_at.isoformat()}: it goes on as triaged",
            call_id=consult.call_id,
            due_at=consult.due_at.isoformat(),
        )


def record_outcome(ctx: Context, call_id: int, decision: ConsultDecision) -> None:
    """The claiming clinician's outcome, once: the call closes on the phone (its unit, if any, stood down), or is
    dispatched to the team the clinician chose, or as triaged, in this transaction."""
    _desk_consult(ctx, call_id)  # 404 before any lock
    call = lock_call(ctx, call_id)
    consult = _desk_consult(ctx, call_id)
    _refuse_unless(consult, ConsultState.claimed)
    if consult.claimed_by != ctx.actor:
        raise Forbidden(f"call {call_id} is claimed by {consult.claimed_by}: only they record its outcome")
    outcome = decision.outcome
    if outcome in ENDS_ON_PHONE and call.status is CallStatus.on_scene:
        raise Conflict(
            f"call {call_id}'s unit is on scene: the call closes from the scene",
            call_id=call_id,
            current=call.status,
        )
    consult.outcome, consult.rationale = outcome, decision.rationale
    set_consult_state(ctx, consult, ConsultState.done, decision.rationale, {"outcome": outcome.value})
    if outcome in ENDS_ON_PHONE:
        _close_on_phone(ctx, call, outcome, decision.rationale or "")
    elif outcome is ConsultOutcome.returned_to_dispatch:
        if call.status in DESK_CALL:
            redirect(ctx, call, ResponseType(call.requested_type), f"returned to dispatch by {ctx.actor}")
    else:
        _route(ctx, call, ROUTES[outcome], decision.rationale)


def _close_on_phone(ctx: Context, call: Call, outcome: ConsultOutcome, rationale: str) -> None:
    resolution, referrals = PHONE_RESOLUTIONS[outcome]
    assignment = dispatch_repository.open_assignment_for_call(ctx.session, call.id, lock=True)
    call.disposition = rationale
    calls.add_outcome(
        ctx.session,
        CallOutcome(
            call_id=call.id,
            resolution=resolution,
            referrals=referrals,
            recorded_at=ctx.now(),
            actor=ctx.actor,
        ),
    )
    summary = {"resolution": resolution.value, "referrals": len(referrals)}
    set_call_status(ctx, call, CallStatus.closed, reason=f"{outcome.value}: {rationale}", data=summary)
    if assignment is not None:
        release(ctx, assignment, STOOD_DOWN)


def _route(ctx: Context, call: Call, to: ResponseType, rationale: str | None) -> None:
    if call.status not in DESK_CALL and call.requested_type == to.value:
        return  # conference: the team the clinician chose is already the one sent
    why = f"routed to {to.value} by clinician {ctx.actor}" + (f": {rationale}" if rationale else "")
    if to.value == call.decided_type:
        redirect(ctx, call, to, why)
    else:
        divert(ctx, call, to, Divergence.consult, why, why)


def pull(ctx: Context, call_id: int, reason: str) -> None:
    """A dispatcher takes a call off the desk (new information: a weapon, a medical emergency): a call held on
    the desk is dispatched at once, as it is requested; in conference mode the clinician is no longer called."""
    _refuse_unless(_desk_consult(ctx, call_id), ConsultState.waiting, ConsultState.claimed)
    call = lock_call(ctx, call_id)
    _refuse_unless(_desk_consult(ctx, call_id), ConsultState.waiting, ConsultState.claimed)
    release_to_dispatch(ctx, call, NotServed.pulled, f"pulled off the desk by {ctx.actor}: {reason}")


def expire_overdue(ctx: Context, limit: int) -> list[int]:
    """Calls no clinician picked up by their due time, and calls picked up but left with no outcome for
    `max_claim_s` (or by a clinician whose key was revoked), leave the desk: dispatched as triaged (transfer),
    or no longer waiting for a clinician (conference); the ids."""
    now, max_claim_s = ctx.now(), ctx.protocol.runtime.desk.max_claim_s
    claimed_before = now - timedelta(seconds=max_claim_s)
    expired = []
    for call in dispatch_repository.lock_calls_past_wait(ctx.session, now, claimed_before, limit):
        consult = repository.get(ctx.session, call.id)
        assert consult is not None
        then = "dispatched as triaged" if call.status in DESK_CALL else "the call goes on as dispatched"
        if consult.state is ConsultState.waiting:
            assert consult.due_at is not None
            assert consult.on_desk_at is not None
            waited = (consult.due_at - consult.on_desk_at).total_seconds()
            detail = (
                f"no clinician picked it up within {waited:.0f} s; {then}"
                if call.status in DESK_CALL
                else f"no clinician joined within {waited:.0f} s"
            )
            why = NotServed.timed_out
        elif consult.claimed_at is not None and consult.claimed_at <= claimed_before:
            why = NotServed.timed_out_claimed
            detail = f"no outcome within {max_claim_s} s of pick-up by {consult.claimed_by}; {then}"
        else:
            why, detail = NotServed.timed_out_claimed, f"{consult.claimed_by}'s key was revoked; {then}"
        release_to_dispatch(ctx, call, why, detail)
        expired.append(call.id)
    return expired
