"""Past its admission bound a worker refuses at once with 503 + Retry-After, stores nothing of what it refused,
keeps room for changes when reads crowd in, and still answers its health checks."""

from __future__ import annotations

import json
import socket

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.integration.servers import uvicorn_server
from tests.pg import PgServer, create_key_in

pytestmark = pytest.mark.slow


def _call(external_id: str) -> dict[str, object]:
    return {
        "external_id": external_id,
        "call_type": "WELFARE CHECK",
        "location": {"lat": 47.6, "lon": -122.3},
    }


class HeldIntake:
    """An intake whose headers are sent and whose body is held back: in flight at the worker until released."""

    def __init__(self, base: str, key: str, external_id: str) -> None:
        self.body = json.dumps(_call(external_id)).encode()
        host, port = base.removeprefix("http://").split(":")
        self.socket = socket.create_connection((host, int(port)))
        self.socket.sendall(
            f"POST /v1/calls HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {key}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(self.body)}\r\n\r\n".encode()
        )

    def release(self) -> bytes:
        self.socket.sendall(self.body)
        self.socket.settimeout(10)
        answer = self.socket.recv(65536)
        self.socket.close()
        return answer.split(b"\r\n", 1)[0]


def _stored(url: str, external_id: str) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        count = conn.execute(text("SELECT count(*) FROM calls WHERE external_id = :e"), {"e": external_id})
        found = int(count.scalar_one())
    engine.dispose()
    return found


def test_past_the_bound_requests_get_503_and_nothing_is_stored(pg: PgServer) -> None:
    url = pg.copy()
    key = create_key_in(url, "dispatcher")
    bearer = {"Authorization": f"Bearer {key}"}
    # Four in flight at once; reads only three of them.
    with (
        uvicorn_server(url, workers=1, CADTRIAGE_MAX_IN_FLIGHT="4") as base,
        httpx.Client(base_url=base) as client,
    ):
        held = [HeldIntake(base, key, f"HELD-{n}") for n in range(3)]
        client.get("/healthz")  # the held requests have reached the worker by the time this is answered
        read = client.get("/v1/calls", headers=bearer)
        assert read.status_code == 503
        assert read.headers["retry-after"] == "1"
        assert read.headers["content-type"] == "application/problem+json"
        assert (
            client.post("/v1/calls", json=_call("CHANGE-1"), headers=bearer).status_code == 201
        )  # room kept

        held.append(HeldIntake(base, key, "HELD-3"))
        client.get("/healthz")
        refused = client.post("/v1/calls", json=_call("REFUSED-1"), headers=bearer)
        assert refused.status_code == 503
        assert refused.headers["retry-after"] == "1"
        assert refused.json()["status"] == 503
        assert _stored(url, "REFUSED-1") == 0  # refused before its body was read
        assert client.get("/readyz").status_code == 200  # health checks are never refused
        assert client.get("/healthz").status_code == 200

        assert [h.release() for h in held] == [b"HTTP/1.1 201 Created"] * 4
        assert client.post("/v1/calls", json=_call("REFUSED-1"), headers=bearer).status_code == 201
    assert _stored(url, "CHANGE-1") == 1
    assert [_stored(url, f"HELD-{n}") for n in range(4)] == [1, 1, 1, 1]
    assert _stored(url, "REFUSED-1") == 1  # once: its retry, not the refused attempt
