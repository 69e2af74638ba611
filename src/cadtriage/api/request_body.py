"""Request bodies are JSON documents with each key once, checked before any route reads them (pure ASGI).

- A body sent as anything but JSON (`text/plain`, a form) is refused with 415, not validated as if it were JSON.
- A key given twice in one object is refused with 422 naming it. Parsers disagree on which copy wins (Python's
  keeps the last, many keep the first), so a record with `"weapons": true, "weapons": false` could mean one thing
  to the console that sent it and another here.
- A document that does not parse is refused with 422 saying where (line and column), not a byte offset.
- What parses in Python but no database or JSON peer takes is refused with 422 naming where it is: `NaN` and
  `Infinity` (not JSON), a NUL character (PostgreSQL text cannot hold one), an unpaired surrogate (not UTF-8),
  nesting deeper than 64 levels, a number of more than 4,300 digits.
"""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cadtriage.api.problems import problem, validation_problem

_WITH_BODY = frozenset({"POST", "PUT", "PATCH"})


class _Pairs(list[tuple[str, Any]]):
    """A JSON object as its key/value pairs in order, duplicates kept, so they can be found with their path."""


MAX_DEPTH = 64
# Escapes that may spell a NUL or half of a surrogate pair: only a body holding one has its strings checked.
_SUSPECT_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _text_problem(text: str) -> str | None:
    if "\x00" in text:
        return "contains a NUL character"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "contains an unpaired surrogate (not UTF-8)"
    return None


def _shape_problem(value: Any, check_text: bool, path: str = "", depth: int = 0) -> tuple[str, str] | None:
    # The dotted path of the first place the document cannot be taken, and why, searching depth first.
    if depth > MAX_DEPTH:
        return path or "body", f"nested more than {MAX_DEPTH} levels deep"
    if isinstance(value, _Pairs):
        seen: set[str] = set()
        for key, item in value:
            where = f"{path}.{key}" if path else key
            if key in seen:
                return where, "given more than once"
            seen.add(key)
            problem = _text_problem(key) if check_text else None
            if problem:
                return where, f"its name {problem}"
            found = _shape_problem(item, check_text, where, depth + 1)
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = _shape_problem(item, check_text, f"{path}.{index}" if path else str(index), depth + 1)
            if found is not None:
                return found
    elif check_text and isinstance(value, str):
        problem = _text_problem(value)
        if problem:
            return path or "body", problem
    return None


def _is_json(content_type: bytes | None) -> bool:
    media_type = (content_type or b"").split(b";", 1)[0].strip().lower()
    return media_type == b"application/json" or (
        media_type.startswith(b"application/") and media_type.endswith(b"+json")
    )


def body_problem(content_type: bytes | None, body: bytes) -> tuple[int, str, str] | None:
    """Why a request body is refused (status, field, message), or None when it is a JSON document to validate."""
    if not body:
        return None  # routes without a body; a route that needs one says so itself
    if not _is_json(content_type):
        return 415, "body", "send the body as application/json"
    try:
        document = json.loads(body, object_pairs_hook=_Pairs, parse_constant=_refuse_constant)
    except UnicodeDecodeError:
        return 422, "body", "not UTF-8"
    except json.JSONDecodeError as exc:
        return 422, "body", f"not a JSON document: {exc.msg} at line {exc.lineno}, column {exc.colno}"
    except RecursionError:
        return 422, "body", f"nested more than {MAX_DEPTH} levels deep"
    except ValueError as exc:  # NaN or Infinity; an integer longer than Python converts
        too_long = "digits" in str(exc)
        return (
            422,
            "body",
            "a number of more than 4,300 digits" if too_long else f"not a JSON document: {exc}",
        )
    found = _shape_problem(document, check_text=_SUSPECT_ESCAPE.search(body) is not None)
    if found is not None:
        return 422, *found
    return None


class JsonBodyMiddleware:
    """Read a request's body once, refuse it if it is not one well-formed JSON document, else hand it on."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _WITH_BODY:
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client left (or was cut off) before its body arrived: no one to answer
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        refused = body_problem(dict(scope["headers"]).get(b"content-type"), body)
        if refused is None:
            await self.app(scope, _replay([{"type": "http.request", "body": body}], receive), send)
            return
        status, field, message_text = refused
        if status == 415:
            response = problem(415, "unsupported-media-type", "Unsupported media type", message_text)
        else:
            response = validation_problem([{"field": field, "message": message_text}])
        await response(scope, receive, send)


def _replay(messages: list[Message], receive: Receive) -> Receive:
    # The body already read, then whatever the client sends next (a disconnect, for a streaming route).
    pending = list(messages)

    async def replayed() -> Message:
        return pending.pop(0) if pending else await receive()

    return replayed
