"""Prometheus metrics at /metrics (no key: scrapers usually have none; it shows counts, never call data).

Figures come from the database, so every worker reports the same totals whichever one is scraped. Computing them
scans the calls table, so each process keeps the rendered text for CACHE_S seconds: scrapes come every 15-60 s.
"""

from __future__ import annotations

import time

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse
from sqlalchemy import text
from sqlalchemy.orm import Session

from cadtriage.db import SessionDep
from cadtriage.triage.types import ResponseType

router = APIRouter(tags=["health"])
CACHE_S = 10.0
BUCKETS_S = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0)

_CALLS = text("SELECT decided_type, count(*) FROM calls GROUP BY decided_type")
_QUEUE = text("SELECT requested_type, count(*) FROM calls WHERE status = 'queued' GROUP BY requested_type")
_LATENCY = text(
    "SELECT width_bucket(extract(epoch FROM assigned_at - created_at), CAST(:bounds AS float8[])) AS bucket, "
    "count(*), sum(extract(epoch FROM assigned_at - created_at)) "
    "FROM calls WHERE assigned_at IS NOT NULL GROUP BY 1"
)


def _labelled(name: str, kind: str, help_text: str, values: dict[str, float]) -> list[str]:
    lines = [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]
    lines += [f'{name}{{response_type="{t.value}"}} {values.get(t.value, 0)}' for t in ResponseType]
    return lines


@router.get("/metrics", response_class=PlainTextResponse, summary="Prometheus metrics")
def metrics(request: Request, session: SessionDep) -> PlainTextResponse:
    """Calls by decided response type, queue depth per type, and the intake-to-assignment latency histogram."""
    cached: tuple[float, str] | None = getattr(request.app.state, "metrics_cache", None)
    if cached is None or time.monotonic() - cached[0] > CACHE_S:
        cached = (time.monotonic(), render(session))
        request.app.state.metrics_cache = cached
    return PlainTextResponse(cached[1], media_type="text/plain; version=0.0.4")


def render(session: Session) -> str:
    """The metrics in Prometheus text format, computed now."""
    calls = {k: float(n) for k, n in session.execute(_CALLS)}
    queue = {k: float(n) for k, n in session.execute(_QUEUE)}
    latency = list(session.execute(_LATENCY, {"bounds": list(BUCKETS_S)}))
    lines = _labelled(
        "cadtriage_calls_total", "counter", "Calls taken, by the response type triage decided.", calls
    )
    lines += _labelled("cadtriage_queue_depth", "gauge", "Calls waiting for a unit, by response type.", queue)
    per_bucket = {int(bucket): int(n) for bucket, n, _ in latency}
    total = sum(per_bucket.values())
    seconds = sum(float(s or 0) for _, _, s in latency)
    name = "cadtriage_assignment_latency_seconds"
    lines += [f"# HELP {name} Time from intake to the assignment of a unit.", f"# TYPE {name} histogram"]
    cumulative = 0
    for index, bound in enumerate(BUCKETS_S):
        cumulative += per_bucket.get(index, 0)  # width_bucket: 0 is below the first bound
        lines.append(f'{name}_bucket{{le="{bound}"}} {cumulative}')
    lines += [
        f'{name}_bucket{{le="+Inf"}} {total}',
        f"{name}_sum {round(seconds, 3)}",
        f"{name}_count {total}",
    ]
    return "\n".join(lines) + "\n"
