"""Dispatch use cases: send the nearest unit, queue when none, let freed units take the queue, release units.

Every function runs inside the caller's transaction and never commits. Locking order is always unit rows
(SKIP LOCKED when searching) before call rows taken from the queue, and the partial unique indexes on open
assignments back the locks up: a unit can never be on two calls nor a call have two primary units. Matching a
queued call with a freed unit is guarded by the queue lock, shared by calls and exclusive for freed units
(`repository.lock_queue`), so neither can miss the other. Only intake's first search ever waits for a unit
row (a nearer unit another transaction holds, such as a location report): it holds no lock yet that anyone could
be waiting for, so the wait cannot close a cycle.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from cadtriage.calls import repository as calls
from cadtriage.calls.models import Call, CallStatus
from cadtriage.clock import Clock
from cadtriage.config import Settings
from cadtriage.dispatch import repository
from cadtriage.dispatch.models import Assignment
from cadtriage.errors import InvalidTransition
from cadtriage.events.service import record
from cadtriage.triage.protocol import Protocol
from cadtriage.triage.types import ResponseType
from cadtriage.units import repository as units
from cadtriage.units.models import Unit, UnitStatus


@dataclass(frozen=True)
class DispatchContext:
    """What every dispatch use case needs: the transaction, the time, the limits, the protocol, and who acts."""

    session: Session
    clock: Clock
    settings: Settings
    protocol: Protocol
    actor: str

    def now(self) -> datetime:
        """The current time, from the injectable clock."""
        return self.clock.now()

    def max_distance_m(self, response_type: str) -> float:
        """How far a unit of this type may be sent."""
        return self.settings.max_distance_m(ResponseType(response_type))


def require_transition(kind: str, current: str, target: str, allowed: dict[str, frozenset[str]]) -> None:
    """Refuse a status change the lifecycle does not allow, naming both states."""
    if target not in allowed.get(current, frozenset()):
        raise InvalidTransition(
            f"{kind} cannot go from {current} to {target}", current=current, requested=target
        )


def set_call_status(
    ctx: DispatchContext,
    call: Call,
    target: CallStatus,
    reason: str | None = None,
    unit_id: int | None = None,
) -> None:
    """Move a call to a new status, stamping the time and recording the event (with the unit it concerns).
    A call already in that status is left alone: the timeline records changes, not restatements."""
    previous, now = call.status, ctx.now()
    if previous == target.value:
        return
    call.status = target.value
    stamp = {
        CallStatus.queued: "queued_at",
        CallStatus.assigned: "assigned_at",
        CallStatus.en_route: "en_route_at",
        CallStatus.on_scene: "on_scene_at",
        CallStatus.closed: "closed_at",
        CallStatus.cancelled: "closed_at",
    }[target]
    # A requeue restarts the wait on purpose (`requeue` sets queued_at); a second assignment (an override, an
    # escalation) keeps the first, so time to assignment measures how long the caller waited for anyone.
    if target not in (CallStatus.queued, CallStatus.assigned) or getattr(call, stamp) is None:
        setattr(call, stamp, now)
    record(
        ctx.session,
        actor=ctx.actor,
        kind=f"call.{target.value}",
        at=now,
        call_id=call.id,
        unit_id=unit_id,
        from_state=previous,
        to_state=target.value,
        reason=reason,
    )


def set_unit_status(
    ctx: DispatchContext,
    unit: Unit,
    target: UnitStatus,
    reason: str | None = None,
    call_id: int | None = None,
) -> None:
    """Move a unit to a new status and record the event."""
    previous, now = unit.status, ctx.now()
    unit.status = target.value
    unit.updated_at = now
    record(
        ctx.session,
        actor=ctx.actor,
        kind="unit.status",
        at=now,
        unit_id=unit.id,
        call_id=call_id,
        from_state=previous,
        to_state=target.value,
        reason=reason,
    )


def _find_unit(ctx: DispatchContext, call: Call, wait_for_nearer: bool) -> tuple[Unit, float] | None:
    # Fresh locations first; a unit whose position is stale is sent only when no fresh one is in range. Each
    # search locks only what it returns (a unit locked, then passed over, would be hidden from the others), and
    # the second runs only if a cheap look finds some unit in range at all.
    fresh_since = ctx.now() - timedelta(seconds=ctx.settings.unit_location_stale_s)
    found = _nearest(ctx, call, fresh_since, wait_for_nearer)
    if found is None and _any_in_range(ctx, call):
        found = _nearest(ctx, call, None, wait_for_nearer)
    return found


def _nearest(
    ctx: DispatchContext, call: Call, fresh_since: datetime | None, wait_for_nearer: bool
) -> tuple[Unit, float] | None:
    return units.nearest_available(
        ctx.session,
        unit_type=call.requested_type,
        lat=call.lat,
        lon=call.lon,
        max_distance_m=ctx.max_distance_m(call.requested_type),
        fresh_since=fresh_since,
        wait_for_nearer=wait_for_nearer,
    )


def _any_in_range(ctx: DispatchContext, call: Call) -> bool:
    return units.any_available(
        ctx.session,
        unit_type=call.requested_type,
        lat=call.lat,
        lon=call.lon,
        max_distance_m=ctx.max_distance_m(call.requested_type),
    )


def assign(ctx: DispatchContext, call: Call, unit: Unit, distance_m: float) -> Assignment:
    """Send `unit` (locked, available) to `call`."""
    now = ctx.now()
    assignment = repository.add(
        ctx.session,
        Assignment(call_id=call.id, unit_id=unit.id, is_primary=True, distance_m=distance_m, assigned_at=now),
    )
    call.dispatched_type = unit.unit_type
    set_unit_status(ctx, unit, UnitStatus.dispatched, reason=f"assigned to call {call.id}", call_id=call.id)
    set_call_status(
        ctx, call, CallStatus.assigned, reason=f"{unit.call_sign} at {distance_m:.0f} m", unit_id=unit.id
    )
    return assignment


def try_assign(ctx: DispatchContext, call: Call, *, wait_for_nearer: bool = False) -> Assignment | None:
    """Assign the nearest available unit of the call's requested type in range, if there is one.

    `wait_for_nearer` (intake's first look, which holds no lock anyone could be waiting for) waits out a nearer
    unit that another transaction holds, such as a location report, instead of sending a farther one.
    """
    found = _find_unit(ctx, call, wait_for_nearer)
    return None if found is None else assign(ctx, call, *found)


def record_queued(ctx: DispatchContext, call: Call) -> None:
    """Record that a call waits in its type's queue because no unit is in range."""
    limit = ctx.max_distance_m(call.requested_type)
    set_call_status(
        ctx, call, CallStatus.queued, reason=f"no available {call.requested_type} unit within {limit:.0f} m"
    )


def dispatch_or_queue(ctx: DispatchContext, call: Call) -> Assignment | None:
    """Assign the nearest available unit of the call's requested type, or queue the call."""
    assignment = try_assign(ctx, call)
    if assignment is None:
        # Look again under the queue lock, so that a unit freed concurrently is either seen here or sees us.
        repository.lock_queue_for_call(ctx.session)
        assignment = try_assign(ctx, call)
    if assignment is None:
        record_queued(ctx, call)
    return assignment


def match_committed_call(ctx: DispatchContext, call: Call) -> Assignment | None:
    """Under the queue lock, send a unit to a call that was queued and committed without it.

    A unit freed while the call's own transaction ran could not see the call, nor the call the unit; once the
    queue lock is ours every such transaction has committed, so the search below sees its unit. A call another
    transaction holds (being cancelled, re-triaged, escalated or taken by a freed unit) is left to it.
    """
    repository.lock_queue_for_call(ctx.session)
    if not _any_in_range(ctx, call):
        return None  # nothing to send: the usual answer when the queue is long
    if calls.get(ctx.session, call.id, for_update=True, skip_locked=True) is None:
        ctx.session.expire(call)  # another transaction is changing it: what we hold may be out of date
        return None
    return try_assign(ctx, call) if call.status == CallStatus.queued.value else None


def match_waiting(ctx: DispatchContext, per_type: int) -> list[int]:
    """The safety net: waiting calls that a free unit in range could take now are dispatched; the ids.

    A freed unit skips calls another transaction holds (SKIP LOCKED), so a request that merely locked a queued
    call, then failed, could leave it waiting beside a free unit until something else woke the queue. The
    periodic sweep looks again, most urgent and oldest first, at most `per_type` calls of each type.
    """
    taken: list[int] = []
    for response_type in ResponseType:
        for call in repository.queued(ctx.session, response_type.value, per_type):
            if match_committed_call(ctx, call) is not None:
                taken.append(call.id)
    return taken


def offer_unit(ctx: DispatchContext, unit: Unit) -> Assignment | None:
    """A unit has just become available: it takes the most urgent, oldest queued call of its type in range."""
    repository.lock_queue(ctx.session)
    call = repository.next_queued_call_for(ctx.session, unit, ctx.max_distance_m(unit.unit_type))
    if call is None:
        return None
    distance = units.distance_m(ctx.session, unit.id, call.lat, call.lon)
    return assign(ctx, call, unit, distance)


def release(ctx: DispatchContext, assignment: Assignment, reason: str, *, offer: bool = True) -> Unit:
    """End an assignment and make its unit available; by default the unit then takes the queue."""
    unit = units.get(ctx.session, assignment.unit_id, for_update=True)
    assert unit is not None
    assignment.released_at = ctx.now()
    assignment.release_reason = reason
    set_unit_status(ctx, unit, UnitStatus.available, reason=reason, call_id=assignment.call_id)
    if offer:
        offer_unit(ctx, unit)
    return unit
