"""Unit capabilities: set at registration and by a supervisor, checked against the protocol's catalogue, lapsing
at their expiry, and shown in every unit view, the unit filters, availability and GeoJSON."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from tests.api.helpers import DOWNTOWN, as_role, unit

# The test clock's day is 2026-11-22.
CIT_LAPSED = {"id": "cit", "expires": "2026-11-21"}
CIT_TODAY = {"id": "cit", "expires": "2026-11-22"}


def put(client: TestClient, unit_id: int, capabilities: list[Any]) -> Any:
    return client.put(
        f"/v1/units/{unit_id}/capabilities",
        json={"capabilities": capabilities},
        headers=as_role(client, "supervisor"),
    )


def test_capabilities_are_shown_with_their_eido_attribute_and_whether_they_count(client: TestClient) -> None:
    officer = unit(client, "P-1", "police", *DOWNTOWN, capabilities=[CIT_TODAY, {"id": "interpreter:es"}])
    assert officer["capabilities"] == [
        {"id": "cit", "expires": "2026-11-22", "active": True, "eido": "CrisisInterventionSpecialist"},
        {"id": "interpreter:es", "expires": None, "active": True, "eido": "SpanishInterpreter"},
    ]
    lapsed = unit(client, "P-2", "police", *DOWNTOWN, capabilities=[CIT_LAPSED, {"id": "medic"}])
    assert [(c["id"], c["active"], c["eido"]) for c in lapsed["capabilities"]] == [
        ("cit", False, "CrisisInterventionSpecialist"),
        ("medic", True, None),
    ]


def test_only_the_catalogues_capabilities_once_each(client: TestClient) -> None:
    headers = as_role(client, "supervisor")
    body = {"call_sign": "P-9", "unit_type": "police", "location": {"lat": DOWNTOWN[0], "lon": DOWNTOWN[1]}}
    for capabilities, field in (
        ([{"id": "medic"}, {"id": "cti"}], "capabilities.1.id"),
        ([{"id": "CIT"}], "capabilities.0.id"),
        ([{"id": "cit"}, {"id": "cit", "expires": "2027-01-01"}], "capabilities"),
        ([{"id": "cit", "expires": "next year"}], "capabilities.0.expires"),
        ([{"id": "cit", "expires": 1_800_000_000}], "capabilities.0.expires"),  # not a Unix time
        ([{"id": "cit", "expires": "2027-06-30T00:00:00Z"}], "capabilities.0.expires"),  # a day, not a moment
    ):
        refused = client.post("/v1/units", json={**body, "capabilities": capabilities}, headers=headers)
        assert refused.status_code == 422, refused.text
        assert field in [e["field"] for e in refused.json()["errors"]], refused.json()
    assert client.get("/v1/units").json()["items"] == []  # nothing refused was stored


def test_a_supervisor_replaces_them_and_the_change_is_recorded(client: TestClient, session: Session) -> None:
    officer = unit(client, "P-1", "police", *DOWNTOWN, capabilities=[{"id": "cit"}])
    changed = put(client, officer["id"], [{"id": "negotiator", "expires": "2027-06-30"}])
    assert changed.status_code == 200, changed.text
    assert [c["id"] for c in changed.json()["capabilities"]] == ["negotiator"]
    assert put(client, officer["id"], [{"id": "psychic"}]).status_code == 422
    assert put(client, 987_654, []).status_code == 404
    event = session.execute(
        text("SELECT actor, data FROM events WHERE kind = 'unit.capabilities' AND unit_id = :u"),
        {"u": officer["id"]},
    ).one()
    assert event.actor == "test-supervisor"
    assert event.data == {"from": {"cit": None}, "to": {"negotiator": "2027-06-30"}}


def test_units_by_capability_count_only_what_has_not_lapsed(client: TestClient) -> None:
    current = unit(client, "P-1", "police", *DOWNTOWN, capabilities=[CIT_TODAY])
    unit(client, "P-2", "police", *DOWNTOWN, capabilities=[CIT_LAPSED])
    unit(client, "P-3", "police", *DOWNTOWN)
    listed = client.get("/v1/units", params={"capability": "cit"}).json()["items"]
    assert [u["call_sign"] for u in listed] == ["P-1"]
    near = client.get("/v1/units", params={"capability": "cit", "near": "47.61,-122.33"}).json()["items"]
    assert [u["id"] for u in near] == [current["id"]]
    counts = client.get("/v1/availability").json()["by_capability"]
    assert counts["cit"] == {"active": 1, "available": 1}
    assert counts["negotiator"] == {"active": 0, "available": 0}
    geojson = client.get(
        "/v1/units", params={"capability": "cit"}, headers={"Accept": "application/geo+json"}
    ).json()
    assert geojson["features"][0]["properties"]["capabilities"][0]["id"] == "cit"
    assert client.get("/v1/units", params={"capability": "CIT!"}).status_code == 422
