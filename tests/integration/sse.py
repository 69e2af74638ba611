"""A Server-Sent Events client for the multi-process tests."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from typing import Any

import httpx


class Subscriber(threading.Thread):
    """Reads an SSE stream in the background, keeping events and heartbeats."""

    def __init__(self, url: str, key: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(daemon=True)
        self.url, self.headers = url, {"Authorization": f"Bearer {key}", **(headers or {})}
        self.events: list[dict[str, Any]] = []
        self.heartbeats = 0
        self.comments: list[str] = []  # other comments, such as why the server ended the stream
        self.resume_from: int | None = None
        self.status = 0
        self.ended_by_server = threading.Event()
        self.connected = threading.Event()
        self.stop = threading.Event()

    def run(self) -> None:
        with contextlib.suppress(httpx.HTTPError):  # the server may go away first at the end of the test
            self._read()

    def _read(self) -> None:
        with httpx.stream("GET", self.url, headers=self.headers, timeout=30) as response:
            self.status = response.status_code
            self.connected.set()
            block: dict[str, str] = {}
            for line in response.iter_lines():
                if self.stop.is_set():
                    return  # leaving the with-block closes the connection
                if line.startswith(": heartbeat"):
                    self.heartbeats += 1
                elif line.startswith(":"):
                    self.comments.append(line[1:].strip())
                elif line == "" and "data" in block:
                    self.events.append(
                        {"id": int(block["id"]), "kind": block["event"], **json.loads(block["data"])}
                    )
                    block = {}
                elif line == "":
                    if "id" in block:  # an id alone: where this stream would resume from
                        self.resume_from = int(block["id"])
                    block = {}
                elif ":" in line and not line.startswith(":"):
                    field, _, value = line.partition(":")
                    block[field] = value.strip()
            self.ended_by_server.set()

    def wait_for(self, count: int, seconds: float = 15) -> list[dict[str, Any]]:
        deadline = time.monotonic() + seconds
        while len(self.events) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.events
