"""Domain errors: what a use case refuses, and why.

Hierarchy:

    CadTriageError            base; never raised itself
    ├── Unauthorized          401: no key, or a key that is unknown or revoked
    ├── Forbidden             403: a valid key whose role may not do this
    ├── NotFound              404: the call, unit or key does not exist
    ├── Conflict              409: the request contradicts the current state
    │   ├── InvalidTransition 409: a status change the lifecycle does not allow (names both states)
    │   └── IdempotencyConflict 409: the same external_id with a different record
    ├── Unprocessable         422: well-formed but unusable (e.g. nothing to triage on)
    └── RetryLater            says when to try again (Retry-After)
        ├── TooManyRequests   429: past a cap (live streams per key or per worker)
        └── Unavailable       503: the service cannot take this now (shutting down)

Each has a stable `type` slug that consoles can switch on; `api.problems` renders them as RFC 9457
`application/problem+json`. Nothing here knows about HTTP beyond the status a use case's refusal maps to.
"""

from __future__ import annotations

from typing import Any


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


class RetryLater(CadTriageError):
    """A refusal that passes: it says in how many seconds to try again (`Retry-After`)."""

    def __init__(self, detail: str, *, retry_after_s: int, **extra: Any) -> None:
        super().__init__(detail, retry_after_s=retry_after_s, **extra)
        self.retry_after_s = retry_after_s


class TooManyRequests(RetryLater):
    status, type_slug, title = 429, "too-many-requests", "Too many requests"


class Unavailable(RetryLater):
    status, type_slug, title = 503, "unavailable", "Service unavailable"
