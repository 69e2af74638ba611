"""Real uvicorn servers for the multi-process tests."""

from __future__ import annotations

import os
import signal
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
    wait_ready(base, process)
    try:
        yield base
    finally:
        process.terminate()
        _, errors = process.communicate(timeout=30)
        assert "Traceback" not in errors, errors


def wait_ready(base: str, process: subprocess.Popen[str], seconds: float = 30) -> None:
    """Wait for the server's `/readyz` to answer 200; fail with what it printed if it never does."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise AssertionError("".join(part or "" for part in process.communicate()))


def start_serve(url: str, *, workers: int, **settings: str) -> tuple[subprocess.Popen[str], str]:
    """`cadtriage serve`, the command operators run, on a database and ready: its process (all it prints on one
    pipe, read when it stops: see `stop`) and its base URL. `settings` are CADTRIAGE_* variables."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CADTRIAGE_")}
    env.update({"DATABASE_URL": url, **settings})
    process = subprocess.Popen(
        [sys.executable, "-m", "cadtriage.cli", "serve", "--workers", str(workers), "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    wait_ready(base, process)
    return process, base


def stop(process: subprocess.Popen[str]) -> str:
    """SIGTERM a server started by `start_serve` and wait for it; everything it printed."""
    try:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    return output
