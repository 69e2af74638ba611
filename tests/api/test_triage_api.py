"""POST /v1/triage: a dry run — a decision out, nothing stored."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cadtriage.calls.models import Call

DESIGN_RECORD = {
    "external_id": "CAD-2026-000123",
    "call_type": "SUICIDAL PERSON",
    "narrative": "RP says brother is off his meds, hearing voices, no weapons",
    "screening": {
        "weapons": False,
        "violence": False,
        "crime_in_progress": False,
        "medical_emergency": False,
        "self_harm": None,
        "behavioral_health": True,
    },
    "location": {"lat": 47.6097, "lon": -122.3331, "address": "3RD AV / PIKE ST"},
    "received_at": "2026-11-22T10:15:00Z",
}


def test_the_design_record_gets_an_explained_decision_and_nothing_is_stored(
    client: TestClient, session: Session
) -> None:
    before = session.scalar(select(func.count()).select_from(Call))
    response = client.post("/v1/triage", json=DESIGN_RECORD)
    assert response.status_code == 200
    decision = response.json()
    assert decision["response_type"] == "civilian_crisis"
    assert decision["priority"] == 2
    assert decision["protocol_version"] == "2026.12.21"
    assert decision["rules"] == ["civilian.suicidal"]
    assert {"source": "screening", "fact": "weapons", "field": "weapons", "value": False} in [
        {k: v for k, v in e.items() if v is not None} for e in decision["evidence"]
    ]
    assert session.scalar(select(func.count()).select_from(Call)) == before


def test_location_is_optional_for_a_dry_run(client: TestClient) -> None:
    response = client.post("/v1/triage", json={"call_type": "SHOTS FIRED"})
    assert response.status_code == 200
    assert response.json()["response_type"] == "police"


def test_nothing_to_triage_on_is_a_422_naming_the_fields(client: TestClient) -> None:
    response = client.post("/v1/triage", json={"location": {"lat": 47.6, "lon": -122.3}})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert {e["field"] for e in response.json()["errors"]} == {"call_type", "narrative", "screening"}


def test_a_bad_screening_answer_is_a_422_naming_the_field(client: TestClient) -> None:
    response = client.post("/v1/triage", json={"call_type": "EDP", "screening": {"weapons": "maybe"}})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "screening.weapons"


def test_unknown_fields_are_refused(client: TestClient) -> None:
    response = client.post("/v1/triage", json={"call_type": "EDP", "caller_mood": "sad"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "caller_mood"


def test_a_latitude_out_of_range_is_refused(client: TestClient) -> None:
    response = client.post("/v1/triage", json={"call_type": "EDP", "location": {"lat": 91, "lon": 0}})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "location.lat"
