"""A dispatcher's choice of unit under concurrency: many dispatchers reassigning calls among a few units at once,
with units freed and calls closed meanwhile, through two real uvicorn workers. The invariants hold in the
database, and every refusal is a clean 409."""

from __future__ import annotations

import asyncio
import random
from collections import Counter

import httpx
import pytest
from sqlalchemy import create_engine

from tests.integration.invariants import violations
from tests.integration.servers import uvicorn_server
from tests.pg import PgServer, create_key_in

pytestmark = pytest.mark.slow
DOWNTOWN = (47.6097, -122.3331)


async def _reassigner(
    client: httpx.AsyncClient, calls: list[int], units: list[int], rng: random.Random, codes: Counter[int]
) -> None:
    for _ in range(40):
        response = await client.post(
            f"/v1/calls/{rng.choice(calls)}/reassign",
            json={"unit_id": rng.choice(units), "reason": "dispatcher knows better"},
        )
        codes[response.status_code] += 1
        assert response.status_code in (200, 409), response.text


def test_concurrent_reassignments_keep_every_invariant(pg: PgServer) -> None:
    url = pg.copy()
    keys = {role: create_key_in(url, role) for role in ("dispatcher", "supervisor")}
    settings = {"CADTRIAGE_MAX_IN_FLIGHT": "200"}
    with uvicorn_server(url, workers=2, **settings) as base:
        supervisor = {"Authorization": f"Bearer {keys['supervisor']}"}
        dispatcher = {"Authorization": f"Bearer {keys['dispatcher']}"}
        with httpx.Client(base_url=base, timeout=30) as client:
            units = []
            for n in range(8):
                lat, lon = DOWNTOWN[0] + n * 0.002, DOWNTOWN[1]
                body = {
                    "call_sign": f"CRT-{n}",
                    "unit_type": "civilian_crisis",
                    "location": {"lat": lat, "lon": lon},
                }
                units.append(client.post("/v1/units", json=body, headers=supervisor).json()["id"])
            calls = []
            for n in range(4):  # half the units on calls, half free to be chosen
                record = {
                    "external_id": f"CAD-{n}",
                    "call_type": "WELFARE CHECK",
                    "screening": {"weapons": False, "violence": False},
                    "location": {"lat": DOWNTOWN[0], "lon": DOWNTOWN[1]},
                }
                calls.append(client.post("/v1/calls", json=record, headers=dispatcher).json()["id"])

        async def run() -> Counter[int]:
            codes: Counter[int] = Counter()
            async with httpx.AsyncClient(base_url=base, timeout=30, headers=dispatcher) as client:
                await asyncio.gather(
                    *(_reassigner(client, calls, units, random.Random(seed), codes) for seed in range(12))
                )
            return codes

        codes = asyncio.run(run())
    assert codes[200] > 20, codes  # real reassignments happened, not only refusals
    engine = create_engine(url)
    with engine.connect() as connection:
        assert violations(connection) == {}
    engine.dispose()
