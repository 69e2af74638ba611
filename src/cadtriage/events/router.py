"""HTTP: a call's audit trail."""

from __future__ import annotations

from fastapi import APIRouter

from cadtriage.calls import repository as calls
from cadtriage.deps import CallId, ContextDep, Reader
from cadtriage.errors import NotFound
from cadtriage.errors import problem_responses as problems
from cadtriage.events import repository
from cadtriage.events.schemas import EventOut

router = APIRouter(tags=["events"])


@router.get("/calls/{call_id}/timeline", response_model=list[EventOut], responses=problems(404))
def timeline(call_id: CallId, ctx: ContextDep, _: Reader) -> list[EventOut]:
    """Every event of a call, in the order it happened: who, when, what, from which state to which, and why."""
    if calls.get(ctx.session, call_id) is None:
        raise NotFound(f"no call with id {call_id}", call_id=call_id)
    return [EventOut.model_validate(event) for event in repository.for_call(ctx.session, call_id)]
