"""Dispatch runs on the event loop: intake, unit reports and reads need no worker thread.

Before, every handler took one of the worker's threads, so whatever held them all (a crowd of requests, slow
exports) stopped intake with them, and the loop that answers 503s and readiness probes shared the GIL with
twenty busy threads. Now handlers run in greenlets on the loop (`api.session.LoopRoute`) on the async driver.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import anyio
import anyio.to_thread
import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from cadtriage.api.app import create_app
from cadtriage.config import Settings
from cadtriage.db import Database
from cadtriage.seed import seed_demo_if_empty
from tests.pg import PgServer, create_key_in

INTAKE = {"external_id": "LOOP-1", "call_type": "WELFARE CHECK", "location": {"lat": 47.61, "lon": -122.33}}


@pytest.fixture
def served(pg: PgServer) -> Iterator[tuple[TestClient, Database]]:
    url = pg.copy()
    seed_demo_if_empty(url)
    database = Database(url, pool_size=2)
    app = create_app(Settings(database_url=url), database=database, run_escalation=False)
    headers = {"Authorization": f"Bearer {create_key_in(url, 'dispatcher')}"}
    with TestClient(app, raise_server_exceptions=False, headers=headers) as client:
        yield client, database
    database.dispose()


def answered_within(seconds: float, request: Callable[[], httpx.Response]) -> httpx.Response | None:
    """The response, or None when it did not come in time (the request is left to finish on its own)."""
    got: list[httpx.Response] = []
    worker = threading.Thread(target=lambda: got.append(request()), daemon=True)
    worker.start()
    worker.join(seconds)
    return got[0] if got else None


def test_intake_and_reads_are_answered_while_every_worker_thread_is_taken(
    served: tuple[TestClient, Database],
) -> None:
    client, database = served
    portal = client.portal
    assert portal is not None
    limiter = portal.call(anyio.to_thread.current_default_thread_limiter)
    holders = [object() for _ in range(int(limiter.total_tokens))]
    for holder in holders:  # what a crowd of slow threaded requests would hold
        portal.call(limiter.acquire_on_behalf_of, holder)
    try:
        created = answered_within(20, lambda: client.post("/v1/calls", json=INTAKE))
        assert created is not None, "intake waited for a worker thread"
        assert created.status_code == 201, created.text
        call_id = created.json()["id"]
        read = answered_within(20, lambda: client.get(f"/v1/calls/{call_id}"))
        assert read is not None
        assert read.status_code == 200
        units = answered_within(20, lambda: client.get("/v1/units"))
        assert units is not None
        assert units.status_code == 200
    finally:
        for holder in holders:
            portal.call(limiter.release_on_behalf_of, holder)
    with database.engine.connect() as conn:
        stored = conn.execute(text("SELECT status FROM calls WHERE external_id = 'LOOP-1'")).scalar_one()
    assert stored == created.json()["status"]
