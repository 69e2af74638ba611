"""Supervisors: availability, units near a point (and as GeoJSON), the queue, statistics, metrics."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cadtriage.units.models import Unit
from tests.api.helpers import DOWNTOWN, as_role, call, status, unit
from tests.conftest import FakeClock


def _counts_in_db(session: Session) -> dict[tuple[str, str], int]:
    rows = session.execute(
        select(Unit.unit_type, Unit.status, func.count()).group_by(Unit.unit_type, Unit.status)
    )
    return {(t, s): n for t, s, n in rows}


def test_availability_counts_agree_with_the_database_as_units_change(
    client: TestClient, session: Session
) -> None:
    crt = unit(client, "CRT-1", "civilian_crisis", *DOWNTOWN)
    unit(client, "CRT-2", "civilian_crisis", 47.62, -122.34)
    police = unit(client, "P-1", "police", 47.61, -122.33)
    call(client, "CAD-1")
    client.post(f"/v1/units/{police['id']}/status", json={"status": "out_of_service"})
    client.post(f"/v1/units/{crt['id']}/status", json={"status": "en_route"})
    counts = client.get("/v1/availability").json()["counts"]
    for (kind, state), n in _counts_in_db(session).items():
        assert counts[kind][state] == n
    assert counts["civilian_crisis"] == {
        "available": 1,
        "dispatched": 0,
        "en_route": 1,
        "on_scene": 0,
        "transporting": 0,
        "out_of_service": 0,
    }
    assert counts["co_responder"]["available"] == 0


def test_the_nearest_available_units_with_distances_and_radius(client: TestClient) -> None:
    unit(client, "CRT-FAR", "civilian_crisis", 47.70, -122.30)
    unit(client, "CRT-NEAR", "civilian_crisis", 47.611, -122.334)
    unit(client, "P-NEAR", "police", 47.6098, -122.3332)
    body = client.get(
        "/v1/availability", params={"near": "47.6097,-122.3331", "unit_type": "civilian_crisis"}
    ).json()
    assert [u["call_sign"] for u in body["nearest"]] == ["CRT-NEAR", "CRT-FAR"]
    assert body["nearest"][0]["distance_m"] < body["nearest"][1]["distance_m"]
    within = client.get("/v1/availability", params={"near": "47.6097,-122.3331", "radius_m": 1000}).json()
    assert [u["call_sign"] for u in within["nearest"]] == ["P-NEAR", "CRT-NEAR"]
    bad = client.get("/v1/availability", params={"near": "north"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "near"


def test_units_near_a_point_and_as_geojson(client: TestClient) -> None:
    unit(client, "CRT-1", "civilian_crisis", 47.611, -122.334)
    unit(client, "P-1", "police", 47.70, -122.30)
    near = client.get("/v1/units", params={"near": "47.6097,-122.3331", "radius_m": 5000}).json()
    assert [u["call_sign"] for u in near["items"]] == ["CRT-1"]
    geo = client.get("/v1/units", headers={"Accept": "application/geo+json"})
    assert geo.headers["content-type"] == "application/geo+json"
    collection = geo.json()
    assert collection["type"] == "FeatureCollection"
    feature = collection["features"][0]
    assert feature["geometry"] == {"type": "Point", "coordinates": [-122.334, 47.611]}
    assert feature["properties"]["call_sign"] == "CRT-1"


def test_units_pagination_is_stable_while_units_are_added(client: TestClient) -> None:
    for i in range(5):
        unit(client, f"U-{i}", "police", 47.6, -122.3)
    first = client.get("/v1/units", params={"limit": 2}).json()
    unit(client, "U-NEW", "police", 47.6, -122.3)
    rest = []
    cursor = first["next_cursor"]
    while cursor is not None:
        page = client.get("/v1/units", params={"limit": 2, "cursor": cursor}).json()
        rest += page["items"]
        cursor = page["next_cursor"]
    signs = [u["call_sign"] for u in first["items"] + rest]
    assert signs == ["U-0", "U-1", "U-2", "U-3", "U-4", "U-NEW"]


def test_calls_pagination_is_stable_while_calls_arrive(client: TestClient) -> None:
    ids = [call(client, f"CAD-{i}")["id"] for i in range(5)]
    first = client.get("/v1/calls", params={"limit": 2}).json()
    call(client, "CAD-NEW")  # newest first: a new call must not shift the pages already being read
    rest, cursor = [], first["next_cursor"]
    while cursor is not None:
        page = client.get("/v1/calls", params={"limit": 2, "cursor": cursor}).json()
        rest += page["items"]
        cursor = page["next_cursor"]
    assert [c["id"] for c in first["items"] + rest] == sorted(ids, reverse=True)


def test_the_queue_shows_order_waits_and_the_oldest_wait(client: TestClient, clock: FakeClock) -> None:
    low = call(client, "CAD-LOW", call_type="TRESPASS")
    clock.advance(60)
    urgent = call(client, "CAD-S", call_type="SUICIDE THREAT")
    clock.advance(30)
    body = client.get("/v1/queue").json()
    civilian = body["types"]["civilian_crisis"]
    assert civilian["depth"] == 2
    assert civilian["oldest_wait_s"] == 90
    assert [(c["call_id"], c["position"], c["wait_s"]) for c in civilian["calls"]] == [
        (urgent["id"], 1, 30.0),
        (low["id"], 2, 90.0),
    ]
    # The protocol escalates a civilian call after 900 s of waiting: each call says when.
    for waiting in civilian["calls"]:
        due = datetime.fromisoformat(waiting["escalates_at"]) - datetime.fromisoformat(waiting["queued_at"])
        assert due == timedelta(seconds=900)
    assert body["types"]["police"] == {"depth": 0, "oldest_wait_s": None, "calls": []}


def test_stats_decided_versus_sent_with_latencies_and_eligible_versus_served(
    client: TestClient, clock: FakeClock
) -> None:
    since = clock.now().isoformat()
    crt = unit(client, "CRT-1", "civilian_crisis", *DOWNTOWN)
    unit(client, "P-1", "police", 47.62, -122.34)
    served = call(client, "CAD-1")  # assigned at once
    clock.advance(120)
    status(client, served["id"], "on_scene")
    status(client, served["id"], "closed", disposition="resolved")
    overridden = call(client, "CAD-2")  # takes CRT-1 again
    clock.advance(30)  # the override's police unit is a second assignment: time to assignment stays 0
    client.post(
        f"/v1/calls/{overridden['id']}/override", json={"response_type": "police", "reason": "gun seen"}
    )
    client.post(f"/v1/units/{crt['id']}/status", json={"status": "out_of_service"})
    waiting = call(client, "CAD-3")
    cancelled = call(client, "CAD-4")
    client.post(f"/v1/calls/{cancelled['id']}/cancel", json={"reason": "caller left"})
    call(client, "CAD-5", call_type="SHOTS FIRED", screening={})
    clock.advance(1)
    body = client.get("/v1/stats", params={"since": since}, headers=as_role(client, "supervisor")).json()
    civilian = body["by_response_type"]["civilian_crisis"]
    assert (civilian["decided"], civilian["sent_as_decided"], civilian["overridden"]) == (4, 1, 1)
    assert civilian["intake_to_assignment"] == {"median_s": 0.0, "p90_s": 0.0}
    assert civilian["intake_to_on_scene"]["median_s"] == 120.0
    assert body["by_response_type"]["police"]["decided"] == 1
    eligible = body["civilian_crisis"]
    assert (eligible["eligible"], eligible["served"], eligible["served_share"]) == (4, 1, 0.25)
    assert eligible["not_served_reasons"] == {
        "override": 1,
        "still_waiting": 1,
        "cancelled_before_dispatch": 1,  # the caller ended it: not a shortage of units
    }
    assert waiting["status"] == "queued"
    assert client.get("/v1/stats", params={"since": since, "until": since}).status_code == 422


def test_metrics_in_prometheus_format(client: TestClient, clock: FakeClock) -> None:
    unit(client, "CRT-1", "civilian_crisis", *DOWNTOWN)
    call(client, "CAD-1")
    call(client, "CAD-2")
    text = client.get("/metrics", headers={"Authorization": ""}).text
    assert 'cadtriage_calls_total{response_type="civilian_crisis"} 2.0' in text
    assert 'cadtriage_queue_depth{response_type="civilian_crisis"} 1.0' in text
    assert 'cadtriage_assignment_latency_seconds_bucket{le="0.05"} 1' in text
    assert "cadtriage_assignment_latency_seconds_count 1" in text
