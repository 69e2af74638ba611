"""HTTP: statistics over a time range."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query

from cadtriage.api.deps import ContextDep, Reader
from cadtriage.api.problems import problem_responses as problems
from cadtriage.api.session import LoopRoute
from cadtriage.requests import Moment
from cadtriage.stats import service
from cadtriage.stats.outcomes import OutcomeStats, outcome_statistics
from cadtriage.stats.schemas import Stats
from cadtriage.triage.types import ResponseType

router = APIRouter(tags=["supervision"], route_class=LoopRoute)


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


@router.get("/outcomes/stats", response_model=OutcomeStats, responses=problems())
def outcome_stats(
    ctx: ContextDep,
    _: Reader,
    since: Annotated[Moment | None, Query(description="default: 30 days before `until`")] = None,
    until: Annotated[Moment | None, Query(description="default: now")] = None,
    response_type: Annotated[ResponseType | None, Query(description="only the teams of this type")] = None,
) -> OutcomeStats:
    """How closed calls ended, by the type of team sent: resolutions, referrals and their acceptance, police
    backup requests, arrests, use of force, injuries, transports, and time from receipt to on scene."""
    end: datetime = until or ctx.now()
    return outcome_statistics(ctx.session, since or end - timedelta(days=30), end, response_type)
