"""Logs that help and never leak; input that is refused clearly, never with a 500 or a partial write."""

from __future__ import annotations

import json
import logging

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cadtriage.api.request_log import MAX_BODY_BYTES, JsonFormatter
from cadtriage.calls.models import Call


def test_each_request_gets_an_id_echoed_and_logged_as_a_json_line(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="cadtriage.request"):
        given = client.get("/v1/calls", headers={"X-Request-ID": "console-7.42"})
        minted = client.get("/v1/calls", headers={"X-Request-ID": "bad id\nwith newline"})
        client.get("/v1/calls/42")
        client.get("/v1/calls/Jane Roe")
    assert given.headers["x-request-id"] == "console-7.42"
    assert len(minted.headers["x-request-id"]) == 32  # a malformed id is replaced, not echoed
    lines = [json.loads(JsonFormatter().format(r)) for r in caplog.records if r.name == "cadtriage.request"]
    assert lines[0]["request_id"] == "console-7.42"
    assert lines[0]["actor"] == "test-dispatcher"
    assert {"time", "level", "method", "path", "status", "duration_ms"} <= set(lines[0])
    # The route, not the raw path a client sent (which could hold anything, a caller's name included); ids beside.
    assert (lines[2]["path"], lines[2]["call_id"]) == ("/v1/calls/{call_id}", 42)
    assert (lines[3]["path"], "call_id" in lines[3]) == ("/v1/calls/{call_id}", False)


def test_caller_details_never_reach_the_logs(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    record = {
        "external_id": "CAD-PII",
        "call_type": "EDP",
        "narrative": "caller Jane Roe says son is off meds",
        "location": {"lat": 47.6, "lon": -122.3},
        "caller": {"name": "Jane Roe", "phone": "206-555-0100"},
    }
    with caplog.at_level(logging.DEBUG):
        client.post("/v1/calls", json=record)
        client.post("/v1/calls", json={**record, "caller": {"name": "Jane Roe", "phone": "not a phone!"}})
    text = "\n".join(JsonFormatter().format(r) for r in caplog.records)
    assert "Jane Roe" not in text
    assert "555-0100" not in text


def test_a_body_over_the_limit_is_refused_with_413(client: TestClient, session: Session) -> None:
    huge = {
        "external_id": "CAD-BIG",
        "call_type": "EDP",
        "narrative": "x" * (MAX_BODY_BYTES + 10),
        "location": {"lat": 47.6, "lon": -122.3},
    }
    response = client.post("/v1/calls", json=huge)
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    streamed = client.post(
        "/v1/triage",
        content=iter([b'{"narrative": "', b"y" * (MAX_BODY_BYTES + 1), b'"}']),
        headers={"content-type": "application/json"},
    )
    assert streamed.status_code == 413
    assert session.scalar(select(func.count()).select_from(Call)) == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ('{"external_id": "X", "call_type": "EDP", "location": {"lat": 47.6, "lon": -122.3}', "body"),
        (
            '{"external_id": "X", "call_type": "EDP", "location": {"lat": "north", "lon": -122.3}}',
            "location.lat",
        ),
        ('{"external_id": "", "call_type": "EDP", "location": {"lat": 47.6, "lon": -122.3}}', "external_id"),
        (
            '{"external_id": "X", "call_type": "' + "A" * 201 + '", "location": {"lat": 1, "lon": 1}}',
            "call_type",
        ),
        (
            '{"external_id": "X Y", "call_type": "EDP", "location": {"lat": 47.6, "lon": -122.3}}',
            "external_id",
        ),
        (
            '{"external_id": "X", "call_type": "EDP", "location": {"lat": 47.6, "lon": -122.3}, "received_at": '
            '"2026-11-22T10:00:00"}',
            "received_at",
        ),
        ("[]", "body"),
    ],
)
def test_bad_input_is_a_problem_naming_the_field(
    client: TestClient, session: Session, body: str, field: str
) -> None:
    response = client.post("/v1/calls", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    fields = {e["field"] for e in response.json()["errors"]}
    assert field in fields or (field == "body" and fields), fields
    assert session.scalar(select(func.count()).select_from(Call)) == 0


def test_query_parameters_are_bounded(client: TestClient) -> None:
    assert client.get("/v1/calls", params={"limit": 100000}).json()["errors"][0]["field"] == "limit"
    assert client.get("/v1/calls", params={"status": "lunch"}).json()["errors"][0]["field"] == "status"
    assert client.get("/v1/calls/notanumber").json()["errors"][0]["field"] == "call_id"


def test_coordinates_too_small_to_mean_anything_are_not_a_server_error(client: TestClient) -> None:
    # Found by the fuzzer: a subnormal latitude underflowed in earthdistance's ll_to_earth.
    from tests.api.helpers import as_role

    body = {"call_sign": "0D", "unit_type": "co_responder", "location": {"lat": 5e-324, "lon": 1.5e-44}}
    response = client.post("/v1/units", json=body, headers=as_role(client, "supervisor"))
    assert response.status_code == 201
    assert response.json()["location"] == {"lat": 0.0, "lon": 0.0}
    taken = client.post(
        "/v1/calls",
        json={"external_id": "TINY", "call_type": "EDP", "location": {"lat": -5e-324, "lon": 2.2e-308}},
    )
    assert taken.status_code == 201


NUL = "a\u0000b"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"narrative": NUL}, "narrative"),
        ({"call_type": NUL}, "call_type"),
        ({"location": {"lat": 47.6, "lon": -122.3, "address": NUL}}, "location.address"),
        ({"caller": {"name": NUL}}, "caller.name"),
    ],
)
def test_a_nul_character_in_a_call_is_a_422_naming_the_field_and_nothing_is_stored(
    client: TestClient, session: Session, body: dict[str, object], field: str
) -> None:
    record = {"external_id": "CAD-NUL", "call_type": "EDP", "location": {"lat": 47.6, "lon": -122.3}, **body}
    response = client.post("/v1/calls", json=record)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field in [error["field"] for error in response.json()["errors"]]
    assert session.scalar(select(func.count()).select_from(Call)) == 0


