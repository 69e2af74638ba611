"""A centre's service area (issue 'Hardening', item 12): a sign typo is refused, not dispatched from the antipodes."""

from __future__ import annotations

import copy

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cadtriage.calls.models import Call
from cadtriage.config import Settings
from cadtriage.units.models import Unit
from tests.api.helpers import as_role, exported, unit

SEATTLE = "-122.46,47.48,-122.22,47.76"


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(database_url=db_url, unit_location_stale_s=900, service_area=SEATTLE)


def _call(lon: float, **extra: object) -> dict[str, object]:
    return {
        "external_id": f"CAD-{lon}",
        "call_type": "WELFARE CHECK",
        "location": {"lat": 47.6, "lon": lon},
        **extra,
    }


def test_a_call_with_a_sign_typo_is_refused_naming_location_and_nothing_is_stored(
    client: TestClient, session: Session
) -> None:
    response = client.post("/v1/calls", json=_call(122.33))
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["field"] == "location"
    assert "outside the service area" in error["message"]
    assert "mutual_aid" in error["message"]
    assert session.scalar(select(func.count()).select_from(Call)) == 0
    assert client.post("/v1/calls", json=_call(-122.33)).status_code == 201


def test_a_mutual_aid_call_outside_the_area_is_taken(client: TestClient) -> None:
    response = client.post("/v1/calls", json=_call(-122.10, mutual_aid=True))  # Bellevue, east of the box
    assert response.status_code == 201
    assert client.post("/v1/calls", json=_call(-122.11, mutual_aid="yes")).status_code == 422  # strict


def test_a_unit_outside_the_area_is_refused_at_registration_and_on_a_ping(
    client: TestClient, session: Session
) -> None:
    supervisor = as_role(client, "supervisor")
    body = {"call_sign": "CRT-1", "unit_type": "civilian_crisis", "location": {"lat": 47.6, "lon": 122.33}}
    refused = client.post("/v1/units", json=body, headers=supervisor)
    assert (refused.status_code, refused.json()["errors"][0]["field"]) == (422, "location")
    assert session.scalar(select(func.count()).select_from(Unit)) == 0
    crt = unit(client, "CRT-1", "civilian_crisis", 47.6, -122.33)
    ping = client.put(
        f"/v1/units/{crt['id']}/location", json={"lat": 47.6, "lon": 122.33}, headers=supervisor
    )
    assert ping.status_code == 422
    assert client.get(f"/v1/units/{crt['id']}").json()["location"] == {"lat": 47.6, "lon": -122.33}
    away = {"lat": 47.61, "lon": -122.10, "mutual_aid": True}
    assert client.put(f"/v1/units/{crt['id']}/location", json=away, headers=supervisor).status_code == 200


def test_a_newer_eido_snapshot_cannot_move_a_waiting_call_outside_the_area(client: TestClient) -> None:
    # An adversarial pass: a new incident at (0, 0) is refused, but a newer snapshot moved a queued call there,
    # out of every unit's range.
    document = exported(
        client
    )  # this centre's call, which takes its only unit; a copy comes back as another's
    foreign = {
        **copy.deepcopy(document),
        "$id": "urn:emergency:uid:incidentid:77:psap.neighbour.example",
        "issuingElementIdentification": "psap.neighbour.example",
    }
    taken = client.post("/v1/eido", json=foreign)
    assert (taken.status_code, taken.json()["status"]) == (201, "queued")
    newer = copy.deepcopy(foreign)
    newer["lastUpdateTimeStamp"] = "2026-11-22T10:05:00.000+00:00"
    position = newer["locationComponent"][0]["locationByValue"]
    start, end = position.index("<gml:pos>") + len("<gml:pos>"), position.index("</gml:pos>")
    newer["locationComponent"][0]["locationByValue"] = position[:start] + "0 0" + position[end:]
    moved = client.post("/v1/eido", json=newer)
    assert moved.status_code == 422, moved.text
    assert moved.json()["errors"][0]["field"] == "location"
    assert client.get(f"/v1/calls/{taken.json()['id']}").json()["location"] == taken.json()["location"]
