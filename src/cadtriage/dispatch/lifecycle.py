"""A call's life after intake: its reported steps, cancellation, and the call-taker's later screening answers."""

from __future__ import annotations

from cadtriage.calls import repository
from cadtriage.calls.models import Call, CallStatus, Divergence
from cadtriage.calls.outcome import Outcome
from cadtriage.consults.models import NotServed
from cadtriage.context import Context
from cadtriage.dispatch import repository as dispatch_repository
from cadtriage.dispatch.desk import end_consult
from cadtriage.dispatch.intake import decision_row
from cadtriage.dispatch.locks import lock_call, lock_call_for, lock_unit_of, read_call
from cadtriage.dispatch.matching import dispatch_or_queue, release
from cadtriage.dispatch.moves import set_call_status, set_unit_status, step_on_call
from cadtriage.dispatch.outcomes import record_outcome
from cadtriage.dispatch.recommend import needs_of
from cadtriage.dispatch.redirect import redirect
from cadtriage.dispatch.transitions import (
    CALL_MOVES,
    CALL_REPORTS,
    DESK_CALL,
    OPEN_CALL,
    RETRIAGEABLE_CALL,
    UNIT_FOLLOWING_CALL,
    UNIT_REPORTS_ON_CALL,
    allowed,
    require_transition,
)
from cadtriage.errors import Conflict, InvalidTransition
from cadtriage.triage.engine import decide
from cadtriage.triage.types import CallText, Decision
from cadtriage.units.models import UnitStatus

TRANSPORTING = "transporting"


def advance(
    ctx: Context,
    call_id: int,
    target: str,
    disposition: str | None,
    *,
    reporting_unit: int | None = None,
    outcome: Outcome | None = None,
) -> None:
    """A reported step: en route, on scene, transporting (the unit's step), or closed with a disposition and,
    if given, its structured outcome (`dispatch.outcomes`).

    `reporting_unit`: when a unit reports the step for its call, the step applies only while that unit is still
    the call's unit (409 otherwise).
    """
    if target == TRANSPORTING:
        _transport(ctx, call_id, reporting_unit)
        return
    step = CallStatus(target)
    call = lock_call_for(ctx, call_id, CALL_REPORTS, step)
    assignment, unit = lock_unit_of(ctx, call, reporting_unit)
    if step is CallStatus.closed:
        end_consult(ctx, call, NotServed.call_ended, "the call closed before a clinician's outcome")
        call.disposition = disposition
        transported = unit.status is UnitStatus.transporting
        summary = record_outcome(ctx, call, outcome, transported=transported) if outcome else None
        set_call_status(ctx, call, CallStatus.closed, reason=disposition, unit_id=unit.id, data=summary)
        release(ctx, assignment, "call closed", unit)
        return
    unit_step = UNIT_FOLLOWING_CALL[step]
    require_transition("unit", UNIT_REPORTS_ON_CALL, unit.status, unit_step)
    step_on_call(ctx, call, unit, step, unit_step)


def _refuse_transport(call: Call) -> None:
    if call.status is not CallStatus.on_scene:
        raise InvalidTransition(
            f"a unit starts transporting from the scene; call {call.id} is {call.status}",
            current=call.status,
            requested=TRANSPORTING,
        )


def _transport(ctx: Context, call_id: int, reporting_unit: int | None) -> None:
    # The unit's own step: the call stays on scene until it is closed.
    _refuse_transport(read_call(ctx, call_id))
    call = lock_call(ctx, call_id)
    _refuse_transport(call)
    _, unit = lock_unit_of(ctx, call, reporting_unit)
    require_transition("unit", UNIT_REPORTS_ON_CALL, unit.status, UnitStatus.transporting)
    set_unit_status(ctx, unit, UnitStatus.transporting, call_id=call.id)


