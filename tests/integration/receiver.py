"""An HTTP receiver on 127.0.0.1 for webhook tests: it keeps what it is sent and answers as told."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Receiver:
    """What was POSTed (headers, body), and the statuses to answer with, in turn (then 200). With `trickle`
    (seconds, times) it answers slowly: a header line every `seconds`, `times` times, before ending its headers."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.answers: list[int] = []
        self.lock = threading.Lock()
        self.trickle: tuple[float, int] | None = None
        self.arrived = threading.Event()  # set when a request's body has been read


@contextmanager
def receiver() -> Iterator[tuple[str, Receiver]]:
    """A receiver serving on a free port: its URL and what it keeps."""
    kept = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with kept.lock:
                kept.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                status = kept.answers.pop(0) if kept.answers else 200
            kept.arrived.set()
            self.send_response(status)
            for n in range(kept.trickle[1] if kept.trickle else 0):
                self.send_header(f"X-Slow-{n}", "still thinking")
                self.flush_headers()
                time.sleep(kept.trickle[0])  # type: ignore[index]
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass  # no access log on stderr: the tests read the requests from `received`

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/eido", kept
    finally:
        server.shutdown()
        server.server_close()
