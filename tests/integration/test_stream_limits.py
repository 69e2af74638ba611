"""Live streams under a hostile client and an operator: revocation ends them, caps bound them, they share one
database connection per worker, and shutdown does not wait for them."""

from __future__ import annotations

import time

import httpx
import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.pool import NullPool

from tests.integration.servers import start_serve, stop, uvicorn_server
from tests.integration.sse import Subscriber
from tests.pg import PgServer, create_key_in

pytestmark = pytest.mark.slow


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _open(url: str, key: str) -> Subscriber:
    subscriber = Subscriber(url, key)
    subscriber.start()
    assert subscriber.connected.wait(10)
    assert subscriber.status == 200
    return subscriber


def test_revoking_a_key_ends_its_open_streams_within_seconds(pg: PgServer) -> None:
    url = pg.copy()
    admin = create_key_in(url, "admin", name="admin-1")
    console, other = (create_key_in(url, "supervisor", name=n) for n in ("console-7", "console-8"))
    settings = {"CADTRIAGE_SSE_HEARTBEAT_S": "0.3", "CADTRIAGE_SSE_KEY_CHECK_S": "0.5"}
    with uvicorn_server(url, workers=2, **settings) as base:
        revoked = [_open(f"{base}/v1/events", console) for _ in range(3)]  # on either worker
        kept = _open(f"{base}/v1/events", other)
        answer = httpx.post(f"{base}/v1/keys/console-7/revoke", headers=_bearer(admin), timeout=10)
        assert answer.status_code == 200
        for stream in revoked:
            assert stream.ended_by_server.wait(5), "a revoked key's stream stayed open"
            assert stream.comments[-1] == "end: the key was revoked"
        assert httpx.get(f"{base}/v1/events", headers=_bearer(console), timeout=5).status_code == 401
        beats = kept.heartbeats
        time.sleep(1)
        assert not kept.ended_by_server.is_set()
        assert kept.heartbeats > beats

        # Revoked behind the service's back (straight in the database): found by the periodic check.
        engine = create_engine(url, poolclass=NullPool)
        with engine.begin() as conn:
            conn.execute(text("UPDATE api_keys SET revoked_at = now() WHERE name = 'console-8'"))
        engine.dispose()
        assert kept.ended_by_server.wait(5)
        assert kept.comments[-1] == "end: the key was revoked"


def _connections(url: str) -> int:
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as conn:
        count = conn.execute(
            text("SELECT count(*) FROM pg_stat_activity WHERE datname = :d AND pid <> pg_backend_pid()"),
            {"d": make_url(url).database},
        ).scalar_one()
    engine.dispose()
    return int(count)


def test_streams_are_capped_per_key_and_per_worker_and_share_one_connection(pg: PgServer) -> None:
    url = pg.copy()
    keys = [create_key_in(url, "dispatcher", name=f"console-{n}") for n in range(11)]
    settings = {"CADTRIAGE_SSE_MAX_STREAMS_PER_KEY": "3", "CADTRIAGE_SSE_MAX_STREAMS_PER_WORKER": "30"}
    with uvicorn_server(url, workers=1, **settings) as base:
        events = f"{base}/v1/events"
        streams = [_open(events, keys[0]) for _ in range(3)]
        refused = httpx.get(events, headers=_bearer(keys[0]), timeout=5)
        assert refused.status_code == 429
        assert refused.headers["content-type"] == "application/problem+json"
        assert int(refused.headers["retry-after"]) > 0
        assert "this key has 3 live streams" in refused.json()["detail"]

        streams += [_open(events, key) for key in keys[1:10] for _ in range(3)]  # 30 in all
        full = httpx.get(events, headers=_bearer(keys[10]), timeout=5)
        assert full.status_code == 429
        assert "serves 30 live streams" in full.json()["detail"]
        # Thirty streams, and the database sees the worker's one listener beside its few pooled connections.
        assert _connections(url) <= 5
        intake = httpx.post(
            f"{base}/v1/calls",
            json={
                "external_id": "CAD-1",
                "call_type": "WELFARE CHECK",
                "location": {"lat": 47.6, "lon": -122.3},
            },
            headers=_bearer(keys[1]),
            timeout=10,
        )
        assert intake.status_code == 201
        for stream in streams:
            stream.stop.set()


def test_shutdown_ends_open_streams_at_once(pg: PgServer) -> None:
    url = pg.copy()
    key = create_key_in(url, "supervisor")
    server, base = start_serve(url, workers=2, CADTRIAGE_LOG_LEVEL="info")
    try:
        streams = [_open(f"{base}/v1/events", key) for _ in range(3)]
        started = time.monotonic()
    finally:
        output = stop(server)
    took = time.monotonic() - started
    assert took < 5, f"shutdown took {took:.1f} s with streams open"
    for stream in streams:
        assert stream.ended_by_server.wait(1)
        assert stream.comments[-1] == "end: the service is shutting down"
    assert "Traceback" not in output
    assert "Cancel" not in output
