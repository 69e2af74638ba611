"""Small request helpers for the API tests."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

DOWNTOWN = (47.6097, -122.3331)  # 3rd Ave & Pike St, Seattle
SAFE = {"weapons": False, "violence": False}


def unit(client: TestClient, sign: str, kind: str, lat: float, lon: float, **extra: Any) -> dict[str, Any]:
    response = client.post(
        "/v1/units",
        json={"call_sign": sign, "unit_type": kind, "location": {"lat": lat, "lon": lon}, **extra},
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def call(
    client: TestClient,
    ext: str,
    *,
    call_type: str = "WELFARE CHECK",
    screening: dict[str, Any] | None = None,
    at: tuple[float, float] = DOWNTOWN,
    narrative: str | None = None,
    expect: int = 201,
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "external_id": ext,
        "call_type": call_type,
        "screening": SAFE if screening is None else screening,
        "location": {"lat": at[0], "lon": at[1]},
    }
    if narrative is not None:
        record["narrative"] = narrative
    response = client.post("/v1/calls", json=record)
    assert response.status_code == expect, response.text
    body: dict[str, Any] = response.json()
    return body


def status(client: TestClient, call_id: int, value: str, **extra: Any) -> Any:
    return client.post(f"/v1/calls/{call_id}/status", json={"status": value, **extra})
