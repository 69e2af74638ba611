"""HTTP: dry-run triage, intake, reading calls, and a call's lifecycle."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from cadtriage.calls import lifecycle, repository, service
from cadtriage.calls.schemas import (
    AssignmentOut,
    CallCancel,
    CallLocation,
    CallOut,
    CallOverride,
    CallPage,
    CallRecord,
    CallStatusChange,
    DecisionOut,
    IntakeRecord,
)
from cadtriage.calls.service import CallView
from cadtriage.deps import ContextDep, ProtocolDep
from cadtriage.triage.engine import decide
from cadtriage.triage.types import ResponseType

router = APIRouter(tags=["calls"])
PROBLEM: dict[int | str, dict[str, Any]] = {
    code: {"description": text, "content": {"application/problem+json": {}}}
    for code, text in {404: "No such call", 409: "Not allowed in the call's state", 422: "Invalid"}.items()
}


def call_out(item: CallView) -> CallOut:
    """The API's view of a call."""
    call, decision = item.call, item.decision
    assignment = item.assignment
    return CallOut(
        id=call.id,
        external_id=call.external_id,
        status=call.status,
        call_type=call.call_type,
        narrative=call.narrative,
        location=CallLocation(lat=call.lat, lon=call.lon, address=call.address),
        received_at=call.received_at,
        priority=call.priority,
        notify_ems=call.notify_ems,
        decision=DecisionOut.model_validate(
            {
                "response_type": decision.response_type,
                "priority": decision.priority,
                "notify_ems": decision.notify_ems,
                "protocol_version": decision.protocol_version,
                "rules": decision.rules,
                "reasons": decision.reasons,
                "evidence": decision.evidence,
            }
        ),
        decided_type=ResponseType(call.decided_type),
        requested_type=ResponseType(call.requested_type),
        dispatched_type=ResponseType(call.dispatched_type) if call.dispatched_type else None,
        divergence=call.divergence,
        divergence_detail=call.divergence_detail,
        escalations=call.escalations,
        assignment=AssignmentOut(
            unit_id=assignment.unit_id,
            call_sign=item.call_sign or "",
            distance_m=round(assignment.distance_m, 1),
            assigned_at=assignment.assigned_at,
        )
        if assignment
        else None,
        queue_position=item.queue_position,
        queued_at=call.queued_at,
        assigned_at=call.assigned_at,
        en_route_at=call.en_route_at,
        on_scene_at=call.on_scene_at,
        closed_at=call.closed_at,
        disposition=call.disposition,
        cancel_reason=call.cancel_reason,
    )


@router.post(
    "/triage",
    response_model=DecisionOut,
    responses={422: PROBLEM[422]},
    summary="Dry run: a call record in, a decision out; nothing is stored",
)
def triage(record: CallRecord, protocol: ProtocolDep) -> DecisionOut:
    """Triage a call record under the loaded protocol without storing or dispatching anything."""
    record.require_triage_input()
    return DecisionOut.model_validate(decide(record.call_text(), protocol).as_dict())


@router.post(
    "/calls",
    response_model=CallOut,
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"description": "Idempotent replay: the call already taken"},
        409: PROBLEM[409],
        422: PROBLEM[422],
    },
    summary="Intake: triage, store and dispatch a call",
)
def intake(record: IntakeRecord, ctx: ContextDep, response: Response) -> CallOut:
    """Store the call with its decision and assign the nearest unit of that type, or queue it."""
    item, created = service.intake(ctx, record)
    if not created:
        response.status_code = status.HTTP_200_OK
    return call_out(item)


@router.get("/calls/{call_id}", response_model=CallOut, responses={404: PROBLEM[404]})
def get_call(call_id: int, ctx: ContextDep) -> CallOut:
    """One call, with its decision, unit and queue position."""
    return call_out(service.view(ctx, call_id))


@router.get("/calls", response_model=CallPage, summary="Calls, newest first, filtered and keyset-paginated")
def list_calls(
    ctx: ContextDep,
    status_: Annotated[
        str | None, Query(alias="status", pattern="^(queued|assigned|en_route|on_scene|closed|cancelled)$")
    ] = None,
    response_type: ResponseType | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    cursor: Annotated[int | None, Query(ge=1)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> CallPage:
    """Calls received in [since, until), by status and requested response type."""
    rows = repository.page(
        ctx.session,
        status=status_,
        response_type=response_type.value if response_type else None,
        since=since,
        until=until,
        before_id=cursor,
        limit=limit,
    )
    items = [call_out(service.view(ctx, row.id)) for row in rows]
    return CallPage(items=items, next_cursor=rows[-1].id if len(rows) == limit else None)


@router.post(
    "/calls/{call_id}/status",
    response_model=CallOut,
    responses={404: PROBLEM[404], 409: PROBLEM[409], 422: PROBLEM[422]},
)
def change_call_status(call_id: int, change: CallStatusChange, ctx: ContextDep) -> CallOut:
    """En route, on scene, transporting (the unit's step) or closed with a disposition."""
    lifecycle.advance(ctx, call_id, change.status, change.disposition)
    return call_out(service.view(ctx, call_id))


@router.post(
    "/calls/{call_id}/cancel",
    response_model=CallOut,
    responses={404: PROBLEM[404], 409: PROBLEM[409], 422: PROBLEM[422]},
)
def cancel_call(call_id: int, body: CallCancel, ctx: ContextDep) -> CallOut:
    """Cancel an open call; its unit is freed."""
    lifecycle.cancel(ctx, call_id, body.reason)
    return call_out(service.view(ctx, call_id))


@router.post(
    "/calls/{call_id}/override",
    response_model=CallOut,
    responses={404: PROBLEM[404], 409: PROBLEM[409], 422: PROBLEM[422]},
)
def override_call(call_id: int, body: CallOverride, ctx: ContextDep) -> CallOut:
    """A dispatcher's re-triage, with its reason: the call is re-dispatched and any unit it held is freed."""
    lifecycle.override(ctx, call_id, body.response_type, body.reason)
    return call_out(service.view(ctx, call_id))
