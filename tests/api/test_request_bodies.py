"""Bodies are JSON documents with each key once (issue 'Hardening', items 10 and 11); nothing else reaches a route."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cadtriage.calls.models import Call

CALL = (
    '{"external_id": "CAD-1", "call_type": "WELFARE CHECK",'
    ' "screening": {"weapons": true, "violence": false}, "location": {"lat": 47.6, "lon": -122.3}}'
)


def _stored(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Call)) or 0


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"]
)
def test_a_body_that_is_not_sent_as_json_is_a_415(
    client: TestClient, session: Session, content_type: str
) -> None:
    response = client.post("/v1/calls", content=CALL, headers={"Content-Type": content_type})
    assert response.status_code == 415
    assert response.headers["content-type"] == "application/problem+json"
    assert "application/json" in response.json()["detail"]
    assert _stored(session) == 0


def test_json_with_a_charset_or_a_json_suffix_is_accepted(client: TestClient) -> None:
    sent = client.post("/v1/calls", content=CALL, headers={"Content-Type": "application/json; charset=utf-8"})
    assert sent.status_code == 201
    suffixed = CALL.replace("CAD-1", "CAD-2")
    assert (
        client.post(
            "/v1/calls", content=suffixed, headers={"Content-Type": "application/vnd.cad+json"}
        ).status_code
        == 201
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        # The same answer twice, disagreeing: a reader of the first copy would send a civilian team to a gun.
        (CALL.replace('"weapons": true,', '"weapons": true, "weapons": false,'), "screening.weapons"),
        (
            CALL.replace(
                '"call_type": "WELFARE CHECK",', '"call_type": "WELFARE CHECK", "call_type": "EDP",'
            ),
            "call_type",
        ),
        ('{"units": [{"a": 1, "a": 2}]}', "units.0.a"),
    ],
)
def test_a_key_given_twice_is_a_422_naming_it_and_nothing_is_stored(
    client: TestClient, session: Session, body: str, field: str
) -> None:
    response = client.post("/v1/calls", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": field, "message": "given more than once"}]
    assert _stored(session) == 0


def test_a_body_that_does_not_parse_says_where(client: TestClient) -> None:
    response = client.post(
        "/v1/calls",
        content='{"external_id": "CAD-1",\n "call_type": }',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["field"] == "body"
    assert "line 2, column 15" in error["message"]
    latin1 = client.post(
        "/v1/calls", content=b'{"narrative": "caf\xe9"}', headers={"Content-Type": "application/json"}
    )
    assert (latin1.status_code, latin1.json()["errors"][0]["message"]) == (422, "not UTF-8")


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        # Each of these parsed in Python and failed later with a 500 (found by an adversarial client).
        (b"[" * 5000 + b"]" * 5000, "body", "nested more than 64 levels deep"),
        (b'{"a":' * 3000 + b"1" + b"}" * 3000, "body", "nested more than 64 levels deep"),
        (b'{"a":' * 70 + b"1" + b"}" * 70, "a." * 64 + "a", "nested more than 64 levels deep"),
        (CALL.replace("47.6", "4" + "0" * 5000).encode(), "body", "a number of more than 4,300 digits"),
        (CALL.replace("47.6", "NaN").encode(), "body", "not a JSON document: NaN is not a JSON number"),
        (
            CALL.replace("WELFARE CHECK", "WELFARE\\u0000CHECK").encode(),
            "call_type",
            "contains a NUL character",
        ),
        (
            CALL.replace("CAD-1", "CAD-\\ud800").encode(),
            "external_id",
            "contains an unpaired surrogate (not UTF-8)",
        ),
        (b'{"note\\u0000": 1}', "note\x00", "its name contains a NUL character"),
    ],
)
def test_what_no_database_or_json_peer_takes_is_a_422_naming_where(
    client: TestClient, session: Session, body: bytes, field: str, message: str
) -> None:
    response = client.post("/v1/calls", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 422, response.text
    assert response.json()["errors"] == [{"field": field, "message": message}]
    assert _stored(session) == 0


def test_an_escaped_backslash_before_u0000_is_text_and_a_surrogate_pair_is_a_character(
    client: TestClient,
) -> None:
    narrative = CALL.replace('"call_type"', '"narrative": "path C:\\\\u0000 and \\ud83d\\ude00", "call_type"')
    assert (
        client.post("/v1/calls", content=narrative, headers={"Content-Type": "application/json"}).status_code
        == 201
    )
