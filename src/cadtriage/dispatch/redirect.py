"""Sending a call to another type of unit: later screening answers, a dispatcher's override, an escalation, a
crisis-desk clinician's routing."""

from __future__ import annotations

from cadtriage.calls import repository as calls
from cadtriage.calls.models import Call, Divergence, TriageDecision
from cadtriage.consults.models import NotServed
from cadtriage.context import Context
from cadtriage.dispatch import queue, repository
from cadtriage.dispatch.desk import end_consult
from cadtriage.dispatch.locks import lock_call, read_call
from cadtriage.dispatch.matching import offer_unit, release, requeue
from cadtriage.dispatch.transitions import OPEN_CALL
from cadtriage.errors import Conflict
from cadtriage.triage.types import ResponseType

# For each way what is sent can come to differ from what triage decided: its event and its rule.
_DIVERSIONS = {
    Divergence.override: ("call.override", "dispatcher.override"),
    Divergence.escalation: ("call.escalated", "escalation.wait_limit"),
    Divergence.consult: ("call.routed", "consult.clinician"),
}


def redirect(ctx: Context, call: Call, response_type: ResponseType, reason: str) -> None:
    """Send a locked, open call to `response_type`: its unit, if any, is freed and the call queued and
    dispatched again, before the freed unit takes anything from the queue."""
    call.requested_type = response_type.value
    assignment = repository.open_assignment_for_call(ctx.session, call.id, lock=True)
    freed = None
    if assignment is not None:
        freed = release(ctx, assignment, "call re-triaged", offer=False)
        # The freed unit will take the queue lock exclusively; take it now, before the call's re-dispatch takes
        # it shared. Two redirects each holding it shared and each waiting to upgrade would deadlock.
        queue.lock_queue(ctx.session)
    requeue(ctx, call, reason)
    if freed is not None:
        offer_unit(ctx, freed)


def divert(
    ctx: Context, call: Call, to: ResponseType, divergence: Divergence, reason: str, queue_reason: str
) -> None:
    """Redirect a locked call away from what triage decided, recording the decision, its event and why."""
    event, rule = _DIVERSIONS[divergence]
    now = ctx.now()
    calls.add_decision(
        ctx.session,
        TriageDecision(
            call_id=call.id,
            kind=divergence.value,
            response_type=to.value,
            priority=call.priority,
            notify_ems=call.notify_ems,
            protocol_version=ctx.protocol.version,
            rules=[rule],
            reasons=[reason],
            evidence=[],
            actor=ctx.actor,
            reason=reason,
            created_at=now,
        ),
    )
    ctx.record(
        event, at=now, call_id=call.id, from_state=call.requested_type, to_state=to.value, reason=reason
    )
    call.divergence = divergence.value
    call.divergence_detail = reason
    redirect(ctx, call, to, queue_reason)


def _refuse_override(call: Call, response_type: ResponseType) -> None:
    if call.status not in OPEN_CALL:
        raise Conflict(
            f"call {call.id} is {call.status}: only an open call can be re-triaged",
            current=call.status,
        )
    if call.requested_type == response_type.value:
        raise Conflict(f"call {call.id} already requests {response_type.value}", current=call.requested_type)


def override(ctx: Context, call_id: int, response_type: ResponseType, reason: str) -> None:
    """A dispatcher re-triages a call: recorded with its reason; the call is re-dispatched and any unit freed.
    A call on the crisis desk leaves it (pulled)."""
    _refuse_override(read_call(ctx, call_id), response_type)  # before the lock: see `cadtriage.dispatch`
    call = lock_call(ctx, call_id)
    _refuse_override(call, response_type)
    end_consult(ctx, call, NotServed.pulled, f"dispatcher override to {response_type.value}: {reason}")
    divert(
        ctx,
        call,
        response_type,
        Divergence.override,
        reason,
        f"re-triaged to {response_type.value} by dispatcher",
    )
