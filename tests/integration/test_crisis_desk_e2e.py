"""The crisis desk end to end: a real service with two workers on real PostgreSQL, in transfer mode.

A behavioural call goes triage -> desk -> claim -> each outcome; with every clinician away, each eligible call
leaves the desk within max_wait_s plus one sweep, dispatched as triaged; a clinician's stream carries the desk's
events only. What happened is checked in the database.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.api.helpers import desk_protocol_file
from tests.integration.servers import uvicorn_server
from tests.integration.sse import Subscriber
from tests.pg import PgServer, create_key_in

pytestmark = pytest.mark.slow
MAX_WAIT_S, SWEEP_S = 3, 0.5
DOWNTOWN = {"lat": 47.6097, "lon": -122.3331}


@pytest.fixture(scope="module")
def desk(pg: PgServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    url = pg.copy()
    protocol = desk_protocol_file(tmp_path_factory.mktemp("desk"), "transfer", MAX_WAIT_S)
    keys = {
        role: create_key_in(url, role, name=f"e2e-{role}")
        for role in ("dispatcher", "supervisor", "clinician")
    }
    keys["second-clinician"] = create_key_in(url, "clinician", name="e2e-second-clinician")
    settings = {
        "CADTRIAGE_PROTOCOL_PATH": str(Path(protocol)),
        "CADTRIAGE_ESCALATION_INTERVAL_S": str(SWEEP_S),
    }
    with uvicorn_server(url, workers=2, **settings) as base:
        with httpx.Client(base_url=base, timeout=10) as client:
            for n, kind in enumerate(["civilian_crisis", "co_responder", "police"] * 4):
                registered = client.post(
                    "/v1/units",
                    json={"call_sign": f"U-{n}", "unit_type": kind, "location": DOWNTOWN},
                    headers=bearer(keys["supervisor"]),
                )
                assert registered.status_code == 201, registered.text
        yield {"base": base, "url": url, "keys": keys}


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def take(client: httpx.Client, key: str, ext: str) -> dict[str, Any]:
    response = client.post(
        "/v1/calls",
        json={
            "external_id": ext,
            "call_type": "MENTAL HEALTH",
            "narrative": "RP says her son is hearing voices and scared, no weapons, calm",
            "caller": {"phone": "206-555-0199"},
            "location": DOWNTOWN,
        },
        headers=bearer(key),
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


OUTCOMES = {
    "resolved_by_phone": ("closed", None),
    "transferred_988": ("closed", None),
    "mobile_crisis": ("assigned", "civilian_crisis"),
    "co_responder": ("assigned", "co_responder"),
    "police": ("assigned", "police"),
    "returned_to_dispatch": ("assigned", "civilian_crisis"),
}


def test_a_behavioural_call_through_the_desk_to_each_outcome(desk: dict[str, Any]) -> None:
    keys = desk["keys"]
    stream = Subscriber(f"{desk['base']}/v1/events", keys["clinician"])
    stream.start()
    assert stream.connected.wait(10)
    # Two clients, so that requests spread over both workers.
    with (
        httpx.Client(base_url=desk["base"], timeout=10) as one,
        httpx.Client(base_url=desk["base"], timeout=10) as two,
    ):
        taken = {
            o: take(one if i % 2 else two, keys["dispatcher"], f"E2E-{o}") for i, o in enumerate(OUTCOMES)
        }
        assert {c["status"] for c in taken.values()} == {"on_desk"}
        listed = one.get("/v1/consults", headers=bearer(keys["clinician"])).json()["calls"]
        assert [c["call_id"] for c in listed] == [c["id"] for c in taken.values()]  # oldest first
        for i, (outcome, call) in enumerate(taken.items()):
            client = one if i % 2 else two
            claimed = client.post(f"/v1/consults/{call['id']}/claim", headers=bearer(keys["clinician"]))
            assert claimed.status_code == 200, claimed.text
            second = two.post(f"/v1/consults/{call['id']}/claim", headers=bearer(keys["second-clinician"]))
            assert second.status_code == 409
            done = client.post(
                f"/v1/consults/{call['id']}/outcome",
                json={"outcome": outcome, "rationale": "assessed on the phone"},
                headers=bearer(keys["clinician"]),
            )
            assert done.status_code == 200, done.text
            assert (done.json()["status"], done.json()["dispatched_type"]) == OUTCOMES[outcome], outcome
    engine = create_engine(desk["url"])
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT c.external_id, c.status, c.dispatched_type, k.state, k.outcome, k.claimed_by "
                "FROM calls c JOIN consults k ON k.call_id = c.id WHERE c.external_id LIKE 'E2E-%'"
            )
        ).all()
        for ext, status, sent, state, outcome, by in rows:
            assert (status, sent) == OUTCOMES[ext.removeprefix("E2E-")]
            assert (state, outcome, by) == ("done", ext.removeprefix("E2E-"), "e2e-clinician")
        actors = conn.execute(
            text("SELECT DISTINCT actor FROM events WHERE kind IN ('consult.claimed', 'consult.outcome')")
        ).scalars()
        assert set(actors) == {"e2e-clinician"}
        # The invariant under it all: no unit on two open calls, no call with two open units.
        doubled = conn.execute(
            text(
                "SELECT count(*) FROM (SELECT unit_id FROM assignments WHERE released_at IS NULL "
                "GROUP BY unit_id HAVING count(*) > 1) d"
            )
        ).scalar_one()
        assert doubled == 0
    engine.dispose()
    events = stream.wait_for(6 * 3)  # requested, claimed, outcome for each call
    assert {e["kind"].split(".")[0] for e in events} == {"consult"}


def test_with_every_clinician_away_each_eligible_call_is_dispatched_within_max_wait_and_one_sweep(
    desk: dict[str, Any],
) -> None:
    keys = desk["keys"]
    with httpx.Client(base_url=desk["base"], timeout=10) as client:
        taken = [take(client, keys["dispatcher"], f"AWAY-{n}") for n in range(8)]
    assert {c["status"] for c in taken} == {"on_desk"}
    time.sleep(MAX_WAIT_S + 2 * SWEEP_S + 1)
    engine = create_engine(desk["url"])
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT c.status, k.state, k.not_served, "
                "  extract(epoch FROM left_desk.occurred_at - arrived.occurred_at) AS waited_s "
                "FROM calls c JOIN consults k ON k.call_id = c.id "
                "JOIN events arrived ON arrived.call_id = c.id AND arrived.kind = 'consult.requested' "
                "JOIN events left_desk ON left_desk.call_id = c.id AND left_desk.kind = 'consult.not_served' "
                "WHERE c.external_id LIKE 'AWAY-%'"
            )
        ).all()
    engine.dispose()
    assert len(rows) == len(taken)  # every call left the desk, none silently
    for status, state, reason, waited_s in rows:
        assert (state, reason) == ("not_served", "timed_out")
        assert status in ("assigned", "queued")
        assert MAX_WAIT_S <= float(waited_s) <= MAX_WAIT_S + SWEEP_S + 0.5
