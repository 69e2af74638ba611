"""Prometheus metrics at /metrics (no key: scrapers usually have none; it shows counts, never call data).

Figures come from the database, so every worker reports the same totals whichever one is scraped. Computing them
scans the calls table, so each process keeps the rendered text for CACHE_S seconds: scrapes come every 15-60 s.
"""

from __future__ import annotations

import time

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse

from cadtriage.api.session import SessionDep
from cadtriage.stats.metrics import render

router = APIRouter(tags=["health"])
CACHE_S = 10.0


@router.get("/metrics", response_class=PlainTextResponse, summary="Prometheus metrics")
def metrics(request: Request, session: SessionDep) -> PlainTextResponse:
    """Calls by decided response type, queue depth per type, and the intake-to-assignment latency histogram."""
    cached: tuple[float, str] | None = getattr(request.app.state, "metrics_cache", None)
    if cached is None or time.monotonic() - cached[0] > CACHE_S:
        cached = (time.monotonic(), render(session, request.app.state.clock.now()))
        request.app.state.metrics_cache = cached
    return PlainTextResponse(cached[1], media_type="text/plain; version=0.0.4")
