"""A call's life after intake: status changes, cancellation, later screening answers, dispatcher override.

Locks are always taken call first, then unit, so that call-side and unit-side changes cannot deadlock.
"""

from __future__ import annotations

from cadtriage.calls import repository
from cadtriage.calls.models import OPEN_STATUSES, Call, CallStatus, Divergence, TriageDecision
from cadtriage.calls.service import decision_row
from cadtriage.dispatch import repository as dispatch_repository
from cadtriage.dispatch.models import Assignment
from cadtriage.dispatch.service import (
    DispatchContext,
    dispatch_or_queue,
    offer_unit,
    release,
    require_transition,
    set_call_status,
    set_unit_status,
)
from cadtriage.errors import Conflict, NotFound
from cadtriage.events.service import record
from cadtriage.triage.engine import decide
from cadtriage.triage.types import CallText, Decision, ResponseType
from cadtriage.units import repository as units
from cadtriage.units.models import Unit, UnitStatus

# What a dispatcher or unit may ask of a call; queueing and assignment are the system's own moves.
CALL_TRANSITIONS: dict[str, frozenset[str]] = {
    "assigned": frozenset({"en_route", "on_scene"}),
    "en_route": frozenset({"on_scene"}),
    "on_scene": frozenset({"closed"}),
}
# The unit status that goes with each call status a unit reports.
UNIT_FOR_CALL = {"en_route": UnitStatus.en_route, "on_scene": UnitStatus.on_scene}
UNIT_TRANSITIONS: dict[str, frozenset[str]] = {
    "dispatched": frozenset({"en_route", "on_scene"}),
    "en_route": frozenset({"on_scene"}),
    "on_scene": frozenset({"transporting"}),
}


def _current(ctx: DispatchContext, call_id: int) -> Call:
    # An unlocked read, for validating a request before its locks are taken.
    call = repository.get(ctx.session, call_id)
    if call is None:
        raise NotFound(f"no call with id {call_id}", call_id=call_id)
    return call


def locked_call(ctx: DispatchContext, call_id: int) -> Call:
    """Lock a call for change; 404 when there is none."""
    call = repository.get(ctx.session, call_id, for_update=True)
    if call is None:
        raise NotFound(f"no call with id {call_id}", call_id=call_id)
    return call


def _locked_unit_of(
    ctx: DispatchContext, call: Call, reporting_unit: int | None = None
) -> tuple[Assignment, Unit]:
    assignment = dispatch_repository.open_assignment_for_call(ctx.session, call.id, lock=True)
    if assignment is None:
        raise Conflict(f"call {call.id} has no unit assigned", call_id=call.id)
    if reporting_unit is not None and assignment.unit_id != reporting_unit:
        # The unit read its call before the call was locked; since then the call was re-dispatched. A unit
        # reports only for itself: never move the unit that is on the call now.
        raise Conflict(
            f"unit {reporting_unit} is no longer on call {call.id}", call_id=call.id, unit_id=reporting_unit
        )
    unit = units.get(ctx.session, assignment.unit_id, for_update=True)
    assert unit is not None
    return assignment, unit


def advance(
    ctx: DispatchContext,
    call_id: int,
    target: str,
    disposition: str | None,
    *,
    reporting_unit: int | None = None,
) -> None:
    """A reported step: en route, on scene, transporting (the unit's), or closed with a disposition.

    `reporting_unit`: when a unit reports the step for its call, the step applies only while that unit is still
    the call's unit (409 otherwise).
    """
    if target != "transporting":
        # Refuse what can be refused before taking the lock: a queued call locked by a request bound to fail
        # would be skipped by a unit freed meanwhile.
        require_transition("call", _current(ctx, call_id).status, target, CALL_TRANSITIONS)
    call = locked_call(ctx, call_id)
    if target == "transporting":
        require_transition("call", call.status, "on_scene", {"on_scene": frozenset({"on_scene"})})
        _, unit = _locked_unit_of(ctx, call, reporting_unit)
        require_transition("unit", unit.status, "transporting", UNIT_TRANSITIONS)
        set_unit_status(ctx, unit, UnitStatus.transporting, call_id=call.id)
        return
    require_transition("call", call.status, target, CALL_TRANSITIONS)
    assignment, unit = _locked_unit_of(ctx, call, reporting_unit)
    if target == "closed":
        call.disposition = disposition
        set_call_status(ctx, call, CallStatus.closed, reason=disposition, unit_id=unit.id)
        release(ctx, assignment, "call closed")
        return
    require_transition("unit", unit.status, target, UNIT_TRANSITIONS)
    set_unit_status(ctx, unit, UNIT_FOR_CALL[target], call_id=call.id)
    set_call_status(ctx, call, CallStatus(target), unit_id=unit.id)


def cancel(ctx: DispatchContext, call_id: int, reason: str) -> None:
    """Cancel an open call at any stage; its unit, if any, is freed and takes the queue."""
    call = locked_call(ctx, call_id)
    if call.status not in OPEN_STATUSES:
        raise Conflict(f"call {call.id} is already {call.status}", current=call.status, requested="cancelled")
    assignment = dispatch_repository.open_assignment_for_call(ctx.session, call.id, lock=True)
    call.cancel_reason = reason
    set_call_status(ctx, call, CallStatus.cancelled, reason=reason)
    if assignment is not None:
        release(ctx, assignment, "call cancelled")


