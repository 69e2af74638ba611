"""What supervisors see: availability and the queue; what the crisis desk sees: the calls waiting for it."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from cadtriage.calls.schemas import Caller, CallLocation
from cadtriage.consults.schemas import ConsultOut
from cadtriage.triage.types import ResponseType
from cadtriage.units.schemas import UnitOut


class NearbyUnit(UnitOut):
    """A unit with its great-circle distance from the point asked about."""

    distance_m: float


class CapabilityCount(BaseModel):
    """Units holding a capability today, and how many of them are available."""

    active: int
    available: int


class Availability(BaseModel):
    """Unit counts by type and status and per capability, and (when a point is given) the nearest available
    units."""

    counts: dict[str, dict[str, int]]
    by_capability: dict[str, CapabilityCount] = {}
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
    required_capability: str | None = None  # a unit must hold it to take the call (a response plan's)
    escalates_at: datetime | None = (
        None  # when the protocol sends it to another type, if no unit takes it first
    )


class QueueOfType(BaseModel):
    """The queue of one response type, in the order its next free unit will take it."""

    depth: int
    oldest_wait_s: float | None
    calls: list[QueuedCall]


class Queue(BaseModel):
    """Every response type's queue, as of `as_of`."""

    as_of: datetime
    types: dict[str, QueueOfType]


class DeskCall(BaseModel):
    """A call on the crisis desk, with what a clinician needs to call back and why triage sent it there."""

    call_id: int
    external_id: str
    status: str
    priority: int
    call_type: str | None
    narrative: str | None
    location: CallLocation
    caller: Caller | None
    decided_type: ResponseType
    requested_type: ResponseType
    reasons: list[str]
    eligible_because: str | None
    consult: ConsultOut


class Desk(BaseModel):
    """The crisis desk as of `as_of`: open consults, oldest first."""

    as_of: datetime
    calls: list[DeskCall]
