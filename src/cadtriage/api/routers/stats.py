"""HTTP: statistics over a time range."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query

from cadtriage.api.deps import ContextDep, Reader
from cadtriage.api.problems import problem_responses as problems
from cadtriage.requests import Moment
from cadtriage.stats import service
from cadtriage.stats.schemas import Stats

router = APIRouter(tags=["supervision"])


@router.get("/stats", response_model=Stats, responses=problems())
def stats(
    ctx: ContextDep,
    _: Reader,
    since: Annotated[Moment | None, Query(description="default: 24 hours before `until`")] = None,
    until: Annotated[Moment | None, Query(description="default: now")] = None,
) -> Stats:
    """Decided versus sent per response type over calls received in [since, until), with latencies and the civilian
    team's eligible-versus-served share."""
    end: datetime = until or ctx.now()
    return service.statistics(ctx.session, since or end - timedelta(hours=24), end)
