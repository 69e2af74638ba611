"""A call's life: its steps, closing, cancelling, the queue draining, and dispatcher override."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.api.helpers import DOWNTOWN, call, statements_sent, status, unit


def test_assigned_en_route_on_scene_transporting_closed(client: TestClient) -> None:
    crt = unit(client, "CRT-1", "civilian_crisis", *DOWNTOWN)
    taken = call(client, "CAD-1")
    for step in ("en_route", "on_scene"):
        assert status(client, taken["id"], step).json()["status"] == step
    assert status(client, taken["id"], "transporting").json()["status"] == "on_scene"
    assert client.get(f"/v1/units/{crt['id']}").json()["status"] == "transporting"
    closed = status(client, taken["id"], "closed", disposition="taken to crisis centre").json()
    assert (closed["status"], closed["disposition"], closed["assignment"]["call_sign"]) == (
        "closed",
        "taken to crisis centre",
        "CRT-1",  # a closed call still names the unit that handled it
    )
    assert client.get(f"/v1/units/{crt['id']}").json()["status"] == "available"


def test_closing_needs_a_disposition(client: TestClient) -> None:
    unit(client, "CRT-1", "civilian_crisis", *DOWNTOWN)
    taken = call(client, "CAD-1")
    status(client, taken["id"], "on_scene")
    response = status(client, taken["id"], "closed")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "disposition"


def test_illegal_call_transitions_are_refused(client: TestClient) -> None:
    unit(client, "CRT-1", "civilian_crisis", *DOWNTOWN)
    taken = call(client, "CAD-1")
    response = status(client, taken["id"], "closed", disposition="x")
    assert response.status_code == 409
    assert (response.json()["current"], response.json()["requested"]) == ("assigned", "closed")
    waiting = call(client, "CAD-2")
    assert status(client, waiting["id"], "en_route").status_code == 409
    assert status(client, 999999, "en_route").status_code == 404


def test_cancel_at_any_open_stage_frees_the_unit(client: TestClient) -> None:
    crt = unit(client, "CRT-1", "civilian_crisis", *DOWNTOWN)
    taken = call(client, "CAD-1")
    status(client, taken["id"], "en_route")
    cancelled = client.post(
        f"/v1/calls/{taken['id']}/cancel", json={"reason": "caller called back, all fine"}
    )
    assert cancelled.json()["status"] == "cancelled"
    assert client.get(f"/v1/units/{crt['id']}").json()["status"] == "available"
    again = client.post(f"/v1/calls/{taken['id']}/cancel", json={"reason": "twice"})
    assert again.status_code == 409


def test_a_call_cancelled_while_waiting_records_that_it_was_never_served(client: TestClient) -> None:
    # Never sent anyone, and not blamed on the roster: the reason it ended is the caller's.
    waiting = call(client, "CAD-1")
    body = client.post(f"/v1/calls/{waiting['id']}/cancel", json={"reason": "caller left"}).json()
    assert (body["status"], body["dispatched_type"], body["assigned_at"]) == ("cancelled", None, None)
    assert (body["divergence"], body["divergence_detail"]) == (None, None)
    assert body["cancel_reason"] == "caller left"


def test_the_queue_drains_most_urgent_first_then_oldest(client: TestClient, clock) -> None:  # type: ignore[no-untyped-def]
    crt = unit(client, "CRT-1", "civilian_crisis", *DOWNTOWN)
    busy = call(client, "CAD-0")
    low = call(client, "CAD-LOW", call_type="TRESPASS")  # priority 4
    clock.advance(10)
    suicidal_old = call(client, "CAD-S1", call_type="SUICIDE THREAT")  # priority 2
    clock.advance(10)
    suicidal_new = call(client, "CAD-S2", call_type="SUICIDE THREAT")  # priority 2, newer
    positions = [
        client.get(f"/v1/calls/{c['id']}").json()["queue_position"] for c in (low, suicidal_old, suicidal_new)
    ]
    assert positions == [3, 1, 2]
    order = []
    current = busy
    for _ in range(3):
        status(client, current["id"], "on_scene")
        status(client, current["id"], "closed", disposition="resolved")
        unit_now = client.get(f"/v1/units/{crt['id']}").json()
        current = client.get(f"/v1/calls/{unit_now['call_id']}").json()
        order.append(current["external_id"])
    assert order == ["CAD-S1", "CAD-S2", "CAD-LOW"]


def test_a_freed_unit_finds_the_next_call_and_its_distance_in_one_statement(
    client: TestClient, engine: Engine
) -> None:
    # Issue 'Intake at the database's speed': the unit freed found the call it takes, then asked the database the
    # distance to it in a statement of its own. The search already measures it.
    crt = unit(client, "CRT-1", "civilian_crisis", *DOWNTOWN)
    busy = call(client, "CAD-0")
    waiting = call(client, "CAD-1", at=(47.62, -122.34))  # about 1.2 km from the unit
    with statements_sent(engine) as statements:
        client.post(f"/v1/calls/{busy['id']}/cancel", json={"reason": "caller called back"})
    taken = client.get(f"/v1/calls/{waiting['id']}").json()
    assert taken["assignment"]["unit_id"] == crt["id"]
    assert 1000 < taken["assignment"]["distance_m"] < 1400
    assert len([s for s in statements if "earth_distance" in s]) == 1, statements


def test_a_newly_registered_unit_takes_the_waiting_call(client: TestClient) -> None:
    waiting = call(client, "CAD-1")
    crt = unit(client, "CRT-1", "civilian_crisis", *DOWNTOWN)
    assert crt["status"] == "dispatched"
    assert crt["call_id"] == waiting["id"]


def test_override_re_dispatches_records_why_and_frees_the_unit(client: TestClient) -> None:
    crt = unit(client, "CRT-1", "civilian_crisis", *DOWNTOWN)
    police = unit(client, "P-1", "police", 47.615, -122.34)
    taken = call(client, "CAD-1")
    waiting = call(client, "CAD-2")
    body = client.post(
        f"/v1/calls/{taken['id']}/override",
        json={"response_type": "police", "reason": "caller now reports a gun"},
    ).json()
    assert body["decided_type"] == "civilian_crisis"
    assert body["requested_type"] == body["dispatched_type"] == "police"
    assert (body["divergence"], body["divergence_detail"]) == ("override", "caller now reports a gun")
    assert body["assignment"]["unit_id"] == police["id"]
    assert body["decision"]["response_type"] == "civilian_crisis"  # what triage decided stays on record
    # The freed civilian team takes the next waiting civilian call.
    assert client.get(f"/v1/units/{crt['id']}").json()["call_id"] == waiting["id"]


def test_override_needs_a_reason_and_a_different_type_on_an_open_call(client: TestClient) -> None:
    taken = call(client, "CAD-1")
    missing = client.post(f"/v1/calls/{taken['id']}/override", json={"response_type": "police"})
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "reason"
    same = client.post(
        f"/v1/calls/{taken['id']}/override", json={"response_type": "civilian_crisis", "reason": "same"}
    )
    assert same.status_code == 409
    client.post(f"/v1/calls/{taken['id']}/cancel", json={"reason": "gone"})
    closed = client.post(
        f"/v1/calls/{taken['id']}/override", json={"response_type": "police", "reason": "late"}
    )
    assert closed.status_code == 409


def test_the_timeline_tells_the_whole_story_in_order(client: TestClient) -> None:
    unit(client, "CRT-1", "civilian_crisis", *DOWNTOWN)
    taken = call(client, "CAD-1")
    status(client, taken["id"], "en_route")
    status(client, taken["id"], "on_scene")
    status(client, taken["id"], "closed", disposition="resolved")
    events = client.get(f"/v1/calls/{taken['id']}/timeline").json()
    kinds = [(e["kind"], e["from_state"], e["to_state"]) for e in events]
    assert kinds == [
        ("call.received", None, "queued"),
        ("consult.requested", None, "waiting"),  # a welfare check: the crisis desk is asked to join
        ("unit.status", "available", "dispatched"),
        ("call.assigned", "queued", "assigned"),
        ("unit.status", "dispatched", "en_route"),
        ("call.en_route", "assigned", "en_route"),
        ("unit.status", "en_route", "on_scene"),
        ("call.on_scene", "en_route", "on_scene"),
        ("consult.not_served", "waiting", "not_served"),  # no clinician joined before the call closed
        ("call.closed", "on_scene", "closed"),
        ("unit.status", "on_scene", "available"),
    ]
    assert [e["id"] for e in events] == sorted(e["id"] for e in events)
    assert {e["actor"] for e in events} == {"test-dispatcher"}  # the key that made each change
    assert events[0]["data"]["rules"] == taken["decision"]["rules"]
    assert events[-2]["reason"] == "resolved"
    assert client.get("/v1/calls/999999/timeline").status_code == 404
