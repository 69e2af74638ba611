"""More dispatchers at once than a worker has connections: they wait their turn, none stalls the process."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import create_engine, text

from tests.integration.servers import uvicorn_server
from tests.pg import PgServer, create_key_in

# Twice the worker threads a process gets by default (40): with requests holding a connection while they waited
# for a thread, and threads waiting for a connection, this many at once used to stall until the pool timed out.
DISPATCHERS = 80


async def _post_all(base: str, key: str) -> list[int]:
    limits = httpx.Limits(max_connections=DISPATCHERS)
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits, headers=headers) as client:
        responses = await asyncio.gather(
            *(
                client.post(
                    "/v1/calls",
                    json={
                        "external_id": f"CAD-{n}",
                        "call_type": "WELFARE CHECK",
                        "location": {"lat": 47.6097, "lon": -122.3331},
                    },
                )
                for n in range(DISPATCHERS)
            )
        )
    return [r.status_code for r in responses]


def test_more_dispatchers_than_connections_are_all_answered(pg: PgServer) -> None:
    url = pg.copy()
    key = create_key_in(url, "dispatcher")
    # One worker with a pool of one connection (two with overflow): every request but two must wait.
    # Admission control would refuse most of them at once; this test is about those it lets wait for the pool.
    with uvicorn_server(url, workers=1, CADTRIAGE_DB_POOL_SIZE="1", CADTRIAGE_MAX_IN_FLIGHT="100") as base:
        codes = asyncio.run(_post_all(base, key))
    assert codes == [201] * DISPATCHERS
    engine = create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM calls")).scalar() == DISPATCHERS
    engine.dispose()
