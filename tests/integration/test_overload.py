"""Past its admission bound a worker refuses at once with 503 + Retry-After, stores nothing of what it refused,
keeps room for changes when reads crowd in, still answers its health checks, and a client holding its request
body back takes no slot at all."""

from __future__ import annotations

import json
import socket
import threading
import time

import httpx
import pytest
from sqlalchemy import Connection, create_engine, text

from tests.integration.servers import uvicorn_server
from tests.pg import PgServer, create_key_in

pytestmark = pytest.mark.slow


def _call(external_id: str) -> dict[str, object]:
    return {
        "external_id": external_id,
        "call_type": "WELFARE CHECK",
        "location": {"lat": 47.6, "lon": -122.3},
    }


def _stored(conn: Connection, external_id: str) -> int:
    query = text("SELECT count(*) FROM calls WHERE external_id = :e")
    return int(conn.execute(query, {"e": external_id}).scalar_one())


def _waiting_inserts(conn: Connection, count: int) -> None:
    # Intakes blocked on the test's table lock: in flight at the worker, each holding an admission slot.
    query = text(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%INSERT INTO calls%'"
    )
    deadline = time.monotonic() + 10
    while conn.execute(query).scalar_one() < count:
        assert time.monotonic() < deadline, f"fewer than {count} intakes reached the database"
        time.sleep(0.05)


def test_past_the_bound_requests_get_503_and_nothing_is_stored(pg: PgServer) -> None:
    url = pg.copy()
    key = create_key_in(url, "dispatcher")
    bearer = {"Authorization": f"Bearer {key}"}
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    locking = create_engine(url)
    answers: dict[str, int] = {}

    def intake(base: str, external_id: str) -> threading.Thread:
        def post() -> None:
            answers[external_id] = httpx.post(
                f"{base}/v1/calls", json=_call(external_id), headers=bearer, timeout=30
            ).status_code

        thread = threading.Thread(target=post)
        thread.start()
        return thread

    # Four in flight at once; reads only three of them.
    with (
        uvicorn_server(url, workers=1, CADTRIAGE_MAX_IN_FLIGHT="4") as base,
        httpx.Client(base_url=base) as client,
        engine.connect() as watcher,
        locking.connect() as locker,
    ):
        locker.execute(text("LOCK TABLE calls IN EXCLUSIVE MODE"))  # intakes wait; reads do not
        held = [intake(base, f"HELD-{n}") for n in range(3)]
        _waiting_inserts(watcher, 3)
        read = client.get("/v1/calls", headers=bearer)
        assert read.status_code == 503
        assert read.headers["retry-after"] == "1"
        assert read.headers["content-type"] == "application/problem+json"

        held.append(intake(base, "HELD-3"))  # a change still has room
        _waiting_inserts(watcher, 4)
        refused = client.post("/v1/calls", json=_call("REFUSED-1"), headers=bearer)
        assert refused.status_code == 503
        assert refused.headers["retry-after"] == "1"
        assert refused.json()["status"] == 503
        assert client.get("/readyz").status_code == 200  # health checks are never refused
        assert client.get("/healthz").status_code == 200

        locker.commit()  # the lock goes; the held intakes finish
        for thread in held:
            thread.join(30)
        assert answers == {f"HELD-{n}": 201 for n in range(4)}
        assert _stored(watcher, "REFUSED-1") == 0  # refused before any work on it
        assert client.post("/v1/calls", json=_call("REFUSED-1"), headers=bearer).status_code == 201
        assert _stored(watcher, "REFUSED-1") == 1
    engine.dispose()
    locking.dispose()


def test_a_client_holding_its_body_back_takes_no_slot(pg: PgServer) -> None:
    url = pg.copy()
    key = create_key_in(url, "researcher")  # any valid key: the role is checked only once the body is read
    dispatcher = create_key_in(url, "dispatcher")
    body = json.dumps(_call("SLOW")).encode()
    with uvicorn_server(
        url, workers=1, CADTRIAGE_MAX_IN_FLIGHT="4", CADTRIAGE_HTTP_BODY_TIMEOUT_S="2"
    ) as base:
        host, port = base.removeprefix("http://").split(":")
        slow = []
        for _ in range(10):
            connection = socket.create_connection((host, int(port)))
            connection.sendall(
                f"POST /v1/calls HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {key}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n{{".encode()
            )
            slow.append(connection)
        headers = {"Authorization": f"Bearer {dispatcher}"}
        with httpx.Client(base_url=base, headers=headers, timeout=10) as client:
            assert client.get("/v1/calls").status_code == 200
            assert client.post("/v1/calls", json=_call("CAD-1")).status_code == 201
        for connection in slow:  # the body deadline ends each of them
            connection.settimeout(5)
            assert connection.recv(1024) == b""
            connection.close()
