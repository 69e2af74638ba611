"""Reading and locking a call and its unit for a change, in the order `cadtriage.dispatch` gives."""

from __future__ import annotations

from cadtriage.calls import repository as calls
from cadtriage.calls.models import Assignment, Call
from cadtriage.context import Context
from cadtriage.dispatch import repository
from cadtriage.errors import Conflict, NotFound
from cadtriage.units import repository as units
from cadtriage.units.models import Unit


def read_call(ctx: Context, call_id: int) -> Call:
    """A call read without a lock, to refuse a request before any lock is taken; 404 when there is none."""
    call = calls.get(ctx.session, call_id)
    if call is None:
        raise NotFound(f"no call with id {call_id}", call_id=call_id)
    return call


def lock_call(ctx: Context, call_id: int) -> Call:
    """Lock a call for change (first in the lock order); 404 when there is none."""
    call = calls.get(ctx.session, call_id, for_update=True)
    if call is None:
        raise NotFound(f"no call with id {call_id}", call_id=call_id)
    return call


def lock_unit_of(ctx: Context, call: Call, reporting_unit: int | None = None) -> tuple[Assignment, Unit]:
    """Lock a locked call's open assignment, then its unit; 409 when it has none.

    `reporting_unit`: the unit that asks for the change read its call before the call was locked; if the call has
    been sent another unit since, 409: a unit reports only for itself, never for the unit on its call now.
    """
    assignment = repository.open_assignment_for_call(ctx.session, call.id, lock=True)
    if assignment is None:
        raise Conflict(f"call {call.id} has no unit assigned", call_id=call.id)
    if reporting_unit is not None and assignment.unit_id != reporting_unit:
        raise Conflict(
            f"unit {reporting_unit} is no longer on call {call.id}", call_id=call.id, unit_id=reporting_unit
        )
    unit = units.get(ctx.session, assignment.unit_id, for_update=True)
    assert unit is not None  # an assignment's unit cannot be deleted
    return assignment, unit