def test_a_nul_character_in_a_reason_or_a_key_is_a_422(client: TestClient) -> None:
    from tests.api.helpers import DOWNTOWN, as_role, call, unit

    crt = unit(client, "CRT-1", "civilian_crisis", *DOWNTOWN)
    taken = call(client, "CAD-1")
    for path, body in (
        (f"/v1/calls/{taken['id']}/cancel", {"reason": NUL}),
        (f"/v1/calls/{taken['id']}/override", {"response_type": "police", "reason": NUL}),
    ):
        assert client.post(path, json=body).status_code == 422, path
    unit_status = client.post(
        f"/v1/units/{crt['id']}/status",
        json={"status": "out_of_service", "reason": NUL},
        headers=as_role(client, "supervisor"),
    )
    assert unit_status.status_code == 422
    key = client.post(
        "/v1/keys", json={"name": "mdt-1", "role": "unit", "unit": NUL}, headers=as_role(client, "admin")
    )
    assert key.status_code == 422


def test_a_database_error_never_shows_the_statement_parameters(db_url: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from cadtriage.db import Database

    database = Database(db_url, pool_size=1)
    try:
        with database.engine.connect() as conn, pytest.raises(DBAPIError) as failed:
            # What a NUL character in a caller's name used to do: the driver refuses it, and the error printed
            # every parameter of the statement.
            conn.execute(text("SELECT :name, :phone"), {"name": "Jane Roe\u0000", "phone": "206-555-0100"})
        assert "Jane Roe" not in str(failed.value)
        assert "206-555-0100" not in str(failed.value)
    finally:
        database.dispose()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"location": {"lat": True, "lon": -122.3}}, "location.lat"),
        ({"location": {"lat": "47.6", "lon": -122.3}}, "location.lat"),
        ({"screening": {"weapons": "yes"}}, "screening.weapons"),
        ({"screening": {"weapons": "n"}}, "screening.weapons"),
        ({"screening": {"violence": 0}}, "screening.violence"),
        ({"received_at": "9999-12-31T23:59:59-14:00"}, "received_at"),
        ({"received_at": "0001-01-01T00:00:00+14:00"}, "received_at"),
        ({"received_at": "2999-01-01T00:00:00Z"}, "received_at"),
        ({"received_at": "2026-11-22T10:15:00"}, "received_at"),
    ],
)
def test_safety_fields_are_not_guessed_at(client: TestClient, body: dict[str, object], field: str) -> None:
    record = {
        "external_id": "CAD-STRICT",
        "call_type": "EDP",
        "location": {"lat": 47.6, "lon": -122.3},
        **body,
    }
    response = client.post("/v1/calls", json=record)
    assert response.status_code == 422, response.text
    assert field in [error["field"] for error in response.json()["errors"]]


@pytest.mark.parametrize("until", ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59-14:00"])
def test_a_time_outside_the_service_years_is_a_422_not_a_500(client: TestClient, until: str) -> None:
    from tests.api.helpers import as_role

    response = client.get("/v1/stats", params={"until": until}, headers=as_role(client, "supervisor"))
    assert response.status_code == 422, response.text


def test_a_stream_filter_on_a_kind_that_does_not_exist_is_a_422_not_a_silent_stream(
    client: TestClient,
) -> None:
    response = client.get("/v1/events", params={"kind": ["call.assigned", "call.asigned"]})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "kind.1"
