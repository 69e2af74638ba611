"""HTTP: register, read and list units; report a unit's status and location."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import JSONResponse

from cadtriage.db import commit_before_answer
from cadtriage.deps import ContextDep, Reader, UnitId, UnitManager, UnitReporter, own_unit_only
from cadtriage.errors import problem_responses as problems
from cadtriage.triage.types import ResponseType
from cadtriage.units import repository, service
from cadtriage.units.models import UnitStatus
from cadtriage.units.schemas import (
    PositionReport,
    UnitCreate,
    UnitOut,
    UnitPage,
    UnitStatusChange,
    parse_point,
)

router = APIRouter(tags=["units"])


def _read(ctx: ContextDep, unit_id: UnitId) -> UnitOut:
    unit = service.get(ctx, unit_id)
    return UnitOut.from_unit(unit, repository.open_call_ids(ctx.session, [unit.id]).get(unit.id))


@router.post(
    "/units", response_model=UnitOut, status_code=status.HTTP_201_CREATED, responses=problems(409, 422)
)
def register_unit(data: UnitCreate, ctx: ContextDep, _: UnitManager) -> UnitOut:
    """Register a unit (supervisors); an available one takes the most urgent waiting call of its type at once."""
    unit = service.register(ctx, data)
    commit_before_answer(ctx.session)
    return _read(ctx, unit.id)


@router.get("/units/{unit_id}", response_model=UnitOut, responses=problems(404))
def get_unit(unit_id: UnitId, ctx: ContextDep, principal: UnitReporter) -> UnitOut:
    """One unit, with the call it is on. A unit key reads only its own unit."""
    own_unit_only(principal, unit_id)
    return _read(ctx, unit_id)


GEOJSON = "application/geo+json"


def _feature(unit: UnitOut, distance_m: float | None) -> dict[str, Any]:
    properties = unit.model_dump(mode="json", exclude={"location"})
    if distance_m is not None:
        properties["distance_m"] = round(distance_m, 1)
    geometry = {"type": "Point", "coordinates": [unit.location.lon, unit.location.lat]}
    return {"type": "Feature", "id": unit.id, "geometry": geometry, "properties": properties}


@router.get(
    "/units",
    response_model=UnitPage,
    responses={
        200: {
            "content": {GEOJSON: {}},
            "description": "Units; a GeoJSON FeatureCollection when `Accept: application/geo+json`",
        },
        **problems(),
    },
    summary="Units by type, status and distance; keyset-paginated by id; GeoJSON on request",
)
def list_units(
    request: Request,
    ctx: ContextDep,
    _: Reader,
    unit_type: ResponseType | None = None,
    status_: Annotated[UnitStatus | None, Query(alias="status")] = None,
    near: Annotated[
        str | None,
        Query(description="`lat,lon`: nearest first, with distances", examples=["47.6097,-122.3331"]),
    ] = None,
    radius_m: Annotated[
        float | None, Query(ge=1, le=500_000, description="with `near`: only units within")
    ] = None,
    cursor: Annotated[int | None, Query(ge=0, le=2**62)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Any:
    """Units in id order (pass `next_cursor` back as `cursor`), or with `near` the nearest `limit` units."""
    kind, state = (unit_type.value if unit_type else None), (status_.value if status_ else None)
    if near is not None:
        point = parse_point(near)
        pairs = repository.nearest(
            ctx.session,
            unit_type=kind,
            status=state,
            lat=point.lat,
            lon=point.lon,
            limit=limit,
            radius_m=radius_m,
        )
        rows, next_cursor = [u for u, _ in pairs], None
        distances: list[float | None] = [d for _, d in pairs]
    else:
        rows = list(repository.page(ctx.session, unit_type=kind, status=state, after_id=cursor, limit=limit))
        distances = [None] * len(rows)
        next_cursor = rows[-1].id if len(rows) == limit else None
    calls = repository.open_call_ids(ctx.session, [u.id for u in rows])
    items = [UnitOut.from_unit(u, calls.get(u.id)) for u in rows]
    if GEOJSON in request.headers.get("accept", ""):
        features = [_feature(item, d) for item, d in zip(items, distances, strict=True)]
        return JSONResponse(
            {"type": "FeatureCollection", "features": features, "next_cursor": next_cursor},
            media_type=GEOJSON,
        )
    return UnitPage(items=items, next_cursor=next_cursor)


@router.post("/units/{unit_id}/status", response_model=UnitOut, responses=problems(404, 409, 422))
def change_unit_status(
    unit_id: UnitId, change: UnitStatusChange, ctx: ContextDep, principal: UnitReporter
) -> UnitOut:
    """A unit reports a status; its call follows. Illegal transitions are 409s naming both states."""
    own_unit_only(principal, unit_id)
    service.change_status(ctx, unit_id, change.status, change.reason)
    commit_before_answer(ctx.session)
    return _read(ctx, unit_id)


@router.put("/units/{unit_id}/location", response_model=UnitOut, responses=problems(404, 422))
def move_unit(unit_id: UnitId, position: PositionReport, ctx: ContextDep, principal: UnitReporter) -> UnitOut:
    """The AVL ping: the unit's current position."""
    own_unit_only(principal, unit_id)
    service.move(ctx, unit_id, position, mutual_aid=position.mutual_aid)
    commit_before_answer(ctx.session)
    return _read(ctx, unit_id)
