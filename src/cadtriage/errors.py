"""Domain errors and their RFC 9457 `application/problem+json` rendering.

Hierarchy:

    CadTriageError            base; never raised itself
    ├── Unauthorized          401: no key, or a key that is unknown or revoked
    ├── Forbidden             403: a valid key whose role may not do this
    ├── NotFound              404: the call, unit or key does not exist
    ├── Conflict              409: the request contradicts the current state
    │   ├── InvalidTransition 409: a status change the lifecycle does not allow (names both states)
    │   └── IdempotencyConflict 409: the same external_id with a different record
    └── Unprocessable         422: well-formed but unusable (e.g. nothing to triage on)

Each has a stable `type` URI that consoles can switch on. Request validation errors become 422 problems whose
`errors` list names each offending field by its dotted path. Unexpected errors become a bare 500 problem: no
stack trace or personal data leaves the service.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://cadtriage.dev/problems/"


class CadTriageError(Exception):
    """Base of every domain error: a status, a stable type and a human detail."""

    status = 500
    type_slug = "internal"
    title = "Internal error"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class Unauthorized(CadTriageError):
    status, type_slug, title = 401, "unauthorized", "Authentication required"


class Forbidden(CadTriageError):
    status, type_slug, title = 403, "forbidden", "Not allowed for this key"


class NotFound(CadTriageError):
    status, type_slug, title = 404, "not-found", "Not found"


class Conflict(CadTriageError):
    status, type_slug, title = 409, "conflict", "Conflict"


class InvalidTransition(Conflict):
    type_slug, title = "invalid-transition", "Invalid status transition"


class IdempotencyConflict(Conflict):
    type_slug, title = "idempotency-conflict", "external_id already used for a different call"


class Unprocessable(CadTriageError):
    status, type_slug, title = 422, "unprocessable", "Unprocessable request"


_RESPONSE_TEXT = {
    401: "No key, or an unknown or revoked key",
    403: "The key's role may not do this",
    404: "Not found",
    409: "Not allowed in the current state",
    413: "Request body too large",
    422: "Invalid input; `errors` names each field",
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
