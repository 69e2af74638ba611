"""Errors as RFC 9457 `application/problem+json`: domain errors, invalid requests, and whatever else fails.

Request validation errors become 422 problems whose `errors` list names each offending field by its dotted path.
Unexpected errors become a bare 500 problem: no stack trace or personal data leaves the service.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from cadtriage.errors import CadTriageError, RetryLater, Unauthorized

log = logging.getLogger("cadtriage.errors")

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://cadtriage.dev/problems/"

_RESPONSE_TEXT = {
    401: "No key, or an unknown or revoked key",
    403: "The key's role may not do this",
    404: "Not found",
    409: "Not allowed in the current state",
    413: "Request body too large",
    422: "Invalid input; `errors` names each field",
    429: "Past a cap; `Retry-After` says when to try again",
    503: "Not now (shutting down); `Retry-After` says when to try again",
}


def problem_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the problem responses an endpoint can give: 401, 403 and 422 always (declaring 422
    also replaces FastAPI's default, which would claim validation errors are plain application/json)."""
    return {
        code: {"description": _RESPONSE_TEXT[code], "content": {PROBLEM_JSON: {}}}
        for code in sorted({401, 403, 422, *codes})
    }


def problem(status: int, type_slug: str, title: str, detail: str, **extra: Any) -> JSONResponse:
    """Build an RFC 9457 problem response."""
    body: dict[str, Any] = {
        "type": TYPE_BASE + type_slug,
        "title": title,
        "status": status,
        "detail": detail,
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def validation_problem(errors: list[dict[str, str]]) -> JSONResponse:
    """The 422 for bad input: each offending field by dotted path, with what is wrong with it."""
    fields = ", ".join(dict.fromkeys(e["field"] for e in errors))
    return problem(422, "validation", "Invalid request", f"invalid fields: {fields}", errors=errors)


def _field_path(loc: tuple[int | str, ...]) -> str:
    # Drop the leading "body"/"query"/"path" segment: consoles name fields as they sent them.
    parts = (
        [str(p) for p in loc[1:]]
        if loc and loc[0] in ("body", "query", "path", "header")
        else list(map(str, loc))
    )
    return ".".join(parts) or str(loc[0] if loc else "request")


def validation_errors(exc: RequestValidationError) -> list[dict[str, str]]:
    """The offending fields of a validation error, by dotted path, with pydantic's message."""
    return [
        {"field": _field_path(tuple(err.get("loc", ()))), "message": str(err.get("msg", "invalid"))}
        for err in exc.errors()
    ]


async def _domain_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, CadTriageError)
    response = problem(exc.status, exc.type_slug, exc.title, exc.detail, **exc.extra)
    if isinstance(exc, Unauthorized):
        response.headers["WWW-Authenticate"] = 'Bearer realm="cadtriage"'
    if isinstance(exc, RetryLater):
        response.headers["Retry-After"] = str(exc.retry_after_s)
    return response


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return validation_problem(validation_errors(exc))


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400:  # FastAPI's answer to a body it cannot parse: bad input, like any other
        return validation_problem([{"field": "body", "message": "not a JSON document (or not UTF-8)"}])
    return problem(exc.status_code, f"http-{exc.status_code}", str(exc.detail), str(exc.detail))


async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", exc_info=exc)
    return problem(500, "internal", "Internal error", "the service failed to handle this request")


def install_error_handlers(app: FastAPI) -> None:
    """Render every error the app can raise as application/problem+json."""
    app.add_exception_handler(CadTriageError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
