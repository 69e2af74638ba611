"""The call and unit state machines: which status may follow which, and which of those a person may ask for.

Pure: tables and one check, no session and no I/O. `dispatch.moves` is the only code that changes a status,
and it checks every change against the machines below; the use cases check what a request asks for against the
narrower tables of what dispatchers and units may report, before they take any lock.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TypeVar

from cadtriage.calls.models import CallStatus
from cadtriage.consults.models import ConsultState
from cadtriage.errors import InvalidTransition
from cadtriage.units.models import UnitStatus

C, U, K = CallStatus, UnitStatus, ConsultState
S = TypeVar("S", bound=StrEnum)

# A call waiting for, or talking with, a crisis-desk clinician (the desk's transfer mode): no unit is sent yet.
DESK_CALL = frozenset({C.on_desk, C.with_clinician})
OPEN_CALL = frozenset({C.on_desk, C.with_clinician, C.queued, C.assigned, C.en_route, C.on_scene})
FINAL_CALL = frozenset({C.closed, C.cancelled})
# A call can still be sent elsewhere by later screening answers until its unit is on the way.
RETRIAGEABLE_CALL = frozenset({C.on_desk, C.with_clinician, C.queued, C.assigned})
BUSY_UNIT = frozenset({U.dispatched, U.en_route, U.on_scene, U.transporting})

# Every move of a call. Queued and assigned are the system's moves; any open call can be put back in the queue
# (re-triaged, escalated, its unit went out of service before arriving, or it left the crisis desk) or
# cancelled. A call closes from the scene, or wherever it is before the scene when a crisis-desk clinician
# resolves it on the phone (its unit, if any, stood down).
CALL_MOVES: Mapping[CallStatus, frozenset[CallStatus]] = {
    C.on_desk: frozenset({C.with_clinician, C.queued, C.cancelled}),
    C.with_clinician: frozenset({C.closed, C.queued, C.cancelled}),
    C.queued: frozenset({C.assigned, C.closed, C.cancelled}),
    C.assigned: frozenset({C.en_route, C.on_scene, C.queued, C.closed, C.cancelled}),
    C.en_route: frozenset({C.on_scene, C.queued, C.closed, C.cancelled}),
    C.on_scene: frozenset({C.closed, C.queued, C.cancelled}),
    C.closed: frozenset(),
    C.cancelled: frozenset(),
}
# What a dispatcher or a unit may report of a call (`POST /calls/{id}/status`).
CALL_REPORTS: Mapping[CallStatus, frozenset[CallStatus]] = {
    C.assigned: frozenset({C.en_route, C.on_scene}),
    C.en_route: frozenset({C.on_scene}),
    C.on_scene: frozenset({C.closed}),
}

# A consult waits for a clinician, who claims it and records an outcome; at any point before the outcome it can
# end unserved (timed out, pulled by a dispatcher, a new danger, the call ended).
CONSULT_MOVES: Mapping[ConsultState, frozenset[ConsultState]] = {
    K.waiting: frozenset({K.claimed, K.not_served}),
    K.claimed: frozenset({K.done, K.not_served}),
    K.done: frozenset(),
    K.not_served: frozenset(),
}

# Every move of a unit. Dispatched is the system's move; a unit freed from its call, at any stage, is available.
UNIT_MOVES: Mapping[UnitStatus, frozenset[UnitStatus]] = {
    U.available: frozenset({U.dispatched, U.out_of_service}),
    U.dispatched: frozenset({U.en_route, U.on_scene, U.available}),
    U.en_route: frozenset({U.on_scene, U.available}),
    U.on_scene: frozenset({U.transporting, U.available}),
    U.transporting: frozenset({U.available}),
    U.out_of_service: frozenset({U.available}),
}
# What a unit may report while it is on no call.
UNIT_REPORTS_IDLE: Mapping[UnitStatus, frozenset[UnitStatus]] = {
    U.available: frozenset({U.out_of_service}),
    U.out_of_service: frozenset({U.available}),
}
# What a unit may report of itself while on a call. Going out of service before arriving hands the call back to
# the queue (the unit is freed, then out of service); after arriving the call must be closed or cancelled first.
UNIT_REPORTS_ON_CALL: Mapping[UnitStatus, frozenset[UnitStatus]] = {
    U.dispatched: frozenset({U.en_route, U.on_scene, U.out_of_service}),
    U.en_route: frozenset({U.on_scene, U.out_of_service}),
    U.on_scene: frozenset({U.transporting}),
}
# The call status that follows a unit's report (transporting leaves the call on scene).
CALL_FOLLOWING_UNIT: Mapping[UnitStatus, CallStatus] = {U.en_route: C.en_route, U.on_scene: C.on_scene}
UNIT_FOLLOWING_CALL: Mapping[CallStatus, UnitStatus] = {C.en_route: U.en_route, C.on_scene: U.on_scene}


def allowed(machine: Mapping[S, frozenset[S]], current: S, target: S) -> bool:
    """Whether `machine` lets `current` become `target`."""
    return target in machine.get(current, frozenset())


def require_transition(
    what: str, machine: Mapping[S, frozenset[S]], current: S, target: S, **extra: object
) -> None:
    """Refuse (409) a change `machine` does not allow, naming both states."""
    if not allowed(machine, current, target):
        raise InvalidTransition(
            f"{what} cannot go from {current.value} to {target.value}",
            current=current.value,
            requested=target.value,
            **extra,
        )
