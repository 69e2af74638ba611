"""HTTP: a call's audit trail."""

from __future__ import annotations

from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import StreamingResponse

from cadtriage.access.models import Role
from cadtriage.access.service import Principal
from cadtriage.api.deps import CallId, ContextDep, require
from cadtriage.api.problems import problem_responses as problems
from cadtriage.api.routers.calls import desk_call
from cadtriage.api.session import LoopRoute
from cadtriage.dispatch import views
from cadtriage.events import stream
from cadtriage.events.schemas import EventFilter, EventOut
from cadtriage.events.service import latest_event_id, replay_late, replay_page

router = APIRouter(tags=["events"], route_class=LoopRoute)
EventReader = Annotated[Principal, Depends(require(Role.dispatcher, Role.supervisor, Role.clinician))]
# What each role may see in the stream (empty: everything): who was given access is for supervisors, not every
# console on the floor; a clinician sees the desk's own events, not those of calls that never reached it.
VISIBLE: dict[Role, tuple[str, ...]] = {
    Role.supervisor: (),
    Role.dispatcher: ("call", "unit", "consult", "followup", "coverage", "eido"),
    Role.clinician: ("consult.requested", "consult.claimed", "consult.outcome", "consult.not_served"),
}


@router.get("/calls/{call_id}/timeline", response_model=list[EventOut], responses=problems(404))
def timeline(call_id: CallId, ctx: ContextDep, principal: EventReader) -> list[EventOut]:
    """Every event of a call, in the order it happened: who, when, what, from which state to which, and why.
    A clinician reads the timelines of calls that reached the crisis desk."""
    if principal.role is Role.clinician:
        desk_call(ctx, call_id)
    return [EventOut.model_validate(event) for event in views.timeline(ctx, call_id)]


@router.get(
    "/events",
    responses={
        200: {"content": {"text/event-stream": {}}, "description": "Server-Sent Events"},
        **problems(429, 503),
    },
    summary="Every call and unit change as Server-Sent Events, from any worker, resumable",
)
async def live_events(
    request: Request,
    principal: EventReader,
    kind: Annotated[
        list[EventFilter] | None,
        Query(
            max_length=20,
            description="kinds (`call.assigned`) or families (`call`, `unit`, `consult`, `key`) to receive; "
            "default all (`key` events only for supervisor keys; a clinician key receives `consult` events only)",
        ),
    ] = None,
    last_event_id: Annotated[str | None, Header(max_length=20, pattern=r"^[0-9]+$")] = None,
    after: Annotated[int | None, Query(ge=0, le=2**63 - 1, description="same as Last-Event-ID")] = None,
) -> StreamingResponse:
    """Each event: `id` (its audit log id), `event` (its kind) and `data` (the event as JSON). Send `Last-Event-ID`
    (or `after`) when reconnecting to receive everything logged since, then the live stream. A comment every 15 s
    keeps idle connections open (CADTRIAGE_SSE_HEARTBEAT_S).

    The stream ends, with a last comment saying why, when its key is revoked, when it falls too far behind, or
    when the worker shuts down: reconnect with `Last-Event-ID`. A key may hold CADTRIAGE_SSE_MAX_STREAMS_PER_KEY
    streams on a worker and a worker serves CADTRIAGE_SSE_MAX_STREAMS_PER_WORKER; beyond either, 429 with
    `Retry-After`."""
    after_id = int(last_event_id) if last_event_id is not None else after
    state = request.app.state
    visible = VISIBLE[principal.role]
    assert principal.key_id is not None
    subscription = await state.event_hub.subscribe(principal.key_id, stream.wanted_by(kind or [], visible))

    # On threads of their own: the request threads are exactly as many as the sessions admitted, so that every
    # admitted session can always end; a stream's read waiting for a connection must not take one of them.
    async def read_after(after_id: int) -> list[dict[str, Any]]:
        return await anyio.to_thread.run_sync(
            replay_page, state.database, after_id, limiter=state.stream_threads
        )

    async def read_latest() -> int:
        return await anyio.to_thread.run_sync(latest_event_id, state.database, limiter=state.stream_threads)

    async def read_late(seen_id: int) -> list[dict[str, Any]]:
        return await anyio.to_thread.run_sync(
            replay_late, state.database, seen_id, limiter=state.stream_threads
        )

    body = stream.events(
        state.event_hub,
        subscription,
        after_id=after_id,
        read_after=read_after,
        read_latest=read_latest,
        read_late=read_late,
        heartbeat_s=state.settings.sse_heartbeat_s,
    )
    return StreamingResponse(
        body, media_type="text/event-stream", headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    )
