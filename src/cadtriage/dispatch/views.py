"""What the API reads of calls, units and the queue, built in a fixed number of queries whatever the count."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from cadtriage.calls import repository
from cadtriage.calls.models import Assignment, Call, CallStatus, TriageDecision
from cadtriage.calls.schemas import Caller, CallLocation, CallView
from cadtriage.consults import repository as consults
from cadtriage.consults.models import Consult, ConsultState
from cadtriage.consults.schemas import ConsultOut
from cadtriage.context import Context
from cadtriage.dispatch import queue as queue_repository
from cadtriage.dispatch import repository as dispatch_repository
from cadtriage.dispatch.recommend import today
from cadtriage.dispatch.schemas import (
    Availability,
    CapabilityCount,
    Desk,
    DeskCall,
    NearbyUnit,
    Queue,
    QueuedCall,
    QueueOfType,
)
from cadtriage.dispatch.transitions import FINAL_CALL
from cadtriage.errors import NotFound
from cadtriage.events import repository as events
from cadtriage.events.models import Event
from cadtriage.triage.types import ResponseType
from cadtriage.units import coverage
from cadtriage.units import repository as units
from cadtriage.units.coverage import NOBODY
from cadtriage.units.models import Unit, UnitStatus
from cadtriage.units.schemas import Point, UnitOut


def new_call_view(
    ctx: Context,
    call: Call,
    triage: TriageDecision,
    assignment: Assignment | None,
    consult: Consult | None,
    position: int | None = None,
) -> CallView:
    """The view of a call intake has just written, built from what it holds, with the queue `position` intake
    read for a queued call (None: it was taken from the queue since, and is read again)."""
    desk = ConsultOut.from_row(consult, ctx.now()) if consult else None
    if assignment is not None:
        # The unit was just sent, so the assignment holds it: no query.
        return CallView(call, triage, assignment, assignment.unit.call_sign, None, consult=desk)
    if call.status == CallStatus.on_desk:
        return CallView(call, triage, None, None, None, consult=desk)
    if call.status == CallStatus.queued:
        if position is not None:
            return CallView(call, triage, None, None, position, consult=desk)
        ctx.session.expire(call)  # taken from the queue since intake looked: read what it is now
    return views(ctx, [call])[0]


def view(ctx: Context, call_id: int) -> CallView:
    """A call as the API shows it; 404 when there is none."""
    call = repository.get(ctx.session, call_id)
    if call is None:
        raise NotFound(f"no call with id {call_id}", call_id=call_id)
    return views(ctx, [call])[0]


def views(ctx: Context, calls: Sequence[Call]) -> list[CallView]:
    """Several calls as the API shows them, in a few queries whatever their number (for lists)."""
    ids = [c.id for c in calls]
    decisions = repository.triage_decisions(ctx.session, ids)
    assigned = dispatch_repository.open_assignments_with_call_signs(ctx.session, ids)
    finished = [c.id for c in calls if c.status in FINAL_CALL and c.id not in assigned]
    if finished:  # a closed or cancelled call still names the unit that handled it
        assigned |= dispatch_repository.last_assignments_with_call_signs(ctx.session, finished)
    closed = [c.id for c in calls if c.status == CallStatus.closed]
    outcomes = repository.outcomes(ctx.session, closed) if closed else {}
    waiting = [c.id for c in calls if c.status == CallStatus.queued]
    positions = queue_repository.queue_positions(ctx.session, waiting) if waiting else {}
    now = ctx.now()
    desk = {i: ConsultOut.from_row(c, now) for i, c in consults.for_calls(ctx.session, ids).items()}
    return [
        CallView(
            call,
            decisions[call.id],
            assigned[call.id][0] if call.id in assigned else None,
            assigned[call.id][1] if call.id in assigned else None,
            positions.get(call.id),
            outcomes.get(call.id),
            desk.get(call.id),
        )
        for call in calls
    ]


def timeline(ctx: Context, call_id: int) -> Sequence[Event]:
    """Every event of a call, oldest first; 404 when there is no such call."""
    if repository.get(ctx.session, call_id) is None:
        raise NotFound(f"no call with id {call_id}", call_id=call_id)
    return events.for_call(ctx.session, call_id)


def call_page(
    ctx: Context,
    *,
    status: CallStatus | None,
    response_type: ResponseType | None,
    since: datetime | None,
    until: datetime | None,
    cursor: int | None,
    limit: int,
) -> tuple[list[CallView], int | None]:
    """Calls received in [since, until), newest first, after a keyset cursor; and the next page's cursor."""
    rows = repository.page(
        ctx.session,
        status=status,
        response_type=response_type.value if response_type else None,
        since=since,
        until=until,
        before_id=cursor,
        limit=limit,
    )
    return views(ctx, rows), rows[-1].id if len(rows) == limit else None


def unit(ctx: Context, unit_id: int) -> UnitOut:
    """A unit with the call it is on; 404 when there is none."""
    found = units.with_open_call(ctx.session, unit_id)
    if found is None:
        raise NotFound(f"no unit with id {unit_id}", unit_id=unit_id)
    unit, call_id = found
    return UnitOut.from_unit(unit, call_id, today(ctx), _eido_codes(ctx))