def cancel(ctx: Context, call_id: int, reason: str) -> None:
    """Cancel an open call at any stage; its unit, if any, is freed and takes the queue."""
    call = lock_call(ctx, call_id)
    if not allowed(CALL_MOVES, call.status, CallStatus.cancelled):
        raise Conflict(f"call {call.id} is already {call.status}", current=call.status, requested="cancelled")
    assignment = dispatch_repository.open_assignment_for_call(ctx.session, call.id, lock=True)
    call.cancel_reason = reason
    end_consult(ctx, call, NotServed.cancelled, f"call cancelled: {reason}")
    set_call_status(ctx, call, CallStatus.cancelled, reason=reason)
    if assignment is not None:
        release(ctx, assignment, "call cancelled")


def answer_screening(
    ctx: Context, call_id: int, answers: dict[str, bool], *, note: str | None = None
) -> None:
    """The call-taker's later answers: the call is triaged again on everything known.

    While the call is on the crisis desk, queued or assigned and its unit not yet en route, the new decision
    stands: priority and EMS follow it, and when it needs another type of unit the unit is released and the
    call dispatched to the new type, in this transaction. An answer that makes the call ineligible for the desk
    (a weapon, a medical emergency, a request for police) takes it off the desk and dispatches it at once, and
    at any stage ends a clinician's part in it. A dispatcher's override stands over the decision. Later, the
    answers are recorded and the decision is not changed. Both decisions are in the timeline.
    """
    call = lock_call(ctx, call_id)
    if call.status not in OPEN_CALL:
        raise Conflict(
            f"call {call.id} is {call.status}: it has no decision left to change",
            current=call.status,
        )
    call.screening = {**call.screening, **answers}
    language = call.record.get("language")
    decision = decide(CallText(call.call_type, call.narrative, call.screening, language), ctx.protocol)
    applies = call.status in RETRIAGEABLE_CALL and call.divergence != Divergence.override
    given = ", ".join(f"{k}={str(v).lower()}" for k, v in sorted(answers.items()))
    note = note or f"screening answers: {given}"  # or what else changed what triage reads (an EIDO's notes)
    unchanged = ", dispatcher override stands)" if call.status in RETRIAGEABLE_CALL else ")"
    ctx.record(
        "call.screening",
        call_id=call.id,
        from_state=call.decided_type,
        to_state=decision.response_type.value if applies else call.decided_type,
        reason=note if applies else f"{note}; recorded, decision unchanged (call is {call.status}{unchanged}",
        data={"answers": answers, "applied": applies, "decision": _summary(decision)},
    )
    if not decision.consult.eligible:  # at any stage: no clinician keeps a call the answers make ineligible
        end_consult(ctx, call, NotServed.no_longer_eligible, f"{decision.consult.reason} ({note})")
    if applies:
        _apply(ctx, call, decision, note)


def _summary(decision: Decision) -> dict[str, object]:
    return {
        "response_type": decision.response_type.value,
        "priority": decision.priority,
        "notify_ems": decision.notify_ems,
        "rules": list(decision.rules),
    }


def _apply(ctx: Context, call: Call, decision: Decision, note: str) -> None:
    repository.add_decision(
        ctx.session, decision_row(call.id, decision, ctx.actor, ctx.now(), kind="screening", reason=note)
    )
    call.decided_type = decision.response_type.value
    call.needs = [need.as_dict() for need in decision.plan]
    call.priority = decision.priority
    call.notify_ems = decision.notify_ems
    on_desk = call.status in DESK_CALL
    changed = call.requested_type != decision.response_type.value
    if changed:
        call.divergence = None  # what is requested is again what triage decided
        call.divergence_detail = None
        call.requested_type = decision.response_type.value  # a call the desk keeps goes to this type later
    if on_desk and decision.consult.eligible:
        return  # still the desk's
    if changed or on_desk:
        redirect(ctx, call, decision.response_type, f"re-triaged to {decision.response_type.value} on {note}")
    elif call.status is CallStatus.queued and needs_of(call).required != call.required_capability:
        # What a unit must hold to take it follows the new plan; a free unit passed over for the old one may
        # take it now.
        dispatch_or_queue(ctx, call)
