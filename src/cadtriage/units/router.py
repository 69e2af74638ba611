"""HTTP: register, read and list units; report a unit's status and location."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from cadtriage.deps import ContextDep, Reader, UnitId, UnitManager, UnitReporter, own_unit_only
from cadtriage.errors import problem_responses as problems
from cadtriage.triage.types import ResponseType
from cadtriage.units import repository, service
from cadtriage.units.models import Unit, UnitStatus
from cadtriage.units.schemas import Position, UnitCreate, UnitOut, UnitPage, UnitStatusChange

router = APIRouter(tags=["units"])


def unit_out(unit: Unit, call_id: int | None) -> UnitOut:
    """The API's view of a unit."""
    return UnitOut(
        id=unit.id,
        call_sign=unit.call_sign,
        unit_type=ResponseType(unit.unit_type),
        status=UnitStatus(unit.status),
        location=Position(lat=unit.lat, lon=unit.lon),
        location_updated_at=unit.location_updated_at,
        call_id=call_id,
    )


def _read(ctx: ContextDep, unit_id: UnitId) -> UnitOut:
    unit = service.get(ctx, unit_id)
    return unit_out(unit, repository.open_call_ids(ctx.session, [unit.id]).get(unit.id))


@router.post(
    "/units", response_model=UnitOut, status_code=status.HTTP_201_CREATED, responses=problems(409, 422)
)
def register_unit(data: UnitCreate, ctx: ContextDep, _: UnitManager) -> UnitOut:
    """Register a unit (supervisors); an available one takes the most urgent waiting call of its type at once."""
    unit = service.register(ctx, data)
    return _read(ctx, unit.id)


@router.get("/units/{unit_id}", response_model=UnitOut, responses=problems(404))
def get_unit(unit_id: UnitId, ctx: ContextDep, principal: UnitReporter) -> UnitOut:
    """One unit, with the call it is on. A unit key reads only its own unit."""
    own_unit_only(principal, unit_id)
    return _read(ctx, unit_id)


@router.get(
    "/units",
    response_model=UnitPage,
    responses=problems(422),
    summary="Units by type and status, keyset-paginated by id",
)
def list_units(
    ctx: ContextDep,
    _: Reader,
    unit_type: ResponseType | None = None,
    status_: Annotated[UnitStatus | None, Query(alias="status")] = None,
    cursor: Annotated[int | None, Query(ge=0, le=2**62)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> UnitPage:
    """Units in id order; pass `next_cursor` back as `cursor` for the next page."""
    rows = repository.page(
        ctx.session,
        unit_type=unit_type.value if unit_type else None,
        status=status_.value if status_ else None,
        after_id=cursor,
        limit=limit,
    )
    calls = repository.open_call_ids(ctx.session, [u.id for u in rows])
    return UnitPage(
        items=[unit_out(u, calls.get(u.id)) for u in rows],
        next_cursor=rows[-1].id if len(rows) == limit else None,
    )


@router.post("/units/{unit_id}/status", response_model=UnitOut, responses=problems(404, 409, 422))
def change_unit_status(
    unit_id: UnitId, change: UnitStatusChange, ctx: ContextDep, principal: UnitReporter
) -> UnitOut:
    """A unit reports a status; its call follows. Illegal transitions are 409s naming both states."""
    own_unit_only(principal, unit_id)
    service.change_status(ctx, unit_id, change.status, change.reason)
    return _read(ctx, unit_id)


@router.put("/units/{unit_id}/location", response_model=UnitOut, responses=problems(404, 422))
def move_unit(unit_id: UnitId, position: Position, ctx: ContextDep, principal: UnitReporter) -> UnitOut:
    """The AVL ping: the unit's current position."""
    own_unit_only(principal, unit_id)
    service.move(ctx, unit_id, position)
    return _read(ctx, unit_id)
