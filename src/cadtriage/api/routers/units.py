"""HTTP: register, read and list units; report a unit's status and location."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import JSONResponse

from cadtriage.api.deps import ContextDep, Reader, UnitId, UnitManager, UnitReporter, own_unit_only
from cadtriage.api.problems import problem_responses as problems
from cadtriage.api.session import LoopRoute, commit_before_answer
from cadtriage.dispatch import units as service
from cadtriage.dispatch import views
from cadtriage.dispatch.schemas import NearbyUnit
from cadtriage.triage.catalogue import CAPABILITY_ID
from cadtriage.triage.types import ResponseType
from cadtriage.units.models import UnitStatus
from cadtriage.units.schemas import (
    PositionReport,
    UnitCapabilities,
    UnitCreate,
    UnitOut,
    UnitPage,
    UnitStatusChange,
    parse_point,
)

router = APIRouter(tags=["units"], route_class=LoopRoute)


@router.post(
    "/units", response_model=UnitOut, status_code=status.HTTP_201_CREATED, responses=problems(409, 422)
)
def register_unit(data: UnitCreate, ctx: ContextDep, _: UnitManager) -> UnitOut:
    """Register a unit (supervisors); an available one takes the most urgent waiting call of its type at once."""
    unit = service.register(ctx, data)
    commit_before_answer(ctx.session)
    return views.unit(ctx, unit.id)


@router.get("/units/{unit_id}", response_model=UnitOut, responses=problems(404))
def get_unit(unit_id: UnitId, ctx: ContextDep, principal: UnitReporter) -> UnitOut:
    """One unit, with the call it is on. A unit key reads only its own unit."""
    own_unit_only(principal, unit_id)
    return views.unit(ctx, unit_id)


GEOJSON = "application/geo+json"


def _feature(unit: UnitOut) -> dict[str, Any]:
    properties = unit.model_dump(mode="json", exclude={"location"})
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
    capability: Annotated[
        str | None,
        Query(
            pattern=CAPABILITY_ID, max_length=32, description="only units holding it today", examples=["cit"]
        ),
    ] = None,
) -> Any:
    """Units in id order (pass `next_cursor` back as `cursor`), or with `near` the nearest `limit` units."""
    items: list[UnitOut] | list[NearbyUnit]
    if near is not None:
        items = views.units_near(
            ctx,
            parse_point(near),
            unit_type=unit_type,
            status=status_,
            radius_m=radius_m,
            limit=limit,
            capability=capability,
        )
        next_cursor = None
    else:
        items, next_cursor = views.unit_page(
            ctx, unit_type=unit_type, status=status_, cursor=cursor, limit=limit, capability=capability
        )
    if GEOJSON in request.headers.get("accept", ""):
        features = [_feature(item) for item in items]
        return JSONResponse(
            {"type": "FeatureCollection", "features": features, "next_cursor": next_cursor},
            media_type=GEOJSON,
        )
    return UnitPage(items=list(items), next_cursor=next_cursor)


@router.post("/units/{unit_id}/status", response_model=UnitOut, responses=problems(404, 409, 422))
def change_unit_status(
    unit_id: UnitId, change: UnitStatusChange, ctx: ContextDep, principal: UnitReporter
) -> UnitOut:
    """A unit reports a status; its call follows. Illegal transitions are 409s naming both states."""
    own_unit_only(principal, unit_id)
    service.change_status(ctx, unit_id, change.status, change.reason)
    commit_before_answer(ctx.session)
    return views.unit(ctx, unit_id)


@router.put("/units/{unit_id}/location", response_model=UnitOut, responses=problems(404, 422))
def move_unit(unit_id: UnitId, position: PositionReport, ctx: ContextDep, principal: UnitReporter) -> UnitOut:
    """The AVL ping: the unit's current position."""
    own_unit_only(principal, unit_id)
    service.move(ctx, unit_id, position, mutual_aid=position.mutual_aid)
    commit_before_answer(ctx.session)
    return views.unit(ctx, unit_id)


@router.put("/units/{unit_id}/capabilities", response_model=UnitOut, responses=problems(404, 422))
def set_capabilities(unit_id: UnitId, body: UnitCapabilities, ctx: ContextDep, _: UnitManager) -> UnitOut:
    """Replace a unit's capabilities (supervisors): ids from the protocol's catalogue, each with the day it lapses
    if it does; a lapsed one stays listed, marked inactive, and stops counting."""
    service.set_capabilities(ctx, unit_id, body.capabilities)
    commit_before_answer(ctx.session)
    return views.unit(ctx, unit_id)
