"""Intake: triage, store and dispatch in one transaction; idempotent on external_id."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from cadtriage.calls.models import QUEUE_COUNTED, Call, TriageDecision
from cadtriage.events.models import Event
from tests.api.helpers import DOWNTOWN, call, statements_sent, unit


def test_a_call_is_sent_the_nearest_available_unit_of_the_decided_type(client: TestClient) -> None:
    unit(client, "CRT-FAR", "civilian_crisis", 47.66, -122.38)
    near = unit(client, "CRT-NEAR", "civilian_crisis", 47.612, -122.335)
    unit(client, "P-CLOSER", "police", 47.6098, -122.3332)  # closer, but the wrong type
    body = call(client, "CAD-1")
    assert body["status"] == "assigned"
    assert body["decision"]["response_type"] == "civilian_crisis"
    assert body["assignment"]["unit_id"] == near["id"]
    assert body["assignment"]["call_sign"] == "CRT-NEAR"
    assert 250 < body["assignment"]["distance_m"] < 400
    assert body["dispatched_type"] == body["decided_type"] == "civilian_crisis"
    assert body["divergence"] is None
    assert body["queue_position"] is None
    assert client.get(f"/v1/units/{near['id']}").json()["status"] == "dispatched"


def test_sending_a_unit_is_one_statement_and_records_both_moves(
    client: TestClient, engine: Engine, session: Session
) -> None:
    # Issue 'Intake at the database's speed': looking for the nearest unit and locking it were two round trips, and
    # the assignment, the unit's and the call's moves and their two events five more. Now: the call stored (with
    # its decision and event), the unit looked for and locked, the unit sent.
    near = unit(client, "P-NEAR", "police", 47.612, -122.335)
    with statements_sent(engine) as statements:
        body = call(client, "CAD-1", call_type="BURGLARY")  # a police call: no crisis desk to consult
    work = [
        s for s in statements if "api_keys" not in s and not s.lstrip().startswith(("SAVEPOINT", "RELEASE"))
    ]
    assert len(work) == 3, [s[:90] for s in work]
    assert body["status"] == "assigned"
    assert body["assignment"]["call_sign"] == "P-NEAR"
    stored = session.get(Call, body["id"])
    assert stored is not None
    session.refresh(stored)
    assert stored.status == "assigned"
    assert stored.dispatched_type == "police"
    assert stored.assigned_at is not None
    events = session.scalars(select(Event).where(Event.call_id == body["id"]).order_by(Event.id)).all()
    assert [(e.kind, e.from_state, e.to_state, e.unit_id) for e in events] == [
        ("call.received", None, "queued", None),
        ("unit.status", "available", "dispatched", near["id"]),
        ("call.assigned", "queued", "assigned", near["id"]),
    ]
    assert events[2].reason.startswith("P-NEAR at ")
    assert client.get(f"/v1/units/{near['id']}").json()["status"] == "dispatched"


def test_a_call_no_unit_can_take_is_queued_in_five_statements(client: TestClient, engine: Engine) -> None:
    # Issue 'Intake at the database's speed': a call that queues (the usual intake under overload) took six
    # statements after its key was checked — the call stored; a look for a fresh unit and another for any unit;
    # then, committed, the queue lock, the same look again and the count of the queue ahead. The last look now
    # counts the call's place in the same round trip.
    unit(client, "CRT-ONLY", "civilian_crisis", *DOWNTOWN)  # a unit in the city, of another type
    call(client, "CAD-0", call_type="BURGLARY")  # nobody can take it: this one is queued first
    with statements_sent(engine) as statements:
        body = call(client, "CAD-1", call_type="BURGLARY")
    work = [
        s for s in statements if "api_keys" not in s and not s.lstrip().startswith(("SAVEPOINT", "RELEASE"))
    ]
    assert len(work) == 5, [s[:90] for s in work]
    assert (body["status"], body["queue_position"], body["assignment"]) == ("queued", 2, None)


def test_with_no_unit_the_call_queues_with_its_position(client: TestClient) -> None:
    first = call(client, "CAD-1")
    second = call(client, "CAD-2")
    assert (first["status"], first["queue_position"], first["assignment"]) == ("queued", 1, None)
    assert second["queue_position"] == 2


def test_a_unit_beyond_the_maximum_distance_is_not_sent(client: TestClient) -> None:
    unit(client, "CRT-TACOMA", "civilian_crisis", 47.2529, -122.4443)  # ~40 km south, limit 15 km
    assert call(client, "CAD-1")["status"] == "queued"


def test_a_stale_unit_is_sent_only_when_no_fresh_one_is_in_range(client: TestClient, clock) -> None:  # type: ignore[no-untyped-def]
    stale = unit(client, "CRT-STALE", "civilian_crisis", *DOWNTOWN)
    clock.advance(3600)  # its location is now an hour old
    fresh = unit(client, "CRT-FRESH", "civilian_crisis", 47.62, -122.34)  # farther, but just reported
    assert call(client, "CAD-1")["assignment"]["unit_id"] == fresh["id"]
    assert call(client, "CAD-2")["assignment"]["unit_id"] == stale["id"]


def test_units_at_the_same_spot_take_one_call_each(client: TestClient) -> None:
    # Which of two equally near units goes first is the KNN index's order, not a rule: a tie-break column would
    # make every search sort all units in range. What matters is that each is sent once.
    a = unit(client, "CRT-A", "civilian_crisis", 47.6200, -122.3331)
    b = unit(client, "CRT-B", "civilian_crisis", 47.6200, -122.3331)
    sent = {call(client, "CAD-1")["assignment"]["unit_id"], call(client, "CAD-2")["assignment"]["unit_id"]}
    assert sent == {a["id"], b["id"]}


def test_the_same_record_again_is_the_same_call(client: TestClient, session: Session) -> None:
    first = call(client, "CAD-1")
    again = call(client, "CAD-1", expect=200)
    assert again["id"] == first["id"]
    assert session.scalar(select(func.count()).select_from(Call).where(Call.external_id == "CAD-1")) == 1


def test_a_different_record_under_the_same_external_id_is_a_conflict(client: TestClient) -> None:
    first = call(client, "CAD-1")
    response = client.post(
        "/v1/calls",
        json={"external_id": "CAD-1", "call_type": "SHOTS FIRED", "location": {"lat": 47.6, "lon": -122.3}},
    )
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith("/idempotency-conflict")
    assert response.json()["call_id"] == first["id"]


def test_intake_needs_a_location(client: TestClient) -> None:
    response = client.post("/v1/calls", json={"external_id": "CAD-1", "call_type": "EDP"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "location"


def test_a_rejected_call_leaves_nothing_behind(client: TestClient, session: Session) -> None:
    before = session.scalar(select(func.count()).select_from(Call))
    client.post("/v1/calls", json={"external_id": "CAD-1", "location": {"lat": 47.6, "lon": -122.3}})
    client.post(
        "/v1/calls", json={"external_id": "CAD-2", "call_type": "EDP", "location": {"lat": 99, "lon": 0}}
    )
    assert session.scalar(select(func.count()).select_from(Call)) == before


def test_reading_a_call_and_listing_calls(client: TestClient) -> None:
    unit(client, "P-1", "police", *DOWNTOWN)
    shots = call(client, "CAD-1", call_type="SHOTS FIRED", screening={})
    welfare = call(client, "CAD-2")
    assert client.get(f"/v1/calls/{shots['id']}").json()["assignment"]["call_sign"] == "P-1"
    assert client.get("/v1/calls/999999").status_code == 404
    listed = client.get("/v1/calls", params={"status": "queued"}).json()
    assert [c["id"] for c in listed["items"]] == [welfare["id"]]
    page = client.get("/v1/calls", params={"limit": 1}).json()
    assert [c["id"] for c in page["items"]] == [welfare["id"]]
    rest = client.get("/v1/calls", params={"limit": 1, "cursor": page["next_cursor"]}).json()
    assert [c["id"] for c in rest["items"]] == [shots["id"]]
    assert client.get("/v1/calls", params={"response_type": "police"}).json()["items"][0]["id"] == shots["id"]


def _queue_behind(session: Session, model_call_id: int, count: int) -> None:
    """`count` more waiting calls like `model_call_id`, each with its decision, queued before it (written
    directly: a thousand intakes would only slow the test)."""
    columns = ", ".join(
        c.name for c in Call.__table__.columns if c.name not in ("id", "external_id", "queued_at")
    )
    decision = ", ".join(c.name for c in TriageDecision.__table__.columns if c.name not in ("id", "call_id"))
    session.execute(
        text(
            f"WITH made AS (INSERT INTO calls (external_id, queued_at, {columns}) "  # noqa: S608 (column names)
            f"SELECT 'BULK-' || n, c.queued_at - make_interval(secs => :count + 1 - n), {columns} "
            "FROM calls c, generate_series(1, :count) n WHERE c.id = :id RETURNING id) "
            f"INSERT INTO triage_decisions (call_id, {decision}) "
            f"SELECT made.id, {decision} FROM made, triage_decisions d WHERE d.call_id = :id"
        ),
        {"id": model_call_id, "count": count},
    )
    session.commit()


def test_a_long_queue_is_counted_to_its_bound_and_the_position_says_at_least(
    client: TestClient, session: Session
) -> None:
    # Each answer counts the calls ahead of it, up to QUEUE_COUNTED: further back the position is a lower bound,
    # so an overloaded queue of thousands costs each intake the same as one of a thousand.
    first = call(client, "CAD-1")
    _queue_behind(session, first["id"], QUEUE_COUNTED + 5)  # all of them ahead of CAD-1
    view = client.get(f"/v1/calls/{first['id']}").json()
    assert (view["queue_position"], view["queue_position_at_least"]) == (QUEUE_COUNTED + 1, True)
    late = call(client, "CAD-2")
    assert (late["queue_position"], late["queue_position_at_least"]) == (QUEUE_COUNTED + 1, True)
    urgent = call(client, "CAD-3", call_type="SUICIDE THREAT")  # more urgent: the head of its queue
    assert (urgent["requested_type"], urgent["priority"]) == (late["requested_type"], late["priority"] - 1)
    assert (urgent["queue_position"], urgent["queue_position_at_least"]) == (1, False)
    listed = {
        c["external_id"]: (c["queue_position"], c["queue_position_at_least"])
        for c in client.get("/v1/calls", params={"status": "queued", "limit": 500}).json()["items"]
    }
    assert listed["CAD-3"] == (1, False)
    assert listed["CAD-2"] == (QUEUE_COUNTED + 1, True)
    assert listed[f"BULK-{QUEUE_COUNTED + 5}"] == (QUEUE_COUNTED + 1, True)  # the youngest of the bulk
    assert listed[f"BULK-{QUEUE_COUNTED - 1}"] == (QUEUE_COUNTED, False)  # behind CAD-3 and 998 older ones


def test_a_call_received_in_the_future_is_refused_naming_the_field(client: TestClient) -> None:
    # An adversarial pass: received_at 2099 was stored, every latency measured from it came out negative, and
    # closing the call with police backup "at" any real time was refused as before the call.
    record = {
        "external_id": "FUT-1",
        "call_type": "TRESPASS",
        "location": {"lat": DOWNTOWN[0], "lon": DOWNTOWN[1]},
    }
    future = client.post("/v1/calls", json={**record, "received_at": "2099-06-01T12:00:00Z"})
    assert future.status_code == 422
    assert future.headers["content-type"].startswith("application/problem+json")
    assert future.json()["errors"][0]["field"] == "received_at"
    assert client.get("/v1/calls").json()["items"] == []  # nothing stored
    # A console clock a minute ahead of the service's is tolerated (the fake clock reads 2026-11-22T10:00Z).
    ahead = client.post("/v1/calls", json={**record, "received_at": "2026-11-22T10:01:00Z"})
    assert ahead.status_code == 201, ahead.text
