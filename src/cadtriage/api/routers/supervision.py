"""HTTP for supervisors: what is available, where, and what is waiting."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from cadtriage.api.deps import ContextDep, Reader
from cadtriage.api.problems import problem_responses as problems
from cadtriage.api.session import LoopRoute
from cadtriage.dispatch import views
from cadtriage.dispatch.schemas import Availability, Queue
from cadtriage.triage.types import ResponseType
from cadtriage.units.schemas import parse_point

router = APIRouter(tags=["supervision"], route_class=LoopRoute)


@router.get("/availability", response_model=Availability, responses=problems())
def availability(
    ctx: ContextDep,
    _: Reader,
    near: Annotated[
        str | None,
        Query(description="`lat,lon`: also list the nearest available units", examples=["47.6097,-122.3331"]),
    ] = None,
    unit_type: ResponseType | None = None,
    radius_m: Annotated[float | None, Query(ge=1, le=500_000)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
) -> Availability:
    """Unit counts by type and status; with `near`, the available units nearest that point, with distances."""
    point = parse_point(near) if near is not None else None
    return views.availability(ctx, point, unit_type=unit_type, radius_m=radius_m, limit=limit)


@router.get("/queue", response_model=Queue, responses=problems())
def queue(
    ctx: ContextDep,
    _: Reader,
    response_type: ResponseType | None = None,
    limit: Annotated[int, Query(ge=1, le=500, description="calls listed per type")] = 100,
) -> Queue:
    """Waiting calls per response type, in the order units will take them, with how long each has waited."""
    return views.queue(ctx, response_type, limit)
