"""HTTP for researchers and partners: de-identified exports (see `cadtriage.exports.service`)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from cadtriage.access.models import Role
from cadtriage.access.service import Principal
from cadtriage.api.deps import ContextDep, require
from cadtriage.api.problems import problem_responses as problems
from cadtriage.exports import service
from cadtriage.requests import Moment

router = APIRouter(tags=["exports"])
Researcher = Annotated[Principal, Depends(require(Role.researcher, Role.supervisor))]
CSV = "text/csv; charset=utf-8"
Since = Annotated[Moment | None, Query(description="default: 30 days before `until`")]
Until = Annotated[Moment | None, Query(description="default: now")]


def _csv(lines: list[str], name: str) -> StreamingResponse:
    return StreamingResponse(
        iter(lines), media_type=CSV, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.get("/exports/calls.csv", responses={200: {"content": {CSV: {}}}, **problems()})
def calls_export(
    ctx: ContextDep, _: Researcher, since: Since = None, until: Until = None
) -> StreamingResponse:
    """One de-identified row per call received in [since, until): no names, phones, narratives, call types,
    addresses, coordinates or record ids; the hour and a 0.01-degree zone; the pseudonymous person key."""
    end: datetime = until or ctx.now()
    return _csv(list(service.calls_csv(ctx.session, since or end - timedelta(days=30), end)), "calls.csv")


@router.get("/exports/summary.csv", responses={200: {"content": {CSV: {}}}, **problems()})
def summary_export(
    ctx: ContextDep, _: Researcher, since: Since = None, until: Until = None
) -> StreamingResponse:
    """Calls counted by zone, decided type, type sent and resolution; counts of 1 to 10 suppressed."""
    end: datetime = until or ctx.now()
    return _csv(list(service.summary_csv(ctx.session, since or end - timedelta(days=30), end)), "summary.csv")
