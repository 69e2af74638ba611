"""Reading and locking a call and its unit for a change, in the order `cadtriage.dispatch` gives."""

from __future__ import annotations

from collections.abc import Mapping

from cadtriage.calls import repository as calls
from cadtriage.calls.models import Assignment, Call, CallStatus
from cadtriage.context import Context
from cadtriage.dispatch import repository
from cadtriage.dispatch.transitions import allowed, require_transition
from cadtriage.errors import Conflict, NotFound
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


def lock_call_for(
    ctx: Context, call_id: int, moves: Mapping[CallStatus, frozenset[CallStatus]], target: CallStatus
) -> Call:
    """Lock a call that `moves` lets become `target`, in one round trip; refused (404, 409) without taking the
    lock when it cannot: a queued call locked by a request bound to fail would be skipped by a unit freed
    meanwhile (`cadtriage.dispatch`)."""
    sources = [status for status in CallStatus if allowed(moves, status, target)]
    call = calls.lock_if_in(ctx.session, call_id, sources)
    if call is None:
        # No such call (404), one that cannot make the step (409), or one that moved into a status that can.
        require_transition("call", moves, read_call(ctx, call_id).status, target)
        call = lock_call(ctx, call_id)
        require_transition("call", moves, call.status, target)
    return call


def lock_unit_of(ctx: Context, call: Call, reporting_unit: int | None = None) -> tuple[Assignment, Unit]:
    """Lock a locked call's open assignment, then its unit; 409 when it has none.

    `reporting_unit`: the unit that asks for the change read its call before the call was locked; if the call has
    been sent another unit since, 409: a unit reports only for itself, never for the unit on its call now.
    """
    found = repository.lock_open_assignment_and_unit(ctx.session, call.id)
    if found is None:
        raise Conflict(f"call {call.id} has no unit assigned", call_id=call.id)
    assignment, unit = found
    if reporting_unit is not None and assignment.unit_id != reporting_unit:
        raise Conflict(
            f"unit {reporting_unit} is no longer on call {call.id}", call_id=call.id, unit_id=reporting_unit
        )
    return assignment, unit
