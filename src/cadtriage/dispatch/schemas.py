"""What supervisors see: availability and the queue."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from cadtriage.units.schemas import UnitOut


class NearbyUnit(UnitOut):
    """A unit with its great-circle distance from the point asked about."""

    distance_m: float


class Availability(BaseModel):
    """Unit counts by type and status, and (when a point is given) the nearest available units."""

    counts: dict[str, dict[str, int]]
    nearest: list[NearbyUnit] | None = None


class QueuedCall(BaseModel):
    """A call waiting for a unit."""

    call_id: int
    external_id: str
    call_type: str | None
    priority: int
    position: int
    queued_at: datetime
    wait_s: float


class QueueOfType(BaseModel):
    """The queue of one response type, in the order its next free unit will take it."""

    depth: int
    oldest_wait_s: float | None
    calls: list[QueuedCall]


class Queue(BaseModel):
    """Every response type's queue, as of `as_of`."""

    as_of: datetime
    types: dict[str, QueueOfType]
