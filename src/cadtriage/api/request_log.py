"""Structured request logs and request limits, as pure ASGI middleware.

One JSON line per request: time, request id, method, path, status, duration and the actor (the key's name).
Bodies, queries and headers are never logged, so a caller's name or phone cannot reach the logs.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cadtriage.api.problems import problem

log = logging.getLogger("cadtriage.request")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
MAX_BODY_BYTES = 64 * 1024
CLIENT_GONE = 499  # logged for a request that ended unanswered (nginx's "client closed request"); never sent


class JsonFormatter(logging.Formatter):
    """Log records as JSON lines."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update(getattr(record, "fields", {}))
        if record.exc_info and record.exc_info[0] is not None:
            line["error"] = record.exc_info[0].__name__  # the type only: messages may quote request data
        return json.dumps(line)


class ExceptionTypeOnly(logging.Filter):
    """Starlette re-raises an unhandled error after its 500 has been sent, and uvicorn logs it with the traceback;
    a database error's message quotes the row or document it was about (caller details included). Keep the type."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[0] is not None:
            record.msg = f"{record.getMessage().strip()} ({record.exc_info[0].__name__})"
            record.args, record.exc_info, record.exc_text = (), None, None
        return True


def configure_logging(level: str) -> None:
    """Send cadtriage's logs to stderr as JSON lines; keep only the type of an error uvicorn logs."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger("cadtriage")
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    root.propagate = False
    uvicorn_errors = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, ExceptionTypeOnly) for f in uvicorn_errors.filters):
        uvicorn_errors.addFilter(ExceptionTypeOnly())


class RequestLogMiddleware:
    """Give each request an id (the caller's X-Request-ID when well-formed), echo it, and log the outcome."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        # Until an answer starts: 500 if the app fails, CLIENT_GONE if it ends without answering (the client hung
        # up or its body never came), so that those do not pass for the service's own errors.
        status, answered = 500, False

        async def send_with_id(message: Message) -> None:
            nonlocal status, answered
            if message["type"] == "http.response.start":
                status, answered = message["status"], True
                message.setdefault("headers", []).append((b"x-request-id", request_id.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
            if not answered:
                status = CLIENT_GONE
        finally:
            log.info(
                "request",
                extra={
                    "fields": {
                        "request_id": request_id,
                        "method": scope["method"],
                        "path": _route(scope),
                        **_ids(scope),
                        "status": status,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                        "actor": scope.get("state", {}).get("actor"),
                    }
                },
            )


def _route(scope: Scope) -> str:
    # The route's template (`/v1/calls/{call_id}`), never the raw path: a client can put anything in a path,
    # a caller's name included. A path that matched no route is logged as such.
    template = getattr(scope.get("route"), "path", None)
    if template is None:
        return "(no route)"
    route, path = str(template), str(scope["path"])
    if path.startswith(route):  # a route of the app itself, or a mount (its files beneath it)
        return route
    # An included router's route knows only its own part; the part before it is the router's literal prefix.
    prefix = path.split("/")[: -len(route.split("/")) + 1 or None]
    return "/".join(prefix) + route


def _ids(scope: Scope) -> dict[str, int]:
    # The ids in the path, which are numbers and nothing else.
    params = scope.get("path_params", {})
    return {
        name: int(value) for name, value in params.items() if str(value).isdigit() and len(str(value)) < 20
    }


class BodyLimitMiddleware:
    """Refuse request bodies over MAX_BODY_BYTES with a 413 problem, declared or streamed."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await self._refuse(scope, receive, send)
            return
        seen = 0
        too_large = False

        async def counted() -> Message:
            # Past the limit the app is told the client left; whatever it does then is dropped for our 413.
            nonlocal seen, too_large
            if too_large:
                return {"type": "http.disconnect"}
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                too_large = True
                return {"type": "http.disconnect"}
            return message

        async def guarded(message: Message) -> None:
            if not too_large:
                await send(message)

        try:
            await self.app(scope, counted, guarded)
        except Exception:
            if not too_large:
                raise
        if too_large:
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem(413, "too-large", "Request body too large", f"the limit is {self.limit} bytes")
        await response(scope, receive, send)
