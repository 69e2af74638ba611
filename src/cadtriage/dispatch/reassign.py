"""A dispatcher's choice of unit: a call is given another unit of its type (a dispatcher knows things the
system does not), recorded with both units and the reason.

Locks in the order of `cadtriage.dispatch`: the call, its open assignment, then the units, in id order (two
reassignments trading units between them cannot wait for each other in a circle); the freed unit takes the
queue last, as any freed unit does.
"""

from __future__ import annotations

from typing import Any

from cadtriage.calls.models import Call, CallStatus
from cadtriage.context import Context
from cadtriage.dispatch import repository
from cadtriage.dispatch.locks import lock_call, read_call
from cadtriage.dispatch.matching import assign, offer_unit, release
from cadtriage.dispatch.moves import set_call_status
from cadtriage.dispatch.recommend import brief
from cadtriage.errors import Conflict, NotFound
from cadtriage.units import repository as units
from cadtriage.units.models import Unit, UnitStatus

# A call can be given another unit until its unit is on scene.
REASSIGNABLE = frozenset({CallStatus.queued, CallStatus.assigned, CallStatus.en_route})
REASSIGNED = "reassigned by dispatcher"


def _refuse(call: Call) -> None:
    if call.status not in REASSIGNABLE:
        raise Conflict(
            f"call {call.id} is {call.status}: a unit is chosen for a call waiting or on its way",
            current=call.status,
        )


def reassign(ctx: Context, call_id: int, unit_id: int, reason: str) -> None:
    """Send `unit_id` (available, of the call's requested type) to the call instead of its unit, if any; the
    unit it had is freed and takes the queue."""
    _refuse(read_call(ctx, call_id))  # before any lock
    call = lock_call(ctx, call_id)
    _refuse(call)
    assignment = repository.open_assignment_for_call(ctx.session, call.id, lock=True)
    if assignment is not None and assignment.unit_id == unit_id:
        raise Conflict(f"unit {unit_id} is already on call {call.id}", unit_id=unit_id)
    ids = sorted({unit_id} | ({assignment.unit_id} if assignment else set()))
    locked = {i: units.get(ctx.session, i, for_update=True) for i in ids}
    chosen = _refuse_unit(call, locked[unit_id], unit_id)
    freed = None
    recommendation: dict[str, Any] = {"previous": None}
    if assignment is not None:
        freed = locked[assignment.unit_id]
        assert freed is not None  # an assignment's unit cannot be deleted
        recommendation["previous"] = brief(freed, assignment.distance_m)
        release(ctx, assignment, REASSIGNED, freed, offer=False)
    if call.status is not CallStatus.queued:
        set_call_status(ctx, call, CallStatus.queued, reason=f"{REASSIGNED}: {reason}")
    distance = units.distance_m(ctx.session, chosen.id, call.lat, call.lon)
    recommendation |= {"chosen": brief(chosen, distance), "reason": f"dispatcher's choice: {reason}"}
    ctx.record(
        "call.reassigned",
        call_id=call.id,
        unit_id=chosen.id,
        reason=reason,
        data={"from_unit": freed.id if freed else None, "to_unit": chosen.id},
    )
    assign(ctx, call, chosen, distance, recommendation)
    if freed is not None:
        offer_unit(ctx, freed)


def _refuse_unit(call: Call, unit: Unit | None, unit_id: int) -> Unit:
    if unit is None:
        raise NotFound(f"no unit with id {unit_id}", unit_id=unit_id)
    if unit.unit_type != call.requested_type:
        raise Conflict(
            f"{unit.call_sign} is {unit.unit_type}; call {call.id} requests {call.requested_type} "
            "(override the call's type first)",
            unit_id=unit.id,
        )
    if unit.status is not UnitStatus.available:
        raise Conflict(
            f"{unit.call_sign} is {unit.status}, not available", unit_id=unit.id, current=unit.status
        )
    return unit
