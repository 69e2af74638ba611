"""Matching calls and units: send the nearest unit, queue when none, let freed units take the queue.

Every function runs inside the caller's transaction and never commits, and takes its locks in the order given
in `cadtriage.dispatch`. The partial unique indexes on open assignments back the locks up: a unit can never be
on two calls nor a call have two primary units.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from cadtriage.calls import repository as calls
from cadtriage.calls.models import Assignment, Call, CallStatus
from cadtriage.context import Context
from cadtriage.dispatch import queue
from cadtriage.dispatch.moves import send_unit, set_call_status, set_unit_status
from cadtriage.dispatch.recommend import (
    explain,
    freed_reason,
    needs_of,
    plain_reason,
    preferred_unit,
    required_reason,
    today,
)
from cadtriage.triage.types import ResponseType
from cadtriage.units import repository as units
from cadtriage.units.models import Unit, UnitStatus
from cadtriage.units.repository import Qualified

Found = tuple[Unit, float, dict[str, Any] | None]  # the unit, its distance, and why it (when a plan applied)


def _find_unit(ctx: Context, call: Call, wait_for_nearer: bool) -> Found | None:
    # Fresh locations first; a unit whose position is stale is sent only when no fresh one is in range. Each
    # search locks only what it returns (a unit locked, then passed over, would be hidden from the others), and
    # the second runs only if a cheap look finds some unit in range at all. A response plan's preferred
    # capability is looked for first, within its tolerance (`dispatch.recommend`); a required one limits both.
    fresh_since = ctx.now() - timedelta(seconds=ctx.settings.unit_location_stale_s)
    needs = needs_of(call)
    if needs.preferred:
        chosen = preferred_unit(ctx, call, needs, fresh_since)
        if chosen is not None:
            return chosen
    qualified = (needs.required, today(ctx)) if needs.required else None
    found = _nearest(ctx, call, fresh_since, wait_for_nearer, qualified)
    if found is None and _any_in_range(ctx, call, qualified):
        found = _nearest(ctx, call, None, wait_for_nearer, qualified)
    if found is None:
        return None
    if needs.required:  # measured against the nearest unit of the type, looked at, not locked
        nearest = _nearest(ctx, call, None, False, None, lock=False) or found
        return (*found, explain(nearest, found, required_reason(needs, nearest, found)))
    if needs.preferred:
        return (*found, explain(found, found, plain_reason(needs, found[0], today(ctx))))
    return (*found, None)


def _nearest(
    ctx: Context,
    call: Call,
    fresh_since: datetime | None,
    wait_for_nearer: bool,
    qualified: Qualified | None,
    *,
    lock: bool = True,
) -> tuple[Unit, float] | None:
    return units.nearest_available(
        ctx.session,
        unit_type=call.requested_type,
        lat=call.lat,
        lon=call.lon,
        max_distance_m=ctx.max_distance_m(call.requested_type),
        fresh_since=fresh_since,
        wait_for_nearer=wait_for_nearer,
        qualified=qualified,
        lock=lock,
    )


def _any_in_range(ctx: Context, call: Call, qualified: Qualified | None) -> bool:
    return units.any_available(
        ctx.session,
        unit_type=call.requested_type,
        lat=call.lat,
        lon=call.lon,
        max_distance_m=ctx.max_distance_m(call.requested_type),
        qualified=qualified,
    )


def _required(ctx: Context, call: Call) -> Qualified | None:
    required = needs_of(call).required
    return (required, today(ctx)) if required else None


def assign(
    ctx: Context, call: Call, unit: Unit, distance_m: float, recommendation: dict[str, Any] | None = None
) -> Assignment:
    """Send `unit` (locked, available) to `call`, with why it was the one when a response plan applied."""
    reason = f"{unit.call_sign} at {distance_m:.0f} m" + (
        f"; {recommendation['reason']}" if recommendation else ""
    )
    return send_unit(ctx, call, unit, distance_m, recommendation, reason)


def try_assign(ctx: Context, call: Call, *, wait_for_nearer: bool = False) -> Assignment | None:
    """Assign the nearest available unit of the call's requested type in range, if there is one.

    `wait_for_nearer` (intake's first look, which holds no lock anyone could be waiting for) waits out a nearer
    unit that another transaction holds, such as a location report, instead of sending a farther one.
    """
    found = _find_unit(ctx, call, wait_for_nearer)
    return None if found is None else assign(ctx, call, *found)


def record_queued(ctx: Context, call: Call) -> None:
    """Record that a call waits in its type's queue because no unit is in range."""
    limit = ctx.max_distance_m(call.requested_type)
    call.required_capability = needs_of(call).required  # what a freed unit must hold to take it
    holding = f" holding {call.required_capability}" if call.required_capability else ""
    set_call_status(
        ctx,
        call,
        CallStatus.queued,
        reason=f"no available {call.requested_type} unit{holding} within {limit:.0f} m",
    )


def dispatch_or_queue(ctx: Context, call: Call) -> Assignment | None:
    """Assign the nearest available unit of the call's requested type, or queue the call."""
    assignment = try_assign(ctx, call)
    if assignment is None:
        # Look again under the queue lock, so that a unit freed concurrently is either seen here or sees us.
        queue.lock_queue_for_call(ctx.session)
        assignment = try_assign(ctx, call)
    if assignment is None:
        record_queued(ctx, call)
    return assignment


def match_committed_call(ctx: Context, call: Call) -> Assignment | None:
    """Under the queue lock, send a unit to a call that was queued and committed without it.

    A unit freed while the call's own transaction ran could not see the call, nor the call the unit; once the
    queue lock is ours every such transaction has committed, so the search below sees its unit. A call another
    transaction holds (being cancelled, re-triaged, escalated or taken by a freed unit) is left to it.
    """
    queue.lock_queue_for_call(ctx.session)
    if not _any_in_range(ctx, call, _required(ctx, call)):
        return None  # nothing to send: the usual answer when the queue is long
    return _take_if_waiting(ctx, call)


def match_committed_intake(ctx: Context, call: Call) -> tuple[Assignment | None, int | None]:
    """`match_committed_call` for a call intake has just queued, with the call's queue position for its answer
    (None when a unit was sent or the call is no longer waiting). When no unit is in range, the usual case under
    load, the look and the count are one statement."""
    queue.lock_queue_for_call(ctx.session)
    limit = ctx.max_distance_m(call.requested_type)
    search = units.search_params(call.requested_type, call.lat, call.lon, limit, _required(ctx, call))
    in_range, position = queue.in_range_and_position(ctx.session, call.id, search)
    if not in_range:
        return None, position
    assignment = _take_if_waiting(ctx, call)
    return assignment, None if assignment else queue.queue_position(ctx.session, call.id)


def _take_if_waiting(ctx: Context, call: Call) -> Assignment | None:
    if calls.get(ctx.session, call.id, for_update=True, skip_locked=True) is None:
        ctx.session.expire(call)  # another transaction is changing it: what we hold may be out of date
        return None
    return try_assign(ctx, call) if call.status is CallStatus.queued else None


def match_waiting(ctx: Context, per_type: int) -> list[int]:
    """The safety net: waiting calls that a free unit in range could take now are dispatched; the ids.

    A freed unit skips calls another transaction holds (SKIP LOCKED), so a request that merely locked a queued
    call, then failed, could leave it waiting beside a free unit until something else woke the queue. The
    periodic sweep looks again, most urgent and oldest first, at most `per_type` calls of each type.
    """
    taken: list[int] = []
    for response_type in ResponseType:
        for call in queue.queued(ctx.session, response_type.value, per_type):
            if match_committed_call(ctx, call) is not None:
                taken.append(call.id)
    return taken


def offer_unit(ctx: Context, unit: Unit) -> Assignment | None:
    """A unit has just become available: it takes the most urgent, oldest queued call of its type in range whose
    required capability, if any, it holds."""
    queue.lock_queue(ctx.session)
    on = today(ctx)
    held = [name for name in (unit.capabilities or {}) if unit.holds(name, on)]
    found = queue.next_queued_call_for(ctx.session, unit, ctx.max_distance_m(unit.unit_type), held)
    if found is None:
        return None
    call, distance = found
    needs = needs_of(call)
    planned = needs.required or needs.preferred
    chosen = (unit, distance)
    return assign(
        ctx, call, *chosen, explain(chosen, chosen, freed_reason(needs, unit, on)) if planned else None
    )


def requeue(ctx: Context, call: Call, reason: str) -> None:
    """Put a call (locked) back in its queue, its wait restarted, and dispatch it again if a unit is free."""
    call.queued_at = ctx.now()
    set_call_status(ctx, call, CallStatus.queued, reason=reason)
    dispatch_or_queue(ctx, call)


def release(
    ctx: Context, assignment: Assignment, reason: str, unit: Unit | None = None, *, offer: bool = True
) -> Unit:
    """End an assignment and make its unit available (`unit`: the assignment's unit when the caller holds its
    lock already); by default the unit then takes the queue."""
    if unit is None:
        unit = units.get(ctx.session, assignment.unit_id, for_update=True)
        assert unit is not None
    assignment.released_at = ctx.now()
    assignment.release_reason = reason
    set_unit_status(ctx, unit, UnitStatus.available, reason=reason, call_id=assignment.call_id)
    if offer:
        offer_unit(ctx, unit)
    return unit
