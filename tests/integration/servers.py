"""Real uvicorn servers for the multi-process tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def uvicorn_server(database_url: str, *, workers: int = 2, **settings: str) -> Iterator[str]:
    """`uvicorn cadtriage.api.app:create_app --workers N` on a database; yields its base URL. Fails the test if
    the server logged a traceback."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CADTRIAGE_")}
    env.update({"DATABASE_URL": database_url, "CADTRIAGE_LOG_LEVEL": "warning", **settings})
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "cadtriage.api.app:create_app",
            "--factory",
            "--workers",
            str(workers),
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
            "--timeout-graceful-shutdown",
            "3",
            "--http",  # the connection protocol `cadtriage serve` runs, with its header and body deadlines
            "cadtriage.api.connections:HeaderDeadlineProtocol",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    else:
        process.kill()
        raise AssertionError(process.communicate()[1])
    try:
        yield base
    finally:
        process.terminate()
        _, errors = process.communicate(timeout=30)
        assert "Traceback" not in errors, errors
