"""The README's first command, for real: `cadtriage serve --demo` on the embedded database."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _postgres_serving(data_dir: Path) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["name", "cmdline"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        if proc.info["name"] == "postgres" and str(data_dir) in cmdline:
            found.append(proc)
    return found


def _env(data_dir: Path) -> dict[str, str]:
    # As on many servers, no XDG_RUNTIME_DIR: the commands must still say nothing but what they are asked.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE_URL", "CADTRIAGE_", "XDG_RUNTIME_DIR"))
    }
    env["CADTRIAGE_DATA_DIR"] = str(data_dir)
    return env


def _cli(data_dir: Path, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "cadtriage.cli", *args],
        env=_env(data_dir),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert "Warning" not in done.stderr, done.stderr
    return done.stdout


def _serve(data_dir: Path, port: int, key_name: str, workers: int = 2) -> tuple[subprocess.Popen[str], int]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cadtriage.cli",
            "serve",
            "--demo",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        env=_env(data_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    else:
        process.kill()
        raise AssertionError(f"not ready in 30 s:\n{process.communicate()[0]}")
    # A second command on the same data directory uses the running server and leaves it running.
    key = _cli(data_dir, "keys", "create", "--role", "supervisor", "--name", key_name).split(": ")[1].strip()
    units = httpx.get(
        f"http://127.0.0.1:{port}/v1/units?limit=500", timeout=5, headers={"Authorization": f"Bearer {key}"}
    ).json()
    return process, len(units["items"])


def _interrupt(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGINT)  # what Ctrl-C sends
    output, _ = process.communicate(timeout=30)
    return output


def test_serve_demo_is_ready_in_30_s_stops_postgres_on_ctrl_c_and_keeps_data(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    port = _free_port()
    process, units = _serve(data_dir, port, "first")
    assert units == 85
    output = _interrupt(process)
    assert "demo roster seeded" in output
    assert f"http://127.0.0.1:{port}/docs" in output  # and where to go next
    for role in ("dispatcher", "supervisor", "admin", "clinician", "unit"):  # one key per role, printed once
        assert f"demo-{role}" in output, role
    assert _postgres_serving(data_dir) == []

    process, units = _serve(data_dir, port, "second")
    output = _interrupt(process)
    assert units == 85
    assert "units already present" in output
    assert _postgres_serving(data_dir) == []
    assert "demo-admin" in _cli(data_dir, "keys", "list")  # the data, keys included, survived the restart
    assert _postgres_serving(data_dir) == []


def test_serve_with_a_single_worker_runs_on_the_embedded_database(tmp_path: Path) -> None:
    # With one worker uvicorn builds the app in the serving process itself, which had read its settings before
    # the embedded database's URL was known: it stopped with "DATABASE_URL is not set".
    data_dir = tmp_path / "data"
    process, units = _serve(data_dir, _free_port(), "single", workers=1)
    assert units == 85
    _interrupt(process)
    assert _postgres_serving(data_dir) == []
