"""Unit use cases: register, report a status, report a location.

A unit that becomes available (registered, back in service, freed) takes the queue at once, in the same
transaction. Changes that touch a unit's call lock the call first, then the unit (the order calls/lifecycle
uses), so unit-side and call-side changes cannot deadlock.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.dialects.postgresql import insert

from cadtriage.calls import lifecycle
from cadtriage.dispatch import repository as dispatch_repository
from cadtriage.dispatch.escalation import SYSTEM_ACTOR, escalate_overdue
from cadtriage.dispatch.service import DispatchContext, offer_unit, release, set_unit_status
from cadtriage.errors import Conflict, InvalidTransition, NotFound
from cadtriage.events.service import record
from cadtriage.service_area import refuse_outside
from cadtriage.units import repository
from cadtriage.units.models import BUSY_STATUSES, Unit, UnitStatus
from cadtriage.units.schemas import Position, UnitCreate

# Changes a unit may report while it is not on a call.
IDLE_TRANSITIONS: dict[str, frozenset[str]] = {
    "available": frozenset({"out_of_service"}),
    "out_of_service": frozenset({"available"}),
}


def register(ctx: DispatchContext, data: UnitCreate) -> Unit:
    """Register a unit; 409 if the call sign is taken. An available unit takes the queue at once."""
    if data.status not in (UnitStatus.available, UnitStatus.out_of_service):
        raise Conflict("a new unit is registered available or out_of_service", requested=data.status.value)
    refuse_outside(ctx.settings.area, data.location.lat, data.location.lon, mutual_aid=data.mutual_aid)
    now = ctx.now()
    statement = (
        insert(Unit)
        .values(
            call_sign=data.call_sign,
            unit_type=data.unit_type.value,
            status=data.status.value,
            lat=data.location.lat,
            lon=data.location.lon,
            location_updated_at=now,
            created_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing()  # the call sign, or one a dispatcher could mistake for it
        .returning(Unit.id)
    )
    unit_id = ctx.session.execute(statement).scalar_one_or_none()
    if unit_id is None:
        taken = repository.get_by_call_sign(ctx.session, data.call_sign)
        existing = taken.call_sign if taken is not None else data.call_sign
        raise Conflict(
            f"call sign {data.call_sign} is already registered"
            if existing == data.call_sign
            else f"call sign {data.call_sign} is too like {existing}, already registered",
            call_sign=data.call_sign,
            existing=existing,
        )
    unit = repository.get(ctx.session, unit_id, for_update=True)
    assert unit is not None
    record(
        ctx.session,
        actor=ctx.actor,
        kind="unit.registered",
        at=now,
        unit_id=unit.id,
        to_state=unit.status,
        data={"call_sign": unit.call_sign, "unit_type": unit.unit_type},
    )
    if unit.status == UnitStatus.available.value:
        offer_unit(ctx, unit)
    return unit


def get(ctx: DispatchContext, unit_id: int) -> Unit:
    """A unit; 404 when there is none."""
    unit = repository.get(ctx.session, unit_id)
    if unit is None:
        raise NotFound(f"no unit with id {unit_id}", unit_id=unit_id)
    return unit


def change_status(ctx: DispatchContext, unit_id: int, target: UnitStatus, reason: str | None) -> None:
    """A unit reports a status. On a call, the call follows (en route, on scene, transporting); a unit that
    goes out of service before arriving puts its call back in the queue."""
    unit = get(ctx, unit_id)
    assignment = dispatch_repository.open_assignment_for_unit(ctx.session, unit.id)
    if assignment is None:
        _change_idle(ctx, unit.id, target, reason)
    elif target in (UnitStatus.en_route, UnitStatus.on_scene, UnitStatus.transporting):
        lifecycle.advance(ctx, assignment.call_id, target.value, None, reporting_unit=unit.id)
    elif target is UnitStatus.out_of_service and unit.status in ("dispatched", "en_route"):
        _abandon_call(ctx, assignment.call_id, unit.id, reason)
    else:
        raise InvalidTransition(
            f"unit cannot go from {unit.status} to {target.value} while on call {assignment.call_id}: "
            "close or cancel the call to free it",
            current=unit.status,
            requested=target.value,
            call_id=assignment.call_id,
        )
    escalate_overdue(replace(ctx, actor=SYSTEM_ACTOR))  # the system escalates, whoever's change woke it


def _change_idle(ctx: DispatchContext, unit_id: int, target: UnitStatus, reason: str | None) -> None:
    unit = repository.get(ctx.session, unit_id, for_update=True)
    assert unit is not None
    if unit.status in BUSY_STATUSES:  # assigned between our read and the lock
        raise Conflict(f"unit {unit.call_sign} was just assigned; retry", current=unit.status)
    if target.value not in IDLE_TRANSITIONS.get(unit.status, frozenset()):
        raise InvalidTransition(
            f"unit cannot go from {unit.status} to {target.value}",
            current=unit.status,
            requested=target.value,
        )
    set_unit_status(ctx, unit, target, reason=reason)
    if target is UnitStatus.available:
        offer_unit(ctx, unit)


def _abandon_call(ctx: DispatchContext, call_id: int, unit_id: int, reason: str | None) -> None:
    call = lifecycle.locked_call(ctx, call_id)
    assignment = dispatch_repository.open_assignment_for_call(ctx.session, call.id, lock=True)
    if assignment is None or assignment.unit_id != unit_id:
        raise Conflict("the unit's assignment changed; retry", call_id=call_id)
    unit = release(ctx, assignment, "unit out of service", offer=False)
    set_unit_status(ctx, unit, UnitStatus.out_of_service, reason=reason, call_id=call.id)
    lifecycle.requeue(ctx, call, f"{unit.call_sign} went out of service before arriving")


def move(ctx: DispatchContext, unit_id: int, position: Position, *, mutual_aid: bool = False) -> Unit:
    """The AVL ping: a unit's new position. An available unit that moves may come in range of a waiting call.
    A position outside the service area is refused unless the unit is there on purpose (`mutual_aid`)."""
    refuse_outside(ctx.settings.area, position.lat, position.lon, mutual_aid=mutual_aid)
    unit = repository.get(ctx.session, unit_id, for_update=True)
    if unit is None:
        raise NotFound(f"no unit with id {unit_id}", unit_id=unit_id)
    now = ctx.now()
    record(
        ctx.session,
        actor=ctx.actor,
        kind="unit.location",
        at=now,
        unit_id=unit.id,
        data={"from": [unit.lat, unit.lon], "to": [position.lat, position.lon]},
    )
    unit.lat, unit.lon = position.lat, position.lon
    unit.location_updated_at = now
    unit.updated_at = now
    ctx.session.flush()  # the generated position column must be current before a distance query
    if unit.status == UnitStatus.available.value:
        offer_unit(ctx, unit)
    return unit