def _with_calls(ctx: Context, rows: Sequence[Unit]) -> list[UnitOut]:
    calls = units.open_call_ids(ctx.session, [u.id for u in rows])
    eido = _eido_codes(ctx)
    on = today(ctx)
    return [UnitOut.from_unit(u, calls.get(u.id), on, eido) for u in rows]


def _eido_codes(ctx: Context) -> dict[str, str | None]:
    return {name: item.eido for name, item in ctx.protocol.capabilities.items()}


def unit_page(
    ctx: Context,
    *,
    unit_type: ResponseType | None,
    status: UnitStatus | None,
    cursor: int | None,
    limit: int,
    capability: str | None = None,
) -> tuple[list[UnitOut], int | None]:
    """Units in id order after a keyset cursor (those with a capability active today, if given), with their
    calls; and the next page's cursor."""
    kind = unit_type.value if unit_type else None
    qualified = (capability, today(ctx)) if capability else None
    rows = units.page(
        ctx.session, unit_type=kind, status=status, after_id=cursor, limit=limit, capability=qualified
    )
    return _with_calls(ctx, rows), rows[-1].id if len(rows) == limit else None


def units_near(
    ctx: Context,
    point: Point,
    *,
    unit_type: ResponseType | None,
    status: UnitStatus | None,
    radius_m: float | None,
    limit: int,
    capability: str | None = None,
) -> list[NearbyUnit]:
    """The units nearest a point, nearest first, with their calls and great-circle distances."""
    pairs = units.nearest(
        ctx.session,
        unit_type=unit_type.value if unit_type else None,
        status=status,
        lat=point.lat,
        lon=point.lon,
        limit=limit,
        radius_m=radius_m,
        capability=(capability, today(ctx)) if capability else None,
    )
    described = _with_calls(ctx, [u for u, _ in pairs])
    return [
        NearbyUnit(**out.model_dump(), distance_m=round(d, 1))
        for out, (_, d) in zip(described, pairs, strict=True)
    ]


def availability(
    ctx: Context, near: Point | None, *, unit_type: ResponseType | None, radius_m: float | None, limit: int
) -> Availability:
    """Unit counts by type and status, and per capability of the catalogue (units holding it today, and how many
    of them are available); with `near`, the available units nearest that point."""
    counts = units.counts_by_type_and_status(ctx.session)
    full = {
        t.value: {s.value: counts.get(t.value, {}).get(s.value, 0) for s in UnitStatus} for t in ResponseType
    }
    held = coverage.holders(ctx.session, today(ctx))
    by_capability = {
        name: CapabilityCount(
            active=len(held.get(name, NOBODY).active), available=len(held.get(name, NOBODY).available)
        )
        for name in ctx.protocol.capabilities
    }
    if near is None:
        return Availability(counts=full, by_capability=by_capability)
    nearest = units_near(
        ctx, near, unit_type=unit_type, status=UnitStatus.available, radius_m=radius_m, limit=limit
    )
    return Availability(counts=full, by_capability=by_capability, nearest=nearest)


def queue(ctx: Context, response_type: ResponseType | None, limit: int) -> Queue:
    """Waiting calls per response type, in the order units will take them, with how long each has waited."""
    now = ctx.now()
    depths = queue_repository.queue_depths(ctx.session)
    types = {}
    for kind in [response_type] if response_type else list(ResponseType):
        depth, oldest = depths.get(kind.value, (0, None))
        step = ctx.protocol.escalation.get(kind)
        after = timedelta(seconds=step.after_s) if step else None
        waiting = [
            QueuedCall(
                call_id=c.id,
                external_id=c.external_id,
                call_type=c.call_type,
                priority=c.priority,
                position=i,
                queued_at=c.queued_at,
                wait_s=round((now - c.queued_at).total_seconds(), 1),
                required_capability=c.required_capability,
                escalates_at=c.queued_at + after if after else None,
            )
            for i, c in enumerate(queue_repository.queued(ctx.session, kind.value, limit), start=1)
            if c.queued_at is not None
        ]
        types[kind.value] = QueueOfType(
            depth=depth,
            calls=waiting,
            oldest_wait_s=round((now - oldest).total_seconds(), 1) if oldest else None,
        )
    return Queue(as_of=now, types=types)


def desk(ctx: Context, states: Sequence[ConsultState], limit: int) -> Desk:
    """The calls on the crisis desk in these states (waiting, claimed), oldest first, with how long each has
    waited for a clinician."""
    now = ctx.now()
    found = dispatch_repository.desk(ctx.session, states, limit)
    decisions = repository.triage_decisions(ctx.session, [call.id for _, call in found])
    items = []
    for consult, call in found:
        decision = decisions[call.id]
        items.append(
            DeskCall(
                call_id=call.id,
                external_id=call.external_id,
                status=call.status,
                priority=call.priority,
                call_type=call.call_type,
                narrative=call.narrative,
                location=CallLocation.of(call),
                caller=Caller.of(call),
                decided_type=ResponseType(call.decided_type),
                requested_type=ResponseType(call.requested_type),
                reasons=decision.reasons,
                eligible_because=(decision.consult or {}).get("reason"),
                consult=ConsultOut.from_row(consult, now),
            )
        )
    return Desk(as_of=now, calls=items)
