"""What the timeline and the call view say: the details a hostile client found missing or wrong."""

from __future__ import annotations

import itertools
from typing import Any

from fastapi.testclient import TestClient

from tests.api.helpers import DOWNTOWN, as_role, call, status, unit
from tests.conftest import FakeClock


def timeline(client: TestClient, call_id: int) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = client.get(f"/v1/calls/{call_id}/timeline").json()
    return events


def test_call_assigned_events_name_the_unit(client: TestClient) -> None:
    crt = unit(client, "CRT-1", "civilian_crisis", *DOWNTOWN)
    taken = call(client, "CAD-1")
    status(client, taken["id"], "en_route")
    events = {e["kind"]: e for e in timeline(client, taken["id"])}
    assert events["call.assigned"]["unit_id"] == crt["id"]
    assert events["call.en_route"]["unit_id"] == crt["id"]


def test_a_queued_intake_records_no_change_from_queued_to_queued(client: TestClient) -> None:
    waiting = call(client, "CAD-1")
    events = timeline(client, waiting["id"])
    assert [e["kind"] for e in events] == ["call.received", "consult.requested"]
    assert all(e["from_state"] != e["to_state"] for e in events)


def test_the_timeline_chains_from_each_state_to_the_next(client: TestClient) -> None:
    unit(client, "CRT-1", "civilian_crisis", *DOWNTOWN)
    unit(client, "POL-1", "police", *DOWNTOWN)
    taken = call(client, "CAD-1")
    client.post(f"/v1/calls/{taken['id']}/override", json={"response_type": "police", "reason": "gun"})
    status(client, taken["id"], "en_route")
    status(client, taken["id"], "on_scene")
    status(client, taken["id"], "closed", disposition="resolved")
    states = [e for e in timeline(client, taken["id"]) if e["kind"].startswith("call.") and e["to_state"]]
    transitions = [e for e in states if e["kind"] not in ("call.override",)]
    for before, after in itertools.pairwise(transitions):
        assert after["from_state"] == before["to_state"], (before, after)
    assert transitions[-1]["to_state"] == "closed"


def test_a_closed_call_still_names_the_unit_that_handled_it(client: TestClient) -> None:
    crt = unit(client, "CRT-1", "civilian_crisis", *DOWNTOWN)
    taken = call(client, "CAD-1")
    status(client, taken["id"], "on_scene")
    closed = status(client, taken["id"], "closed", disposition="resolved").json()
    assert closed["assignment"]["unit_id"] == crt["id"]
    assert closed["assignment"]["call_sign"] == "CRT-1"
    assert client.get(f"/v1/calls/{taken['id']}").json()["assignment"]["call_sign"] == "CRT-1"


def test_an_escalation_woken_by_a_unit_change_is_recorded_as_the_system(
    client: TestClient, clock: FakeClock
) -> None:
    waiting = call(client, "CAD-1")  # no civilian team on duty: it waits
    clock.advance(901)
    patrol = unit(client, "POL-1", "police", 47.70, -122.40)  # out of range of the call
    response = client.post(
        f"/v1/units/{patrol['id']}/status",
        json={"status": "out_of_service", "reason": "meal break"},
        headers=as_role(client, "supervisor"),
    )
    assert response.status_code == 200, response.text
    escalated = [e for e in timeline(client, waiting["id"]) if e["kind"] == "call.escalated"]
    assert [e["actor"] for e in escalated] == ["system:escalation"]
