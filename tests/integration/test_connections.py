"""Connections that send nothing, or trickle their headers, are closed; idle keep-alive connections too; a
request that is not HTTP gets problem+json."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tests.integration.servers import start_serve, stop
from tests.pg import PgServer

pytestmark = pytest.mark.slow


@contextmanager
def _served(url: str) -> Iterator[int]:
    settings = {"CADTRIAGE_HTTP_HEADER_TIMEOUT_S": "1", "CADTRIAGE_HTTP_KEEP_ALIVE_S": "1"}
    server, base = start_serve(url, workers=1, **settings)
    try:
        yield int(base.rsplit(":", 1)[1])
    finally:
        output = stop(server)
        assert "Traceback" not in output, output


def _closed_within(connection: socket.socket, seconds: float, trickle: bytes = b"") -> float | None:
    """Seconds until the server closed `connection` (sending `trickle` a byte every 0.2 s meanwhile), or None."""
    started = time.monotonic()
    connection.settimeout(0.2)
    for byte in [trickle[i : i + 1] for i in range(len(trickle))] or [b""] * int(seconds / 0.2):
        try:
            if byte:
                connection.sendall(byte)
            if connection.recv(1024) == b"":
                return time.monotonic() - started
        except TimeoutError:
            continue
        except OSError:
            return time.monotonic() - started
        if time.monotonic() - started > seconds:
            break
    return None


def test_slow_and_silent_connections_are_closed(pg: PgServer) -> None:
    with _served(pg.copy()) as port:
        silent = socket.create_connection(("127.0.0.1", port))
        trickled = socket.create_connection(("127.0.0.1", port))
        trickled.sendall(b"GET /healthz HTTP/1.1\r\n")
        slow_header = b"X-Slow: " + b"a" * 40 + b"\r\n"
        assert _closed_within(trickled, 5, trickle=slow_header) is not None, "a trickled header was kept"
        assert _closed_within(silent, 5) is not None, "a silent connection was kept"

        idle = socket.create_connection(("127.0.0.1", port))
        idle.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        idle.settimeout(5)
        assert b"200 OK" in idle.recv(4096)  # a well-behaved request is served
        assert _closed_within(idle, 5) is not None, "an idle keep-alive connection was kept"
        for connection in (silent, trickled, idle):
            connection.close()

        huge = socket.create_connection(("127.0.0.1", port))
        huge.sendall(b"POST /v1/calls HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n")
        huge.settimeout(5)
        answer = b""
        while chunk := huge.recv(4096):
            answer += chunk
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 400")
        assert b"content-type: application/problem+json" in head.lower()
        assert json.loads(body)["status"] == 400
        huge.close()
