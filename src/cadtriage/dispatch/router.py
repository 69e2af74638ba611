"""HTTP for supervisors: what is available, where, and what is waiting."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from cadtriage.deps import ContextDep, Reader
from cadtriage.dispatch import repository
from cadtriage.dispatch.schemas import Availability, NearbyUnit, Queue, QueuedCall, QueueOfType
from cadtriage.errors import problem_responses as problems
from cadtriage.triage.types import ResponseType
from cadtriage.units import repository as units
from cadtriage.units.models import UnitStatus
from cadtriage.units.schemas import Point, UnitOut, parse_point

router = APIRouter(tags=["supervision"])


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
    counts = units.counts_by_type_and_status(ctx.session)
    full = {
        t.value: {s.value: counts.get(t.value, {}).get(s.value, 0) for s in UnitStatus} for t in ResponseType
    }
    if near is None:
        return Availability(counts=full)
    point: Point = parse_point(near)
    rows = units.nearest(
        ctx.session,
        unit_type=unit_type.value if unit_type else None,
        status=UnitStatus.available.value,
        lat=point.lat,
        lon=point.lon,
        limit=limit,
        radius_m=radius_m,
    )
    calls = units.open_call_ids(ctx.session, [u.id for u, _ in rows])
    nearest = [
        NearbyUnit(**UnitOut.from_unit(u, calls.get(u.id)).model_dump(), distance_m=round(d, 1))
        for u, d in rows
    ]
    return Availability(counts=full, nearest=nearest)


@router.get("/queue", response_model=Queue, responses=problems())
def queue(
    ctx: ContextDep,
    _: Reader,
    response_type: ResponseType | None = None,
    limit: Annotated[int, Query(ge=1, le=500, description="calls listed per type")] = 100,
) -> Queue:
    """Waiting calls per response type, in the order units will take them, with how long each has waited."""
    now = ctx.now()
    depths = repository.queue_depths(ctx.session)
    kinds = [response_type] if response_type else list(ResponseType)
    types = {}
    for kind in kinds:
        depth, oldest = depths.get(kind.value, (0, None))
        calls = [
            QueuedCall(
                call_id=c.id,
                external_id=c.external_id,
                call_type=c.call_type,
                priority=c.priority,
                position=i,
                queued_at=c.queued_at,
                wait_s=round((now - c.queued_at).total_seconds(), 1),
            )
            for i, c in enumerate(repository.queued(ctx.session, kind.value, limit), start=1)
            if c.queued_at is not None
        ]
        types[kind.value] = QueueOfType(
            depth=depth,
            calls=calls,
            oldest_wait_s=round((now - oldest).total_seconds(), 1) if oldest else None,
        )
    return Queue(as_of=now, types=types)