def requeue(ctx: DispatchContext, call: Call, reason: str) -> None:
    """Put a call back in its queue (its wait restarts) and dispatch it again if a unit is free."""
    call.queued_at = ctx.now()
    set_call_status(ctx, call, CallStatus.queued, reason=reason)
    dispatch_or_queue(ctx, call)


# A call can still be sent elsewhere until its unit is on the way.
RETRIAGEABLE = frozenset({CallStatus.queued, CallStatus.assigned})


def answer_screening(ctx: DispatchContext, call_id: int, answers: dict[str, bool]) -> None:
    """The call-taker's later answers: the call is triaged again on everything known.

    While the call is queued or assigned and its unit not yet en route, the new decision stands: priority and
    EMS follow it, and when it needs another type of unit the unit is released and the call dispatched to the
    new type, in this transaction. A dispatcher's override stands over it. Later, the answers are recorded and
    the decision is not changed. Both decisions are in the timeline.
    """
    call = locked_call(ctx, call_id)
    if call.status not in OPEN_STATUSES:
        raise Conflict(
            f"call {call.id} is {call.status}: it has no decision left to change", current=call.status
        )
    call.screening = {**call.screening, **answers}
    decision = decide(CallText(call.call_type, call.narrative, call.screening), ctx.protocol)
    applies = call.status in RETRIAGEABLE and call.divergence != Divergence.override.value
    given = ", ".join(f"{k}={str(v).lower()}" for k, v in sorted(answers.items()))
    note = f"screening answers: {given}"
    record(
        ctx.session,
        actor=ctx.actor,
        kind="call.screening",
        at=ctx.now(),
        call_id=call.id,
        from_state=call.decided_type,
        to_state=decision.response_type.value if applies else call.decided_type,
        reason=note
        if applies
        else f"{note}; recorded, decision unchanged (call is {call.status}"
        + (", dispatcher override stands)" if call.status in RETRIAGEABLE else ")"),
        data={"answers": answers, "applied": applies, "decision": _summary(decision)},
    )
    if applies:
        _apply(ctx, call, decision, note)


def _summary(decision: Decision) -> dict[str, object]:
    return {
        "response_type": decision.response_type.value,
        "priority": decision.priority,
        "notify_ems": decision.notify_ems,
        "rules": list(decision.rules),
    }


def _apply(ctx: DispatchContext, call: Call, decision: Decision, note: str) -> None:
    repository.add_decision(
        ctx.session, decision_row(call.id, decision, ctx.actor, ctx.now(), kind="screening", reason=note)
    )
    call.decided_type = decision.response_type.value
    call.priority = decision.priority
    call.notify_ems = decision.notify_ems
    if call.requested_type != decision.response_type.value:
        call.divergence = None  # what is requested is again what triage decided
        call.divergence_detail = None
        _redirect(
            ctx, call, decision.response_type, f"re-triaged to {decision.response_type.value} on {note}"
        )


def _redirect(ctx: DispatchContext, call: Call, response_type: ResponseType, reason: str) -> None:
    # Free any unit first without letting it take the queue, so the call itself is matched before it.
    call.requested_type = response_type.value
    assignment = dispatch_repository.open_assignment_for_call(ctx.session, call.id, lock=True)
    if assignment is not None:
        # The freed unit will take the queue lock exclusively; take it now, before the call's re-dispatch takes
        # it shared. Two redirects each holding it shared and each waiting to upgrade would deadlock.
        dispatch_repository.lock_queue(ctx.session)
    freed = release(ctx, assignment, "call re-triaged", offer=False) if assignment else None
    requeue(ctx, call, reason)
    if freed is not None:
        offer_unit(ctx, freed)


def _refuse_override(call: Call, response_type: ResponseType) -> None:
    if call.status not in OPEN_STATUSES:
        raise Conflict(
            f"call {call.id} is {call.status}: only an open call can be re-triaged", current=call.status
        )
    if call.requested_type == response_type.value:
        raise Conflict(f"call {call.id} already requests {response_type.value}", current=call.requested_type)


def override(ctx: DispatchContext, call_id: int, response_type: ResponseType, reason: str) -> None:
    """A dispatcher re-triages a call: recorded with its reason; the call is re-dispatched and any unit freed."""
    _refuse_override(_current(ctx, call_id), response_type)  # before the lock, as in `advance`
    call = locked_call(ctx, call_id)
    _refuse_override(call, response_type)
    now = ctx.now()
    repository.add_decision(
        ctx.session,
        TriageDecision(
            call_id=call.id,
            kind="override",
            response_type=response_type.value,
            priority=call.priority,
            notify_ems=call.notify_ems,
            protocol_version=ctx.protocol.version,
            rules=["dispatcher.override"],
            reasons=[reason],
            evidence=[],
            actor=ctx.actor,
            reason=reason,
            created_at=now,
        ),
    )
    record(
        ctx.session,
        actor=ctx.actor,
        kind="call.override",
        at=now,
        call_id=call.id,
        from_state=call.requested_type,
        to_state=response_type.value,
        reason=reason,
    )
    call.divergence = Divergence.override.value
    call.divergence_detail = reason
    _redirect(ctx, call, response_type, f"re-triaged to {response_type.value} by dispatcher")
