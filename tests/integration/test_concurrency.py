"""Many dispatchers and units at once, through two real uvicorn workers: the invariants hold in the database."""

from __future__ import annotations

import asyncio
import csv
import random
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.integration.invariants import idle_matches, violations
from tests.integration.servers import uvicorn_server
from tests.pg import PgServer, create_key_in

pytestmark = pytest.mark.slow
INCIDENTS = Path(__file__).parents[1] / "fixtures" / "seattle_incidents_2016.csv"
LIMITS = {"police": 40_000.0, "co_responder": 25_000.0, "civilian_crisis": 15_000.0}
SCREENINGS = [{}, {"weapons": False, "violence": False}, {"weapons": True}, {"behavioral_health": True}]


@pytest.fixture
def server(pg: PgServer) -> Iterator[tuple[str, str, dict[str, str]]]:
    """`uvicorn --workers 2` on a fresh database; yields (base URL, database URL, keys by role)."""
    url = pg.copy()
    keys = {role: create_key_in(url, role) for role in ("dispatcher", "supervisor")}
    # 64 clients at once on two workers: admission control would refuse some, and this test is about the ones let in.
    settings = {"CADTRIAGE_ESCALATION_INTERVAL_S": "0.5", "CADTRIAGE_MAX_IN_FLIGHT": "200"}
    with uvicorn_server(url, workers=2, **settings) as base:
        yield base, url, keys


def _incidents() -> list[dict[str, str]]:
    with INCIDENTS.open(newline="") as handle:
        return list(csv.DictReader(handle))


async def _dispatcher(client: httpx.AsyncClient, records: list[dict[str, Any]], results: list[Any]) -> None:
    for record in records:
        response = await client.post("/v1/calls", json=record)
        results.append((record["external_id"], response.status_code, response.json()))


async def _unit_client(
    client: httpx.AsyncClient, unit_id: int, rounds: int, rng: random.Random, codes: Counter[int]
) -> None:
    # Moves its unit through its calls as a crew would, with an occasional breakdown.
    for _ in range(rounds):
        unit = (await client.get(f"/v1/units/{unit_id}")).json()
        if unit["call_id"] is None:
            if unit["status"] == "out_of_service" or rng.random() < 0.1:
                target = "available" if unit["status"] == "out_of_service" else "out_of_service"
                codes[
                    (await client.post(f"/v1/units/{unit_id}/status", json={"status": target})).status_code
                ] += 1
            await asyncio.sleep(0.01)
            continue
        call_id = unit["call_id"]
        if unit["status"] == "dispatched" and rng.random() < 0.15:
            response = await client.post(f"/v1/units/{unit_id}/status", json={"status": "out_of_service"})
            codes[response.status_code] += 1
            continue
        for step in ("en_route", "on_scene"):
            codes[(await client.post(f"/v1/units/{unit_id}/status", json={"status": step})).status_code] += 1
        response = await client.post(
            f"/v1/calls/{call_id}/status", json={"status": "closed", "disposition": "resolved"}
        )
        codes[response.status_code] += 1


async def _run(base: str, keys: dict[str, str]) -> tuple[list[Any], Counter[int], dict[str, int]]:
    rng = random.Random(911)
    incidents = _incidents()
    limits = httpx.Limits(max_connections=64)
    headers = {"Authorization": f"Bearer {keys['dispatcher']}"}
    supervisor = {"Authorization": f"Bearer {keys['supervisor']}"}
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits, headers=headers) as client:
        unit_ids = []
        for i, (kind, lat, lon) in enumerate(
            [
                ("police", 47.61, -122.33),
                ("police", 47.66, -122.35),
                ("co_responder", 47.60, -122.32),
                ("co_responder", 47.55, -122.29),
                ("civilian_crisis", 47.615, -122.34),
                ("civilian_crisis", 47.67, -122.38),
            ]
        ):
            response = await client.post(
                "/v1/units",
                json={"call_sign": f"U-{i}", "unit_type": kind, "location": {"lat": lat, "lon": lon}},
                headers=supervisor,
            )
            unit_ids.append(response.json()["id"])
        records = []
        for n, incident in enumerate(rng.sample(incidents, 240)):
            records.append(
                {
                    "external_id": f"SPD-{incident['cad_event_number']}-{n}",
                    "call_type": incident["initial_type"],
                    "screening": rng.choice(SCREENINGS),
                    "location": {
                        "lat": float(incident["latitude"]),
                        "lon": float(incident["longitude"]),
                        "address": incident["hundred_block"],
                    },
                }
            )
        # 20 records sent three times each, concurrently: replays must collapse into one call.
        replays = [records[i] for i in range(0, 60, 3)] * 2
        batches = [records[i::24] for i in range(24)] + [replays[i::8] for i in range(8)]
        results: list[Any] = []
        codes: Counter[int] = Counter()
        await asyncio.gather(
            *(_dispatcher(client, batch, results) for batch in batches),
            *(_unit_client(client, uid, 25, random.Random(uid), codes) for uid in unit_ids),
        )
        await asyncio.sleep(1.5)  # let a periodic escalation sweep run
        expected = {r["external_id"]: 1 for r in records}
    return results, codes, expected


