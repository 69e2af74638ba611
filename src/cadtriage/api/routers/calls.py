"""HTTP: dry-run triage, intake, reading calls, and a call's lifecycle."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from cadtriage.access.models import Role
from cadtriage.access.service import Principal
from cadtriage.api.deps import CallId, ContextDep, Dispatcher, ProtocolDep, Reader, require
from cadtriage.api.problems import problem_responses as problems
from cadtriage.api.session import LoopRoute, commit_before_answer
from cadtriage.calls.models import CallStatus
from cadtriage.calls.schemas import (
    CallCancel,
    CallOut,
    CallOverride,
    CallPage,
    CallReassign,
    CallRecord,
    CallStatusChange,
    CallView,
    DecisionOut,
    IntakeRecord,
    ScreeningAnswers,
)
from cadtriage.context import Context
from cadtriage.dispatch import intake as intake_call
from cadtriage.dispatch import lifecycle, reassign, redirect, views
from cadtriage.errors import NotFound
from cadtriage.requests import Moment
from cadtriage.triage.engine import decide
from cadtriage.triage.types import ResponseType

router = APIRouter(tags=["calls"], route_class=LoopRoute)
CallReader = Annotated[
    Principal, Depends(require(Role.dispatcher, Role.supervisor, Role.unit, Role.clinician))
]
Triager = Annotated[Principal, Depends(require(Role.dispatcher, Role.admin))]


def _sees_caller(principal: Principal) -> bool:
    return principal.role in (Role.dispatcher, Role.supervisor)


def desk_call(ctx: Context, call_id: int) -> CallView:
    """A call a clinician may read: one that reached the crisis desk. Any other id, existing or not, is the same
    404 (no oracle for which calls exist)."""
    try:
        item = views.view(ctx, call_id)
    except NotFound:
        item = None
    if item is None or item.consult is None or item.consult.on_desk_at is None:
        raise NotFound(f"no call {call_id} on the crisis desk", call_id=call_id)
    return item


@router.post(
    "/triage",
    response_model=DecisionOut,
    responses=problems(422),
    summary="Dry run: a call record in, a decision out; nothing is stored",
)
def triage(record: CallRecord, protocol: ProtocolDep, _: Triager) -> DecisionOut:
    """Triage a call record under the loaded protocol without storing or dispatching anything."""
    record.require_triage_input()
    return DecisionOut.model_validate(decide(record.call_text(), protocol).as_dict())


@router.post(
    "/calls",
    response_model=CallOut,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"description": "Idempotent replay: the call already taken"}, **problems(409, 422)},
    summary="Intake: triage, store and dispatch a call",
)
def intake(record: IntakeRecord, ctx: ContextDep, response: Response, _: Dispatcher) -> CallOut:
    """Store the call with its decision and assign the nearest unit of that type, or queue it."""
    item, created = intake_call.intake(ctx, record)
    if not created:
        response.status_code = status.HTTP_200_OK
    return CallOut.from_view(item, show_caller=True)


@router.get("/calls/{call_id}", response_model=CallOut, responses=problems(404))
def get_call(call_id: CallId, ctx: ContextDep, principal: CallReader) -> CallOut:
    """One call, with its decision, unit and queue position. A unit key reads only the call it is on, a clinician
    only calls that reached the crisis desk; any other id, existing or not, is the same 404 to them (no oracle for
    which calls exist)."""
    if principal.role is Role.clinician:
        return CallOut.from_view(desk_call(ctx, call_id), show_caller=True)
    if principal.role is Role.unit:
        try:
            item = views.view(ctx, call_id)
        except NotFound:
            item = None
        sent = item.assignment if item is not None else None
        # Its current call only: a finished call keeps its last assignment, released.
        if item is None or sent is None or sent.released_at is not None or sent.unit_id != principal.unit_id:
            raise NotFound(f"no call {call_id} on this unit's assignment", call_id=call_id)
        return CallOut.from_view(item, show_caller=False)
    return CallOut.from_view(views.view(ctx, call_id), show_caller=_sees_caller(principal))


@router.get(
    "/calls",
    response_model=CallPage,
    responses=problems(422),
    summary="Calls, newest first, filtered and keyset-paginated",
)
def list_calls(
    ctx: ContextDep,
    principal: Reader,
    status_: Annotated[CallStatus | None, Query(alias="status")] = None,
    response_type: ResponseType | None = None,
    since: Moment | None = None,
    until: Moment | None = None,
    cursor: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> CallPage:
    """Calls received in [since, until), by status and requested response type."""
    found, next_cursor = views.call_page(
        ctx,
        status=status_,
        response_type=response_type,
        since=since,
        until=until,
        cursor=cursor,
        limit=limit,
    )
    items = [CallOut.from_view(item, show_caller=_sees_caller(principal)) for item in found]
    return CallPage(items=items, next_cursor=next_cursor)


@router.post("/calls/{call_id}/status", response_model=CallOut, responses=problems(404, 409, 422))
def change_call_status(call_id: CallId, change: CallStatusChange, ctx: ContextDep, _: Dispatcher) -> CallOut:
    """En route, on scene, transporting (the unit's step) or closed with a disposition and, optionally, how the
    call ended (`outcome`: its resolution, referrals, police backup, use of force, injuries). An outcome that
    contradicts itself or the call (an arrest by a civilian team with no police backup) is a 422 naming the field."""
    lifecycle.advance(ctx, call_id, change.status, change.disposition, outcome=change.outcome)
    commit_before_answer(ctx.session)
    return CallOut.from_view(views.view(ctx, call_id), show_caller=True)


@router.post("/calls/{call_id}/cancel", response_model=CallOut, responses=problems(404, 409, 422))
def cancel_call(call_id: CallId, body: CallCancel, ctx: ContextDep, _: Dispatcher) -> CallOut:
    """Cancel an open call; its unit is freed."""
    lifecycle.cancel(ctx, call_id, body.reason)
    commit_before_answer(ctx.session)
    return CallOut.from_view(views.view(ctx, call_id), show_caller=True)


@router.post(
    "/calls/{call_id}/screening",
    response_model=CallOut,
    responses=problems(404, 409, 422),
    summary="Later screening answers: the call is triaged again, and re-dispatched while its unit is not en route",
)
def answer_screening(call_id: CallId, body: ScreeningAnswers, ctx: ContextDep, _: Dispatcher) -> CallOut:
    """Record the call-taker's answers and triage the call again on everything known.

    Queued or assigned (unit not yet en route): the new decision stands, and a change of response type frees
    the unit and dispatches the call to the new type in the same transaction. Later, or over a dispatcher's
    override, the answers are recorded and the decision is not changed. Either way the timeline says so.
    """
    lifecycle.answer_screening(ctx, call_id, body.answered())
    commit_before_answer(ctx.session)
    return CallOut.from_view(views.view(ctx, call_id), show_caller=True)


@router.post("/calls/{call_id}/override", response_model=CallOut, responses=problems(404, 409, 422))
def override_call(call_id: CallId, body: CallOverride, ctx: ContextDep, _: Dispatcher) -> CallOut:
    """A dispatcher's re-triage, with its reason: the call is re-dispatched and any unit it held is freed."""
    redirect.override(ctx, call_id, body.response_type, body.reason)
    commit_before_answer(ctx.session)
    return CallOut.from_view(views.view(ctx, call_id), show_caller=True)


@router.post("/calls/{call_id}/reassign", response_model=CallOut, responses=problems(404, 409, 422))
def reassign_call(call_id: CallId, body: CallReassign, ctx: ContextDep, _: Dispatcher) -> CallOut:
    """A dispatcher's choice of unit, with the reason: an available unit of the call's type goes instead of the
    one the call has (recorded with both units); the freed unit takes the queue."""
    reassign.reassign(ctx, call_id, body.unit_id, body.reason)
    commit_before_answer(ctx.session)
    return CallOut.from_view(views.view(ctx, call_id), show_caller=True)
