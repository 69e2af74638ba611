"""The call and unit state machines, every pair of states: what may follow what, and what people may ask for.

The expected moves are written out here independently of `dispatch.transitions`, so a change to either shows.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import product

import pytest

from cadtriage.calls.models import CallStatus
from cadtriage.consults.models import ConsultState
from cadtriage.dispatch import transitions as t
from cadtriage.errors import InvalidTransition
from cadtriage.units.models import UnitStatus

C, U, K = CallStatus, UnitStatus, ConsultState

CALL_MOVES = {
    (C.on_desk, C.with_clinician), (C.on_desk, C.queued), (C.on_desk, C.cancelled),
    (C.with_clinician, C.closed), (C.with_clinician, C.queued), (C.with_clinician, C.cancelled),
    (C.queued, C.assigned), (C.queued, C.closed), (C.queued, C.cancelled),
    (C.assigned, C.en_route), (C.assigned, C.on_scene), (C.assigned, C.queued), (C.assigned, C.closed),
    (C.assigned, C.cancelled),
    (C.en_route, C.on_scene), (C.en_route, C.queued), (C.en_route, C.closed), (C.en_route, C.cancelled),
    (C.on_scene, C.closed), (C.on_scene, C.queued), (C.on_scene, C.cancelled),
}  # fmt: skip
CALL_REPORTS = {
    (C.assigned, C.en_route), (C.assigned, C.on_scene), (C.en_route, C.on_scene), (C.on_scene, C.closed),
}  # fmt: skip
UNIT_MOVES = {
    (U.available, U.dispatched), (U.available, U.out_of_service),
    (U.dispatched, U.en_route), (U.dispatched, U.on_scene), (U.dispatched, U.available),
    (U.en_route, U.on_scene), (U.en_route, U.available),
    (U.on_scene, U.transporting), (U.on_scene, U.available),
    (U.transporting, U.available),
    (U.out_of_service, U.available),
}  # fmt: skip
CONSULT_MOVES = {
    (K.waiting, K.claimed), (K.waiting, K.not_served), (K.claimed, K.done), (K.claimed, K.not_served),
}  # fmt: skip
UNIT_REPORTS_IDLE = {(U.available, U.out_of_service), (U.out_of_service, U.available)}
UNIT_REPORTS_ON_CALL = {
    (U.dispatched, U.en_route), (U.dispatched, U.on_scene), (U.dispatched, U.out_of_service),
    (U.en_route, U.on_scene), (U.en_route, U.out_of_service),
    (U.on_scene, U.transporting),
}  # fmt: skip

MACHINES = [
    ("call moves", t.CALL_MOVES, CallStatus, CALL_MOVES),
    ("call reports", t.CALL_REPORTS, CallStatus, CALL_REPORTS),
    ("unit moves", t.UNIT_MOVES, UnitStatus, UNIT_MOVES),
    ("consult moves", t.CONSULT_MOVES, ConsultState, CONSULT_MOVES),
    ("unit reports, idle", t.UNIT_REPORTS_IDLE, UnitStatus, UNIT_REPORTS_IDLE),
    ("unit reports, on a call", t.UNIT_REPORTS_ON_CALL, UnitStatus, UNIT_REPORTS_ON_CALL),
]


@pytest.mark.parametrize(("name", "machine", "states", "expected"), MACHINES, ids=[m[0] for m in MACHINES])
def test_every_pair_of_states(name: str, machine: Mapping, states: type, expected: set) -> None:  # type: ignore[type-arg]
    for current, target in product(states, states):
        assert t.allowed(machine, current, target) == ((current, target) in expected), (name, current, target)


def test_a_refused_change_names_both_states() -> None:
    with pytest.raises(InvalidTransition) as refused:
        t.require_transition("call", t.CALL_MOVES, C.closed, C.queued, call_id=7)
    assert refused.value.extra == {"current": "closed", "requested": "queued", "call_id": 7}
    assert "from closed to queued" in refused.value.detail
    t.require_transition("call", t.CALL_MOVES, C.queued, C.assigned)  # allowed: no error


def test_no_status_moves_to_itself() -> None:
    # The timeline records changes, not restatements.
    assert not any(t.allowed(t.CALL_MOVES, s, s) for s in CallStatus)
    assert not any(t.allowed(t.UNIT_MOVES, s, s) for s in UnitStatus)


def test_final_calls_never_move_and_every_open_call_can_end() -> None:
    assert {C.closed, C.cancelled} == t.FINAL_CALL
    assert set(CallStatus) - t.FINAL_CALL == t.OPEN_CALL
    for status in t.FINAL_CALL:
        assert t.CALL_MOVES[status] == frozenset()
    for status in t.OPEN_CALL:
        assert t.allowed(t.CALL_MOVES, status, C.cancelled)


def test_every_unit_status_can_become_available_again() -> None:
    for status in set(UnitStatus) - {U.available}:
        assert t.allowed(t.UNIT_MOVES, status, U.available), status


def test_what_people_may_ask_for_the_system_can_carry_out() -> None:
    for current, targets in t.CALL_REPORTS.items():
        assert targets <= t.CALL_MOVES[current]
    for current, targets in t.UNIT_REPORTS_IDLE.items():
        assert targets <= t.UNIT_MOVES[current]
    for current, targets in t.UNIT_REPORTS_ON_CALL.items():
        for target in targets:
            # Out of service on a call is carried out as freed (available), then out of service.
            direct = t.allowed(t.UNIT_MOVES, current, target)
            via_freed = t.allowed(t.UNIT_MOVES, current, U.available) and t.allowed(
                t.UNIT_MOVES, U.available, target
            )
            assert direct or (target is U.out_of_service and via_freed), (current, target)


def test_a_unit_report_moves_its_call_along_the_call_machine() -> None:
    for unit_status, call_status in t.CALL_FOLLOWING_UNIT.items():
        assert t.UNIT_FOLLOWING_CALL[call_status] is unit_status
        assert any(t.allowed(t.CALL_REPORTS, c, call_status) for c in CallStatus)
