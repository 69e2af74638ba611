"""Units: registration, validated status transitions, the AVL ping."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from cadtriage.events.models import Event
from tests.api.helpers import DOWNTOWN, as_role, call, statements_sent, unit


def test_register_read_and_list(client: TestClient) -> None:
    created = unit(client, "CRT-12", "civilian_crisis", 47.61, -122.33)
    assert created["status"] == "available"
    assert created["location"] == {"lat": 47.61, "lon": -122.33}
    assert client.get(f"/v1/units/{created['id']}").json()["call_sign"] == "CRT-12"
    unit(client, "P-1", "police", 47.61, -122.33)
    listed = client.get("/v1/units", params={"unit_type": "police"}).json()
    assert [u["call_sign"] for u in listed["items"]] == ["P-1"]


def test_a_call_sign_is_unique(client: TestClient) -> None:
    unit(client, "CRT-12", "civilian_crisis", 47.61, -122.33)
    again = client.post(
        "/v1/units",
        json={"call_sign": "CRT-12", "unit_type": "police", "location": {"lat": 47.6, "lon": -122.3}},
        headers=as_role(client, "supervisor"),
    )
    assert again.status_code == 409
    assert again.json()["call_sign"] == "CRT-12"


def test_a_call_sign_a_dispatcher_could_mistake_for_another_is_refused(client: TestClient) -> None:
    # Issue 'Hardening', item 4: each of these registered beside CRT-01, and a key for one bound to the other.
    first = unit(client, "crt-01", "civilian_crisis", 47.61, -122.33)
    assert first["call_sign"] == "CRT-01"  # the canonical form: capitals
    supervisor = as_role(client, "supervisor")
    for look_alike in ("CRT 01", "CRT-0l", "CRT--01", "CRT-O1", "crt_01", "CRTO1"):
        response = client.post(
            "/v1/units",
            json={"call_sign": look_alike, "unit_type": "police", "location": {"lat": 47.6, "lon": -122.3}},
            headers=supervisor,
        )
        assert response.status_code == 409, look_alike
        assert response.json()["existing"] == "CRT-01"
        assert "too like CRT-01" in response.json()["detail"]
    assert unit(client, "CRT-02", "civilian_crisis", 47.61, -122.33)["call_sign"] == "CRT-02"
    assert [u["call_sign"] for u in client.get("/v1/units").json()["items"]] == ["CRT-01", "CRT-02"]


def test_a_unit_key_names_its_unit_however_the_call_sign_is_written(client: TestClient) -> None:
    crt = unit(client, "CRT-01", "civilian_crisis", 47.61, -122.33)
    admin = as_role(client, "admin")
    created = client.post(
        "/v1/keys", json={"name": "mdt-crt-01", "role": "unit", "unit": "crt 01"}, headers=admin
    )
    assert created.status_code == 201
    # ...and the key is shown with the canonical call sign (it was listed by the unit's row id only).
    assert (created.json()["unit"], created.json()["unit_id"]) == ("CRT-01", crt["id"])
    listed = {k["name"]: k for k in client.get("/v1/keys", headers=admin).json()}
    assert (listed["mdt-crt-01"]["unit"], listed["test-admin"]["unit"]) == ("CRT-01", None)
    token = created.json()["key"]
    mine = client.post(
        f"/v1/units/{crt['id']}/status",
        json={"status": "out_of_service"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert mine.status_code == 200
    revoked = client.post("/v1/keys/mdt-crt-01/revoke", headers=admin).json()
    assert revoked["unit"] == "CRT-01"


def test_an_illegal_transition_is_a_409_naming_both_states(client: TestClient) -> None:
    created = unit(client, "CRT-12", "civilian_crisis", 47.61, -122.33)
    response = client.post(f"/v1/units/{created['id']}/status", json={"status": "on_scene"})
    assert response.status_code == 409
    body = response.json()
    assert body["type"].endswith("/invalid-transition")
    assert (body["current"], body["requested"]) == ("available", "on_scene")
    assert "available" in body["detail"]
    assert "on_scene" in body["detail"]


def test_out_of_service_and_back(client: TestClient) -> None:
    created = unit(client, "CRT-12", "civilian_crisis", *DOWNTOWN)
    out = client.post(
        f"/v1/units/{created['id']}/status", json={"status": "out_of_service", "reason": "fuel"}
    )
    assert out.json()["status"] == "out_of_service"
    assert call(client, "CAD-1")["status"] == "queued"  # an out-of-service unit is not sent
    back = client.post(f"/v1/units/{created['id']}/status", json={"status": "available"})
    assert back.json()["status"] == "dispatched"  # back in service, it takes the waiting call at once
    assert back.json()["call_id"] is not None


def test_a_unit_on_a_call_cannot_declare_itself_available(client: TestClient) -> None:
    created = unit(client, "CRT-12", "civilian_crisis", *DOWNTOWN)
    call(client, "CAD-1")
    response = client.post(f"/v1/units/{created['id']}/status", json={"status": "available"})
    assert response.status_code == 409
    assert "close or cancel the call" in response.json()["detail"]


def test_unit_reported_steps_move_its_call(client: TestClient) -> None:
    created = unit(client, "CRT-12", "civilian_crisis", *DOWNTOWN)
    taken = call(client, "CAD-1")
    client.post(f"/v1/units/{created['id']}/status", json={"status": "en_route"})
    assert client.get(f"/v1/calls/{taken['id']}").json()["status"] == "en_route"
    client.post(f"/v1/units/{created['id']}/status", json={"status": "on_scene"})
    assert client.get(f"/v1/calls/{taken['id']}").json()["status"] == "on_scene"


def test_a_unit_out_of_service_before_arriving_puts_its_call_back(client: TestClient) -> None:
    broken = unit(client, "CRT-1", "civilian_crisis", *DOWNTOWN)
    taken = call(client, "CAD-1")
    spare = unit(client, "CRT-2", "civilian_crisis", 47.62, -122.34)
    response = client.post(
        f"/v1/units/{broken['id']}/status", json={"status": "out_of_service", "reason": "flat"}
    )
    assert response.json()["status"] == "out_of_service"
    moved = client.get(f"/v1/calls/{taken['id']}").json()
    assert moved["status"] == "assigned"
    assert moved["assignment"]["unit_id"] == spare["id"]


def test_the_avl_ping_moves_a_unit_into_range_of_a_waiting_call(client: TestClient) -> None:
    far = unit(client, "CRT-1", "civilian_crisis", 47.2529, -122.4443)
    waiting = call(client, "CAD-1")
    assert waiting["status"] == "queued"
    moved = client.put(f"/v1/units/{far['id']}/location", json={"lat": 47.615, "lon": -122.335})
    assert moved.status_code == 200
    assert moved.json()["location"] == {"lat": 47.615, "lon": -122.335}
    assert client.get(f"/v1/calls/{waiting['id']}").json()["assignment"]["unit_id"] == far["id"]


def test_bad_unit_input_names_the_field(client: TestClient) -> None:
    response = client.post(
        "/v1/units",
        json={"call_sign": "X", "unit_type": "firetruck", "location": {"lat": 0, "lon": 0}},
        headers=as_role(client, "supervisor"),
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "unit_type"
    assert (
        client.put("/v1/units/1/location", json={"lat": 10, "lon": 200}).json()["errors"][0]["field"] == "lon"
    )
    assert client.get("/v1/units/424242").status_code == 404


def test_a_unit_is_read_with_the_call_it_is_on_in_one_statement(client: TestClient, engine: Engine) -> None:
    # Issue 'Intake at the database's speed': a unit terminal polls its unit every second; that read was two
    # round trips (the unit, then its open assignment).
    crt = unit(client, "CRT-12", "civilian_crisis", *DOWNTOWN)
    sent = call(client, "c-1")
    with statements_sent(engine) as statements:
        read = client.get(f"/v1/units/{crt['id']}").json()
    assert read["call_id"] == sent["id"]
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT") and "api_keys" not in s]
    assert len(reads) == 1, reads


def test_the_avl_ping_is_one_statement_and_records_where_the_unit_moved_from(
    client: TestClient, engine: Engine, session: Session
) -> None:
    # Issue 'Intake at the database's speed': the ping was an entity read and lock, an event, an update and the
    # answer's read; it is the most frequent write there is. Now the move and its event are one statement.
    crt = unit(client, "CRT-12", "civilian_crisis", 47.61, -122.33)
    client.post(f"/v1/units/{crt['id']}/status", json={"status": "out_of_service"})
    with statements_sent(engine) as statements:
        moved = client.put(f"/v1/units/{crt['id']}/location", json={"lat": 47.615, "lon": -122.335})
    assert moved.status_code == 200
    assert moved.json()["location"] == {"lat": 47.615, "lon": -122.335}
    work = [
        s
        for s in statements
        if "api_keys" not in s and not s.lstrip().upper().startswith(("SAVEPOINT", "RELEASE"))
    ]
    assert len(work) == 2, work  # the move with its event, and the answer's read
    logged = session.scalars(
        select(Event).where(Event.unit_id == crt["id"], Event.kind == "unit.location")
    ).one()
    assert logged.data == {"from": [47.61, -122.33], "to": [47.615, -122.335]}
    assert logged.actor == "test-dispatcher"
    assert client.put("/v1/units/999999/location", json={"lat": 47.6, "lon": -122.3}).status_code == 404


def test_a_unit_reporting_a_step_reads_and_locks_in_three_round_trips_and_writes_in_one(
    client: TestClient, engine: Engine
) -> None:
    # Issue 'Intake at the database's speed': "en route", a unit's most frequent report after its location, read
    # the unit, then its assignment, then the call; locked the call, the assignment, the unit one by one; and
    # asked for the escalation sweep's lock, then each type's overdue calls: eleven statements before its
    # writes. Now: the unit with its call; the call locked (when it can make the step); the assignment and the
    # unit locked together; the sweep's lock with the look for anything overdue.
    crt = unit(client, "CRT-12", "civilian_crisis", *DOWNTOWN)
    sent = call(client, "CAD-1")
    with statements_sent(engine) as statements:
        moved = client.post(f"/v1/units/{crt['id']}/status", json={"status": "en_route"})
    assert moved.json()["status"] == "en_route"
    assert client.get(f"/v1/calls/{sent['id']}").json()["status"] == "en_route"
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT") and "api_keys" not in s]
    assert len(reads) == 5, [s[:80] for s in reads]  # the four above, and the answer's read of the unit
    writes = [s for s in statements if s.lstrip().upper().startswith(("INSERT", "UPDATE", "WITH"))]
    assert len(writes) == 1, writes  # both moves and their events, one statement (four before)
    timeline = client.get(f"/v1/calls/{sent['id']}/timeline").json()
    stepped = [(e["kind"], e["from_state"], e["to_state"]) for e in timeline][-2:]
    assert stepped == [("unit.status", "dispatched", "en_route"), ("call.en_route", "assigned", "en_route")]
    assert client.get(f"/v1/calls/{sent['id']}").json()["en_route_at"] is not None
    # The step is refused (409) without locking a call it cannot come from, and a closed call stays closed.
    assert client.post(f"/v1/units/{crt['id']}/status", json={"status": "dispatched"}).status_code == 409
    assert client.post(f"/v1/calls/{sent['id']}/status", json={"status": "en_route"}).status_code == 409
    assert client.post("/v1/calls/999999/status", json={"status": "on_scene"}).status_code == 404


def test_closing_a_call_does_not_lock_its_unit_twice(client: TestClient, engine: Engine) -> None:
    # The close locked the unit with its assignment, then freeing it read and locked it again.
    crt = unit(client, "CRT-12", "civilian_crisis", *DOWNTOWN)
    sent = call(client, "CAD-1")
    client.post(f"/v1/units/{crt['id']}/status", json={"status": "on_scene"})
    with statements_sent(engine) as statements:
        closed = client.post(f"/v1/calls/{sent['id']}/status", json={"status": "closed", "disposition": "ok"})
    assert closed.json()["status"] == "closed"
    assert client.get(f"/v1/units/{crt['id']}").json()["status"] == "available"
    locks = [s for s in statements if "FOR NO KEY UPDATE" in s and "units" in s.split("FOR NO KEY UPDATE")[0]]
    assert len(locks) == 1, locks  # with its assignment
