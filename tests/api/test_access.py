"""Who may do what: every endpoint, every role, no key and a revoked key."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from cadtriage.access.models import Role
from cadtriage.access.service import create, revoke
from tests.api.helpers import DOWNTOWN, as_role, call, unit
from tests.conftest import FakeClock

D, S, U, A, R, C = "dispatcher", "supervisor", "unit", "admin", "researcher", "clinician"
RECORD = {"external_id": "CAD-NEW", "call_type": "EDP", "location": {"lat": 47.6, "lon": -122.3}}

# (method, path template, roles allowed, body). {call} is a call the unit key's unit is on; {unit} that unit.
MATRIX: list[tuple[str, str, set[str], dict[str, Any] | None]] = [
    ("POST", "/v1/triage", {D, A}, {"call_type": "EDP"}),
    ("POST", "/v1/calls", {D}, RECORD),
    ("GET", "/v1/calls", {D, S}, None),
    ("GET", "/v1/calls/{call}", {D, S, U, C}, None),  # C: a call on the crisis desk (conference mode)
    ("POST", "/v1/calls/{call}/status", {D}, {"status": "en_route"}),
    ("POST", "/v1/calls/{call}/cancel", {D}, {"reason": "caller hung up"}),
    ("POST", "/v1/calls/{call}/override", {D}, {"response_type": "police", "reason": "weapon reported"}),
    ("POST", "/v1/calls/{call}/screening", {D}, {"weapons": False}),
    ("POST", "/v1/calls/{call}/reassign", {D}, {"unit_id": 1, "reason": "knows the family"}),
    ("GET", "/v1/calls/{call}/timeline", {D, S, C}, None),
    ("GET", "/v1/calls/{call}/eido", {D, S}, None),
    ("POST", "/v1/eido", {D}, {"eidoVersion": "1.0"}),
    ("POST", "/v1/eido/subscriptions", {A}, {"url": "http://127.0.0.1:9/eido", "secret": "0123456789abcdef"}),
    ("GET", "/v1/eido/subscriptions", {A}, None),
    ("DELETE", "/v1/eido/subscriptions/{subscription}", {A}, None),
    ("GET", "/v1/eido/deliveries", {A}, None),
    ("GET", "/v1/eido/incidents", {D, S}, None),
    ("POST", "/v1/eido/incidents/{incident}/call", {D}, {"call_type": "WELFARE CHECK"}),
    ("GET", "/v1/consults", {C, D, S}, None),
    ("POST", "/v1/consults/{call}/claim", {C}, None),
    ("POST", "/v1/consults/{call}/outcome", {C}, {"outcome": "returned_to_dispatch"}),
    ("POST", "/v1/consults/{call}/pull", {D, S}, {"reason": "caller now reports a knife"}),
    (
        "POST",
        "/v1/units",
        {S},
        {"call_sign": "NEW-1", "unit_type": "police", "location": {"lat": 47.6, "lon": -122.3}},
    ),
    ("GET", "/v1/units", {D, S}, None),
    ("GET", "/v1/units/{unit}", {D, S, U}, None),
    ("POST", "/v1/units/{unit}/status", {D, S, U}, {"status": "en_route"}),
    ("PUT", "/v1/units/{unit}/location", {D, S, U}, {"lat": 47.61, "lon": -122.33}),
    ("PUT", "/v1/units/{unit}/capabilities", {S}, {"capabilities": [{"id": "cit"}]}),
    ("POST", "/v1/keys", {A}, {"name": "new-console", "role": "dispatcher"}),
    ("GET", "/v1/keys", {A}, None),
    ("POST", "/v1/keys/{key}/revoke", {A}, None),
    ("GET", "/v1/protocol", {A, S}, None),
    ("GET", "/v1/me", {D, S, U, A, R, C}, None),
    ("GET", "/v1/availability", {D, S}, None),
    ("GET", "/v1/queue", {D, S}, None),
    ("GET", "/v1/stats", {D, S}, None),
    ("GET", "/v1/outcomes/stats", {D, S}, None),
    (
        "POST",
        "/v1/calls/{call}/followups",
        {D, S},
        {
            "provider": "Crisis line",
            "due_at": "2026-12-01T10:00:00Z",
            "consent": {"given": True, "method": "verbal"},
        },
    ),
    ("GET", "/v1/followups", {D, S}, None),
    ("GET", "/v1/exports/calls.csv", {S, R}, None),
    ("GET", "/v1/exports/summary.csv", {S, R}, None),
    ("POST", "/v1/followups/{followup}/complete", {D, S}, {"result": "not_reached"}),
    (
        "GET",
        "/v1/events",
        {D, S, C},
        None,
    ),  # allowed roles are checked on a real server: the stream never ends
]
STREAMS = {"/v1/events"}


@pytest.fixture
def world(client: TestClient, session: Session, clock: FakeClock) -> dict[str, Any]:
    """A unit on a call, a key bound to that unit, a revoked key, and a key to revoke."""
    crt = unit(client, "CRT-1", "civilian_crisis", *DOWNTOWN)
    taken = call(client, "CAD-1")
    unit_key = create(
        session, name="crt-1-mdt", role=Role.unit, unit_call_sign="CRT-1", at=clock.now(), actor="test"
    )
    revoked = create(
        session, name="old-console", role=Role.dispatcher, unit_call_sign=None, at=clock.now(), actor="test"
    )
    revoke(session, "old-console", clock.now(), "test")
    create(session, name="spare", role=Role.dispatcher, unit_call_sign=None, at=clock.now(), actor="test")
    followup = client.post(
        f"/v1/calls/{taken['id']}/followups",
        json={
            "provider": "Crisis line",
            "due_at": "2026-12-01T10:00:00Z",
            "consent": {"given": True, "method": "verbal"},
        },
    ).json()
    subscription = client.post(
        "/v1/eido/subscriptions",
        json={"url": "http://127.0.0.1:9/eido", "secret": "0123456789abcdef"},
        headers=as_role(client, "admin"),
    ).json()
    session.commit()
    return {
        "subscription": subscription["id"],
        "call": taken["id"],
        "unit": crt["id"],
        "key": "spare",
        "unit_key": unit_key,
        "revoked": revoked,
        "followup": followup["id"],
        "incident": "urn:emergency:uid:incidentid:none:held.example",  # none held: a dispatcher gets 404
    }


def test_the_matrix_covers_every_endpoint(client: TestClient) -> None:
    listed = {
        (
            m,
            p.replace("{call}", "{call_id}")
            .replace("{unit}", "{unit_id}")
            .replace("{key}", "{name}")
            .replace("{followup}", "{followup_id}")
            .replace("{subscription}", "{subscription_id}")
            .replace("{incident}", "{incident_id}"),
        )
        for m, p, _, _ in MATRIX
    }
    served = {
        (method.upper(), path)
        for path, item in client.get("/openapi.json").json()["paths"].items()
        for method in item
        if path.startswith("/v1")
    }
    assert served == listed


@pytest.mark.parametrize(
    ("method", "template", "allowed", "body"), MATRIX, ids=[f"{m} {p}" for m, p, _, _ in MATRIX]
)
def test_each_role_gets_what_it_may(
    client: TestClient,
    world: dict[str, Any],
    method: str,
    template: str,
    allowed: set[str],
    body: dict[str, Any] | None,
) -> None:
    path = template.format(**world)
    keys = {**client.keys, U: world["unit_key"]}  # type: ignore[attr-defined]
    no_key = client.request(method, path, json=body, headers={"Authorization": ""})
    assert no_key.status_code == 401
    assert no_key.headers["www-authenticate"].startswith("Bearer")
    revoked = client.request(method, path, json=body, headers={"Authorization": f"Bearer {world['revoked']}"})
    assert revoked.status_code == 401
    garbage = client.request(method, path, json=body, headers={"Authorization": "Bearer ctk_not-a-key"})
    assert garbage.status_code == 401
    for role in (D, S, U, A, R, C):
        if role in allowed and template in STREAMS:
            continue
        response = client.request(method, path, json=body, headers={"Authorization": f"Bearer {keys[role]}"})
        if role in allowed:
            assert response.status_code not in (401, 403, 500), (role, response.text)
        else:
            assert response.status_code == 403, (role, response.text)
            assert response.headers["content-type"] == "application/problem+json"


def test_a_unit_key_acts_only_on_its_own_unit_and_call(
    client: TestClient, world: dict[str, Any], session: Session, clock: FakeClock
) -> None:
    other = unit(client, "CRT-2", "civilian_crisis", 47.62, -122.34)
    other_call = call(client, "CAD-2")
    mine = {"Authorization": f"Bearer {world['unit_key']}"}
    assert client.get(f"/v1/units/{other['id']}", headers=mine).status_code == 403
    assert (
        client.post(f"/v1/units/{other['id']}/status", json={"status": "en_route"}, headers=mine).status_code
        == 403
    )
    assert (
        client.put(f"/v1/units/{other['id']}/location", json={"lat": 1, "lon": 1}, headers=mine).status_code
        == 403
    )
    # Another unit's call and a call that does not exist get the same answer: no oracle for which calls exist.
    others = client.get(f"/v1/calls/{other_call['id']}", headers=mine)
    missing = client.get("/v1/calls/987654", headers=mine)
    assert (others.status_code, missing.status_code) == (404, 404)
    assert others.json()["title"] == missing.json()["title"]
    own = client.get(f"/v1/calls/{world['call']}", headers=mine)
    assert own.status_code == 200
    assert (
        client.post(f"/v1/units/{world['unit']}/status", json={"status": "en_route"}, headers=mine).json()[
            "status"
        ]
        == "en_route"
    )
    # Its current call only: once the call is closed the unit key reads it no more (an adversarial pass read
    # every past call a unit had been on, narrative included).
    for step in ("on_scene", "closed"):
        extra = {"disposition": "resolved"} if step == "closed" else {}
        assert (
            client.post(f"/v1/calls/{world['call']}/status", json={"status": step, **extra}).status_code
            == 200
        )
    assert client.get(f"/v1/calls/{world['call']}", headers=mine).status_code == 404


def test_every_change_records_the_key_that_made_it(client: TestClient, world: dict[str, Any]) -> None:
    mine = {"Authorization": f"Bearer {world['unit_key']}"}
    client.post(f"/v1/units/{world['unit']}/status", json={"status": "en_route"}, headers=mine)
    client.post(f"/v1/calls/{world['call']}/cancel", json={"reason": "resolved by phone"})
    actors = [(e["kind"], e["actor"]) for e in client.get(f"/v1/calls/{world['call']}/timeline").json()]
    assert ("call.received", "test-dispatcher") in actors
    assert ("call.en_route", "crt-1-mdt") in actors
    assert ("call.cancelled", "test-dispatcher") in actors


def test_caller_details_are_for_dispatchers_and_supervisors_only(
    client: TestClient, world: dict[str, Any], session: Session, clock: FakeClock
) -> None:
    taken = call(client, "CAD-PII", caller={"name": "Jane Roe", "phone": "+1 206 555 0100"})
    assert taken["caller"] == {"name": "Jane Roe", "phone": "+1 206 555 0100"}
    for role in ("supervisor",):
        assert client.get(f"/v1/calls/{taken['id']}", headers=as_role(client, role)).json()["caller"][
            "name"
        ] == ("Jane Roe")
    crt3 = unit(client, "CRT-3", "civilian_crisis", *DOWNTOWN)
    key = create(
        session, name="crt-3-mdt", role=Role.unit, unit_call_sign="CRT-3", at=clock.now(), actor="test"
    )
    session.commit()
    held = client.get(f"/v1/units/{crt3['id']}").json()["call_id"]
    assert held == taken["id"]  # CRT-3 arrived and took the waiting call
    seen_by_unit = client.get(f"/v1/calls/{held}", headers={"Authorization": f"Bearer {key}"}).json()
    assert seen_by_unit["caller"] is None
    assert seen_by_unit["location"]["lat"] == DOWNTOWN[0]


def test_a_key_says_who_it_is(client: TestClient, world: dict[str, Any]) -> None:
    me = client.get("/v1/me", headers=as_role(client, "supervisor")).json()
    assert me == {"name": "test-supervisor", "role": "supervisor", "unit_id": None}
    unit_key = client.get("/v1/me", headers={"Authorization": f"Bearer {world['unit_key']}"}).json()
    assert (unit_key["role"], unit_key["unit_id"]) == ("unit", world["unit"])


def test_admins_create_list_and_revoke_keys(client: TestClient, world: dict[str, Any]) -> None:
    admin = as_role(client, "admin")
    created = client.post("/v1/keys", json={"name": "console-7", "role": "dispatcher"}, headers=admin)
    assert created.status_code == 201
    key = created.json()["key"]
    assert key.startswith("ctk_")
    listed = client.get("/v1/keys", headers=admin).json()
    assert "key" not in next(k for k in listed if k["name"] == "console-7")
    assert client.get("/v1/calls", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    client.post("/v1/keys/console-7/revoke", headers=admin)
    assert client.get("/v1/calls", headers={"Authorization": f"Bearer {key}"}).status_code == 401
    duplicate = client.post("/v1/keys", json={"name": "console-7", "role": "admin"}, headers=admin)
    assert duplicate.status_code == 409
    unbound = client.post("/v1/keys", json={"name": "mdt", "role": "unit"}, headers=admin)
    assert unbound.status_code == 422
    assert unbound.json()["errors"][0]["field"] == "unit"


def test_revoking_a_name_with_a_control_character_is_refused_naming_the_name(client: TestClient) -> None:
    # A NUL reached PostgreSQL, which refuses it in text: the answer was a 500.
    refused = client.post("/v1/keys/a%00b/revoke", headers=as_role(client, "admin"))
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["errors"][0]["field"] == "name"


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("system:escalation", 422),
        ("SYSTEM:anything", 422),
        ("cli:root", 422),  # the command line's own actors
        ("two\nlines", 422),
        ("x" * 70, 422),
        ("ok-1", 201),
    ],
)
def test_key_names_are_printable_bounded_and_never_the_systems(
    client: TestClient, name: str, status: int
) -> None:
    response = client.post(
        "/v1/keys", json={"name": name, "role": "dispatcher"}, headers=as_role(client, "admin")
    )
    assert response.status_code == status, response.text


def test_the_cli_refuses_a_bad_key_name_plainly(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    import os

    from cadtriage.cli import main
    from cadtriage.config import get_settings

    os.environ["DATABASE_URL"] = db_url
    get_settings.cache_clear()
    try:
        assert main(["keys", "create", "--role", "admin", "--name", "system:escalation"]) == 1
        assert main(["keys", "create", "--role", "admin", "--name", "y" * 70]) == 1
        # A trailing newline passed a `$` check: stored, it broke `keys list` and could not be revoked over the
        # API; at 64 characters it made the insert fail with a traceback.
        assert main(["keys", "create", "--role", "admin", "--name", "nl-x\n"]) == 1
        assert main(["keys", "create", "--role", "admin", "--name", "z" * 64 + "\n"]) == 1
    finally:
        del os.environ["DATABASE_URL"]
        get_settings.cache_clear()
    err = capsys.readouterr().err
    assert "invalid key name" in err
    assert "Traceback" not in err
