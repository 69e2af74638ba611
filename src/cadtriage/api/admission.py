"""Admission control: each worker works on a bounded number of requests at once and refuses the rest at once.

Without a bound, a worker offered more than it can do queued without limit: answers came tens of seconds late and
`/readyz` stopped answering. Past the bound a request is answered 503 with `Retry-After` before any work is done
on it, so nothing it carried is stored and a console's retry comes back when there is room. A request is counted
only once its body has arrived (the middleware sits inside the body checks): a client that holds its body back
holds a connection, which the body deadline ends, not a slot that dispatchers need. Changes (intake, status
reports, locations: every request that is not a GET) may use the whole bound; reads only part of it, so that
supervisors' queries cannot crowd out a dispatcher's intake. Health checks and live event streams (capped on their
own) are never counted.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from cadtriage.api.problems import problem

UNCOUNTED = ("/healthz", "/readyz", "/v1/events")
RETRY_AFTER_S = 1


class AdmissionMiddleware:
    """Admit up to `limit` requests at once in this worker, reads up to `read_limit` of them; 503 beyond."""

    def __init__(self, app: ASGIApp, *, limit: int, read_limit: int) -> None:
        self.app = app
        self.limit, self.read_limit = limit, min(read_limit, limit)
        self.in_flight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in UNCOUNTED:
            await self.app(scope, receive, send)
            return
        bound = self.read_limit if scope["method"] in ("GET", "HEAD") else self.limit
        if self.in_flight >= bound:
            await self._refuse(scope, receive, send)
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem(
            503,
            "overloaded",
            "Overloaded",
            f"this worker is working on {self.in_flight} requests, its limit: retry in {RETRY_AFTER_S} s",
        )
        response.headers["Retry-After"] = str(RETRY_AFTER_S)
        await response(scope, receive, send)
