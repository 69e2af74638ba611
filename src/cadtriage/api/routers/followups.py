"""HTTP: follow-ups after a call (joint case management), and the overdue ones."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, status

from cadtriage.access.models import Role
from cadtriage.access.service import Principal
from cadtriage.api.deps import CallId, ContextDep, Reader, require
from cadtriage.api.problems import problem_responses as problems
from cadtriage.api.session import LoopRoute
from cadtriage.followups import service
from cadtriage.followups.models import FollowupStatus
from cadtriage.followups.schemas import FollowupCreate, FollowupDone, FollowupOut
from cadtriage.requests import Moment

router = APIRouter(tags=["follow-ups"], route_class=LoopRoute)
CaseWorker = Annotated[Principal, Depends(require(Role.dispatcher, Role.supervisor))]
FollowupId = Annotated[int, Path(ge=1, le=2**63 - 1)]


@router.post(
    "/calls/{call_id}/followups",
    response_model=FollowupOut,
    status_code=status.HTTP_201_CREATED,
    responses=problems(404, 409, 422),
)
def schedule_followup(call_id: CallId, body: FollowupCreate, ctx: ContextDep, _: CaseWorker) -> FollowupOut:
    """Schedule a follow-up for a call: a provider, a due time, and the person's consent (required)."""
    return service.schedule(ctx, call_id, body)


@router.get("/followups", response_model=list[FollowupOut], responses=problems())
def list_followups(
    ctx: ContextDep,
    _: Reader,
    status_: Annotated[FollowupStatus | None, Query(alias="status")] = None,
    overdue: Annotated[bool, Query(description="only open follow-ups past their due time")] = False,
    due_before: Moment | None = None,
    call_id: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[FollowupOut]:
    """Follow-ups, soonest due first; each says whether it is overdue now."""
    return service.listing(
        ctx, status=status_, overdue=overdue, due_before=due_before, call_id=call_id, limit=limit
    )


@router.post(
    "/followups/{followup_id}/complete", response_model=FollowupOut, responses=problems(404, 409, 422)
)
def complete_followup(
    followup_id: FollowupId, body: FollowupDone, ctx: ContextDep, _: CaseWorker
) -> FollowupOut:
    """Record what a follow-up found; a follow-up is completed once."""
    return service.complete(ctx, followup_id, body)
