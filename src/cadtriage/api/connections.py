"""The HTTP connection protocol `cadtriage serve` runs: uvicorn's, with a deadline for each request's headers.

uvicorn closes a keep-alive connection that stays idle after a response (CADTRIAGE_HTTP_KEEP_ALIVE_S), but
it has no deadline for the headers of a request: a connection that sends nothing, or trickles a header a byte at
a time, was kept for as long as the client liked, and a few hundred of them hold a worker's sockets. Here each
request's headers, from its first byte (or from the connection's opening), must all arrive within
CADTRIAGE_HTTP_HEADER_TIMEOUT_S, and its body within CADTRIAGE_HTTP_BODY_TIMEOUT_S of its headers, or the
connection is closed. Bodies are bounded in size elsewhere (64 KiB).

A request that is not valid HTTP (a malformed request line or header, a Content-Length past any integer) is
refused before it reaches the app; uvicorn answered those in plain text, here they are problem+json like the rest.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from cadtriage.api.problems import PROBLEM_JSON, TYPE_BASE
from cadtriage.config import get_settings

_NOT_HTTP = json.dumps(
    {
        "type": TYPE_BASE + "bad-request",
        "title": "Bad request",
        "status": 400,
        "detail": "not a valid HTTP request (request line, a header, or Content-Length)",
    }
).encode()


class HeaderDeadlineProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, closing a connection whose request headers or body arrive too slowly."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        settings = get_settings()
        self._header_timeout_s, self._body_timeout_s = (
            settings.http_header_timeout_s,
            settings.http_body_timeout_s,
        )
        self._deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_deadline()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._start_deadline()

    def on_headers_complete(self) -> None:
        self._start_deadline(self._body_timeout_s)
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._cancel_deadline()
        super().on_message_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_deadline()
        super().connection_lost(exc)

    def send_400_response(self, msg: str) -> None:
        """Refuse a request the parser could not read, as problem+json, and close the connection."""
        head = [STATUS_LINE[400]]
        head += [name + b": " + value + b"\r\n" for name, value in self.server_state.default_headers]
        head += [
            f"content-type: {PROBLEM_JSON}\r\ncontent-length: {len(_NOT_HTTP)}\r\nconnection: close\r\n\r\n".encode()
        ]
        self.transport.write(b"".join(head) + _NOT_HTTP)
        self.transport.close()

    def _start_deadline(self, seconds: float | None = None) -> None:
        self._cancel_deadline()
        self._deadline = self.loop.call_later(seconds or self._header_timeout_s, self._too_slow)

    def _cancel_deadline(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            self.transport.close()