def test_concurrent_intake_and_unit_changes_keep_every_invariant(
    server: tuple[str, str, dict[str, str]],
) -> None:
    base, url, keys = server
    results, codes, expected = asyncio.run(_run(base, keys))
    intake_codes = Counter(code for _, code, _ in results)
    assert set(intake_codes) <= {200, 201}, intake_codes
    assert intake_codes[201] == len(expected)  # every record created exactly once, replays answered 200
    assert len(results) >= 280
    assert set(codes) <= {200, 409}, codes  # a unit racing the dispatcher may be refused, never a 500
    assert sum(codes.values()) >= 100

    engine = create_engine(url)
    with engine.connect() as conn:
        assert violations(conn) == {}
        stored = dict(conn.execute(text("SELECT external_id, id FROM calls")).all())
        for external_id, _code, body in results:
            assert stored[external_id] == body["id"], external_id  # every answer names the stored call
        assert set(stored) == set(expected)
        assert idle_matches(conn, LIMITS) == []  # no queued call sits beside a free unit that could take it
        closed = conn.execute(text("SELECT count(*) FROM calls WHERE status = 'closed'")).scalar()
        assert closed
        assert closed > 20
    engine.dispose()


async def _meddling_dispatcher(
    client: httpx.AsyncClient, call_ids: list[int], rounds: int, rng: random.Random, codes: Counter[int]
) -> None:
    # Overrides, later screening answers, cancels and closes on random calls, racing the units and each other.
    for _ in range(rounds):
        call_id = rng.choice(call_ids)
        action = rng.random()
        if action < 0.35:
            body = {"response_type": rng.choice(list(LIMITS)), "reason": "new information"}
            response = await client.post(f"/v1/calls/{call_id}/override", json=body)
        elif action < 0.7:
            answers = rng.choice(
                [{"weapons": True}, {"weapons": False, "violence": False}, {"medical_emergency": True}]
            )
            response = await client.post(f"/v1/calls/{call_id}/screening", json=answers)
        elif action < 0.85:
            response = await client.post(f"/v1/calls/{call_id}/cancel", json={"reason": "caller called back"})
        else:
            response = await client.post(f"/v1/calls/{call_id}/status", json={"status": "on_scene"})
        codes[response.status_code] += 1


async def _pinging_unit(
    client: httpx.AsyncClient, unit_id: int, rounds: int, rng: random.Random, codes: Counter[int]
) -> None:
    for _ in range(rounds):
        position = {"lat": 47.6 + rng.random() * 0.08, "lon": -122.38 + rng.random() * 0.08}
        codes[(await client.put(f"/v1/units/{unit_id}/location", json=position)).status_code] += 1


async def _mixed(base: str, keys: dict[str, str]) -> Counter[int]:
    rng = random.Random(113)
    headers = {"Authorization": f"Bearer {keys['dispatcher']}"}
    supervisor = {"Authorization": f"Bearer {keys['supervisor']}"}
    limits = httpx.Limits(max_connections=64)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits, headers=headers) as client:
        unit_ids = []
        for i, kind in enumerate(list(LIMITS) * 3):
            location = {"lat": 47.6 + rng.random() * 0.08, "lon": -122.38 + rng.random() * 0.08}
            body = {"call_sign": f"M-{i}", "unit_type": kind, "location": location}
            unit_ids.append((await client.post("/v1/units", json=body, headers=supervisor)).json()["id"])
        call_ids = []
        for n, incident in enumerate(rng.sample(_incidents(), 60)):
            record = {
                "external_id": f"MIX-{n}",
                "call_type": incident["initial_type"],
                "screening": rng.choice(SCREENINGS),
                "location": {"lat": float(incident["latitude"]), "lon": float(incident["longitude"])},
            }
            call_ids.append((await client.post("/v1/calls", json=record)).json()["id"])
        codes: Counter[int] = Counter()
        await asyncio.gather(
            *(_meddling_dispatcher(client, call_ids, 30, random.Random(n), codes) for n in range(6)),
            *(_unit_client(client, uid, 12, random.Random(uid), codes) for uid in unit_ids),
            *(_pinging_unit(client, uid, 10, random.Random(-uid), codes) for uid in unit_ids[:4]),
        )
        await asyncio.sleep(1.5)  # a periodic sweep runs: it dispatches any call a free unit could take
    return codes


def test_mixed_operations_from_many_clients_keep_every_invariant(
    server: tuple[str, str, dict[str, str]],
) -> None:
    # Randomized interleavings of every kind of change (override, screening, cancel, close, unit steps, pings)
    # through two workers; every invariant, including each call's timeline chaining to its status, is then
    # checked in the database.
    base, url, keys = server
    codes = asyncio.run(_mixed(base, keys))
    assert set(codes) <= {200, 409}, codes  # refused when a race makes a request stale, never a 500
    assert codes[200] >= 150
    engine = create_engine(url)
    with engine.connect() as conn:
        assert violations(conn) == {}
        assert idle_matches(conn, LIMITS) == []
    engine.dispose()
