"""Unit use cases: register, report a status, report a location, set capabilities.

A unit that becomes available (registered, back in service, freed) takes the queue at once, in the same
transaction. A change that touches the unit's call locks the call first (the order in `cadtriage.dispatch`).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.dialects.postgresql import insert

from cadtriage.context import Context
from cadtriage.dispatch import lifecycle
from cadtriage.dispatch.escalation import SYSTEM_ACTOR, escalate_overdue
from cadtriage.dispatch.locks import lock_call, lock_unit_of
from cadtriage.dispatch.matching import offer_unit, release, requeue
from cadtriage.dispatch.moves import set_unit_status
from cadtriage.dispatch.transitions import (
    BUSY_UNIT,
    UNIT_REPORTS_IDLE,
    UNIT_REPORTS_ON_CALL,
    allowed,
    require_transition,
)
from cadtriage.errors import Conflict, InvalidTransition, NotFound, Unprocessable
from cadtriage.events.service import entry
from cadtriage.service_area import refuse_outside
from cadtriage.units import avl, repository
from cadtriage.units.models import Unit, UnitStatus
from cadtriage.units.schemas import CapabilityGrant, Position, UnitCreate


def register(ctx: Context, data: UnitCreate) -> Unit:
    """Register a unit; 409 if the call sign is taken. An available unit takes the queue at once."""
    if data.status not in (UnitStatus.available, UnitStatus.out_of_service):
        raise Conflict("a new unit is registered available or out_of_service", requested=data.status.value)
    refuse_outside(ctx.settings.area, data.location.lat, data.location.lon, mutual_aid=data.mutual_aid)
    capabilities = _catalogued(ctx, data.capabilities)
    now = ctx.now()
    statement = (
        insert(Unit)
        .values(
            call_sign=data.call_sign,
            unit_type=data.unit_type.value,
            status=data.status,
            lat=data.location.lat,
            lon=data.location.lon,
            location_updated_at=now,
            capabilities=capabilities,
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
    ctx.record(
        "unit.registered",
        at=now,
        unit_id=unit.id,
        to_state=unit.status,
        data={"call_sign": unit.call_sign, "unit_type": unit.unit_type, "capabilities": capabilities},
    )
    if unit.status is UnitStatus.available:
        offer_unit(ctx, unit)
    return unit


def set_capabilities(ctx: Context, unit_id: int, grants: Sequence[CapabilityGrant]) -> Unit:
    """Replace a unit's capabilities (a supervisor's change), recorded with what they were. An available unit
    that gains one may now take a waiting call that requires it: it takes the queue at once."""
    capabilities = _catalogued(ctx, grants)
    unit = repository.get(ctx.session, unit_id, for_update=True)
    if unit is None:
        raise NotFound(f"no unit with id {unit_id}", unit_id=unit_id)
    if unit.capabilities != capabilities:
        ctx.record("unit.capabilities", unit_id=unit.id, data={"from": unit.capabilities, "to": capabilities})
        unit.capabilities = capabilities
        unit.updated_at = ctx.now()
        if unit.status is UnitStatus.available:
            offer_unit(ctx, unit)
    return unit


def _catalogued(ctx: Context, grants: Sequence[CapabilityGrant]) -> dict[str, str | None]:
    # Only what the protocol's catalogue names: a typo ("cit " or "CIT") would otherwise never match a plan.
    known = ctx.protocol.capabilities
    for index, grant in enumerate(grants):
        if grant.id not in known:
            raise Unprocessable(
                f"unknown capability {grant.id!r}; the protocol's catalogue: {', '.join(known) or 'empty'}",
                errors=[{"field": f"capabilities.{index}.id", "message": "not in the protocol's catalogue"}],
            )
    return {g.id: g.expires.isoformat() if g.expires else None for g in grants}


def get(ctx: Context, unit_id: int) -> Unit:
    """A unit; 404 when there is none."""
    unit = repository.get(ctx.session, unit_id)
    if unit is None:
        raise NotFound(f"no unit with id {unit_id}", unit_id=unit_id)
    return unit


def change_status(ctx: Context, unit_id: int, target: UnitStatus, reason: str | None) -> None:
    """A unit reports a status. On a call, the call follows (en route, on scene, transporting); a unit that
    goes out of service before arriving puts its call back in the queue."""
    found = repository.with_open_call(ctx.session, unit_id)  # read, not locked: the call's lock comes first
    if found is None:
        raise NotFound(f"no unit with id {unit_id}", unit_id=unit_id)
    unit, call_id = found
    if call_id is None:
        _change_idle(ctx, unit, target, reason)
    elif not allowed(UNIT_REPORTS_ON_CALL, unit.status, target):
        freeing = target in (UnitStatus.available, UnitStatus.out_of_service)
        raise InvalidTransition(
            f"unit cannot go from {unit.status} to {target.value} while on call {call_id}"
            + (": close or cancel the call to free it" if freeing else ""),
            current=unit.status,
            requested=target.value,
            call_id=call_id,
        )
    elif target is UnitStatus.out_of_service:
        _abandon_call(ctx, call_id, unit.id, reason)
    else:
        lifecycle.advance(ctx, call_id, target.value, None, reporting_unit=unit.id)
    escalate_overdue(ctx.acting_as(SYSTEM_ACTOR))  # the system escalates, whoever's change woke it


def _change_idle(ctx: Context, seen: Unit, target: UnitStatus, reason: str | None) -> None:
    require_transition("unit", UNIT_REPORTS_IDLE, seen.status, target)  # before the lock
    unit = repository.get(ctx.session, seen.id, for_update=True)
    assert unit is not None
    if unit.status in BUSY_UNIT:  # assigned between our read and the lock
        raise Conflict(f"unit {unit.call_sign} was just assigned; retry", current=unit.status)
    require_transition("unit", UNIT_REPORTS_IDLE, unit.status, target)
    set_unit_status(ctx, unit, target, reason=reason)
    if target is UnitStatus.available:
        offer_unit(ctx, unit)


def _abandon_call(ctx: Context, call_id: int, unit_id: int, reason: str | None) -> None:
    call = lock_call(ctx, call_id)
    assignment, unit = lock_unit_of(ctx, call, reporting_unit=unit_id)
    require_transition("unit", UNIT_REPORTS_ON_CALL, unit.status, UnitStatus.out_of_service, call_id=call_id)
    release(ctx, assignment, "unit out of service", unit, offer=False)
    set_unit_status(ctx, unit, UnitStatus.out_of_service, reason=reason, call_id=call.id)
    requeue(ctx, call, f"{unit.call_sign} went out of service before arriving")


def move(ctx: Context, unit_id: int, position: Position, *, mutual_aid: bool = False) -> None:
    """The AVL ping: a unit's new position. An available unit that moves may come in range of a waiting call.
    A position outside the service area is refused unless the unit is there on purpose (`mutual_aid`)."""
    refuse_outside(ctx.settings.area, position.lat, position.lon, mutual_aid=mutual_aid)
    moved = entry(actor=ctx.actor, kind="unit.location", at=ctx.now(), unit_id=unit_id)
    status = avl.move(ctx.session, unit_id, position.lat, position.lon, moved)
    if status is None:
        raise NotFound(f"no unit with id {unit_id}", unit_id=unit_id)
    if status is UnitStatus.available:
        unit = repository.get(ctx.session, unit_id, for_update=True)  # read after the move, and still locked
        assert unit is not None
        offer_unit(ctx, unit)
