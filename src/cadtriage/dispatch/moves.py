"""The only code that changes the status of a call, a unit or a consult: checked against `transitions`, stamped,
recorded.

Callers hold the row's lock (see the lock order in `cadtriage.dispatch`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm.attributes import set_committed_value

from cadtriage.calls.models import Assignment, Call, CallStatus
from cadtriage.consults.models import Consult, ConsultState
from cadtriage.context import Context
from cadtriage.dispatch import sending
from cadtriage.dispatch.transitions import CALL_MOVES, CONSULT_MOVES, UNIT_MOVES, require_transition
from cadtriage.events.service import entry
from cadtriage.units.models import Unit, UnitStatus

# When each call status was reached; cancelled closes the call as closed does. The desk's own times are the
# consult's (`consults.models`).
_STAMP = {
    CallStatus.queued: "queued_at",
    CallStatus.assigned: "assigned_at",
    CallStatus.en_route: "en_route_at",
    CallStatus.on_scene: "on_scene_at",
    CallStatus.closed: "closed_at",
    CallStatus.cancelled: "closed_at",
}


def _call_move(
    call: Call,
    previous: CallStatus,
    target: CallStatus,
    at: datetime,
    reason: str | None,
    unit_id: int | None,
    data: dict[str, Any] | None,
) -> dict[str, Any]:
    """Check a call's move and describe its event (`Context.record`'s arguments)."""
    require_transition("call", CALL_MOVES, previous, target, call_id=call.id)
    return {
        "kind": f"call.{target.value}",
        "at": at,
        "call_id": call.id,
        "unit_id": unit_id,
        "from_state": previous.value,
        "to_state": target.value,
        "reason": reason,
        "data": data,
    }


def _unit_move(
    unit: Unit, target: UnitStatus, at: datetime, reason: str | None, call_id: int | None
) -> dict[str, Any]:
    """Check a unit's move and describe its event (`Context.record`'s arguments)."""
    previous = UnitStatus(unit.status)
    require_transition("unit", UNIT_MOVES, previous, target, unit_id=unit.id)
    return {
        "kind": "unit.status",
        "at": at,
        "unit_id": unit.id,
        "call_id": call_id,
        "from_state": previous.value,
        "to_state": target.value,
        "reason": reason,
    }


def set_call_status(
    ctx: Context,
    call: Call,
    target: CallStatus,
    reason: str | None = None,
    unit_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    """Move a call to a new status, stamping the time and recording the event (with the unit it concerns).
    A call already in that status is left alone: the timeline records changes, not restatements."""
    previous, now = CallStatus(call.status), ctx.now()
    if previous is target:
        return
    event = _call_move(call, previous, target, now, reason, unit_id, data)
    call.status = target
    stamp = _STAMP.get(target)
    # A requeue restarts the wait on purpose (`matching.requeue` sets queued_at); a second assignment (an
    # override, an escalation) keeps the first, so time to assignment measures how long the caller waited.
    if stamp and (target not in (CallStatus.queued, CallStatus.assigned) or getattr(call, stamp) is None):
        setattr(call, stamp, now)
    ctx.record(**event)


def set_unit_status(
    ctx: Context, unit: Unit, target: UnitStatus, reason: str | None = None, call_id: int | None = None
) -> None:
    """Move a unit to a new status and record the event."""
    now = ctx.now()
    event = _unit_move(unit, target, now, reason, call_id)
    unit.status = target
    unit.updated_at = now
    ctx.record(**event)


def send_unit(
    ctx: Context,
    call: Call,
    unit: Unit,
    distance_m: float,
    recommendation: dict[str, Any] | None,
    reason: str,
) -> Assignment:
    """Send a unit (locked, available) to a call (locked): the assignment, the unit's move to dispatched and the
    call's to assigned (unless it is already), stamped and recorded, as `set_unit_status` and `set_call_status`
    would, in one statement. `reason` is the call's; the rows in the session are updated as written."""
    now, previous = ctx.now(), CallStatus(call.status)
    moved = _unit_move(unit, UnitStatus.dispatched, now, f"assigned to call {call.id}", call.id)
    events = [entry(actor=ctx.actor, **moved)]
    if previous is not CallStatus.assigned:  # the timeline records changes, not restatements
        data = {"recommendation": recommendation} if recommendation else None
        moved = _call_move(call, previous, CallStatus.assigned, now, reason, unit.id, data)
        events.append(entry(actor=ctx.actor, **moved))
    values = {
        "call_id": call.id,
        "unit_id": unit.id,
        "is_primary": True,
        "distance_m": distance_m,
        "assigned_at": now,
        "recommendation": recommendation,
    }
    moves = {
        "unit_status": UnitStatus.dispatched,
        "call_status": CallStatus.assigned,
        "call_dispatched_type": unit.unit_type,
    }
    assignment = sending.send(ctx.session, values, moves, events)
    # What the statement wrote, as the rows' committed state: no flush writes it again.
    set_committed_value(unit, "status", UnitStatus.dispatched)
    set_committed_value(unit, "updated_at", now)
    set_committed_value(call, "status", CallStatus.assigned)
    set_committed_value(call, "dispatched_type", unit.unit_type)
    if call.assigned_at is None:  # a second assignment keeps the first's time (`set_call_status`)
        set_committed_value(call, "assigned_at", now)
    set_committed_value(assignment, "unit", unit)
    return assignment


def step_on_call(ctx: Context, call: Call, unit: Unit, step: CallStatus, unit_step: UnitStatus) -> None:
    """A unit's step on its call, both locked (en route, on scene): the unit's move and the call's, stamped and
    recorded as `set_unit_status` and `set_call_status` would, in one statement; the rows in the session are
    updated as written."""
    now, previous = ctx.now(), CallStatus(call.status)
    unit_moved = _unit_move(unit, unit_step, now, None, call.id)
    call_moved = _call_move(call, previous, step, now, None, unit.id, None)
    stamp = _STAMP[step]
    moves = {
        "unit_id": unit.id,
        "unit_status": unit_step,
        "unit_updated_at": now,
        "call_id": call.id,
        "call_status": step,
    }
    sending.step(ctx.session, moves, stamp, [entry(actor=ctx.actor, **m) for m in (unit_moved, call_moved)])
    set_committed_value(unit, "status", unit_step)
    set_committed_value(unit, "updated_at", now)
    set_committed_value(call, "status", step)
    set_committed_value(call, stamp, now)


# The event of each move of a consult (its creation is `consult.requested`, recorded by `dispatch.desk`).
_CONSULT_EVENT = {
    ConsultState.claimed: "consult.claimed",
    ConsultState.done: "consult.outcome",
    ConsultState.not_served: "consult.not_served",
}


def set_consult_state(
    ctx: Context, consult: Consult, target: ConsultState, reason: str | None, data: dict[str, Any]
) -> None:
    """Move a consult (its call locked) on: claimed by the acting clinician, or ended by the actor, recorded."""
    previous, now = ConsultState(consult.state), ctx.now()
    require_transition("consult", CONSULT_MOVES, previous, target, call_id=consult.call_id)
    consult.state = target
    if target is ConsultState.claimed:
        consult.claimed_at, consult.claimed_by = now, ctx.actor
    else:
        consult.ended_at, consult.ended_by = now, ctx.actor
    ctx.record(
        _CONSULT_EVENT[target],
        at=now,
        call_id=consult.call_id,
        from_state=previous.value,
        to_state=target.value,
        reason=reason,
        data=data,
    )
