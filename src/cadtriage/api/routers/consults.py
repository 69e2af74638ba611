"""HTTP: the crisis desk. Clinicians list, claim and resolve or route calls; dispatchers pull calls off it."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from cadtriage.access.models import Role
from cadtriage.access.service import Principal
from cadtriage.api.deps import CallId, ContextDep, require
from cadtriage.api.problems import problem_responses as problems
from cadtriage.api.session import LoopRoute, commit_before_answer
from cadtriage.calls.schemas import CallOut
from cadtriage.consults.models import ConsultState
from cadtriage.consults.schemas import ConsultDecision, ConsultPull
from cadtriage.dispatch import consults, views
from cadtriage.dispatch.schemas import Desk

router = APIRouter(tags=["crisis desk"], route_class=LoopRoute)
Clinician = Annotated[Principal, Depends(require(Role.clinician))]
DeskReader = Annotated[Principal, Depends(require(Role.clinician, Role.dispatcher, Role.supervisor))]
DeskDispatcher = Annotated[Principal, Depends(require(Role.dispatcher, Role.supervisor))]


@router.get("/consults", response_model=Desk, responses=problems())
def desk(
    ctx: ContextDep,
    _: DeskReader,
    state: Annotated[Literal["waiting", "claimed"] | None, Query(description="default: both")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Desk:
    """The calls on the crisis desk, oldest first, with how long each has waited for a clinician, when its wait
    ends (it is then dispatched as triaged), who has claimed it, and the caller's callback details."""
    states = [ConsultState(state)] if state else [ConsultState.waiting, ConsultState.claimed]
    return views.desk(ctx, states, limit)


@router.post("/consults/{call_id}/claim", response_model=CallOut, responses=problems(404, 409))
def claim(call_id: CallId, ctx: ContextDep, _: Clinician) -> CallOut:
    """A clinician takes a waiting call; a call someone else has claimed, or that has left the desk, is 409."""
    consults.claim(ctx, call_id)
    commit_before_answer(ctx.session)
    return CallOut.from_view(views.view(ctx, call_id), show_caller=True)


@router.post("/consults/{call_id}/outcome", response_model=CallOut, responses=problems(404, 409))
def record_outcome(call_id: CallId, body: ConsultDecision, ctx: ContextDep, _: Clinician) -> CallOut:
    """The claiming clinician's outcome, once. `resolved_by_phone` and `transferred_988` close the call with no
    unit (a unit already sent is stood down) and need a `rationale`; `mobile_crisis`, `co_responder` and `police`
    dispatch that type; `returned_to_dispatch` dispatches the call as triaged. Dispatching happens in the same
    transaction: the nearest unit, or the queue."""
    consults.record_outcome(ctx, call_id, body)
    commit_before_answer(ctx.session)
    return CallOut.from_view(views.view(ctx, call_id), show_caller=True)


@router.post("/consults/{call_id}/pull", response_model=CallOut, responses=problems(404, 409))
def pull(call_id: CallId, body: ConsultPull, ctx: ContextDep, _: DeskDispatcher) -> CallOut:
    """A dispatcher takes a call off the desk at any time, with the new information: a call waiting on the desk
    (or with a clinician) is dispatched at once, as triaged."""
    consults.pull(ctx, call_id, body.reason)
    commit_before_answer(ctx.session)
    return CallOut.from_view(views.view(ctx, call_id), show_caller=True)
