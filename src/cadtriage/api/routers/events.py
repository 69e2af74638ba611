"""HTTP: a call's audit trail."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse

from cadtriage.access.models import Role
from cadtriage.api.deps import CallId, ContextDep, Reader
from cadtriage.api.problems import problem_responses as problems
from cadtriage.dispatch import views
from cadtriage.events import stream
from cadtriage.events.schemas import EventFilter, EventOut

router = APIRouter(tags=["events"])


@router.get("/calls/{call_id}/timeline", response_model=list[EventOut], responses=problems(404))
def timeline(call_id: CallId, ctx: ContextDep, _: Reader) -> list[EventOut]:
    """Every event of a call, in the order it happened: who, when, what, from which state to which, and why."""
    return [EventOut.model_validate(event) for event in views.timeline(ctx, call_id)]


@router.get(
    "/events",
    responses={
        200: {"content": {"text/event-stream": {}}, "description": "Server-Sent Events"},
        **problems(),
    },
    summary="Every call and unit change as Server-Sent Events, from any worker, resumable",
)
def live_events(
    request: Request,
    principal: Reader,
    kind: Annotated[
        list[EventFilter] | None,
        Query(
            max_length=20,
            description="kinds (`call.assigned`) or families (`call`, `unit`, `key`) to receive; default all "
            "(`key` events only for supervisor and admin keys)",
        ),
    ] = None,
    last_event_id: Annotated[str | None, Header(max_length=20, pattern=r"^[0-9]+$")] = None,
    after: Annotated[int | None, Query(ge=0, le=2**63 - 1, description="same as Last-Event-ID")] = None,
) -> StreamingResponse:
    """Each event: `id` (its audit log id), `event` (its kind) and `data` (the event as JSON). Send `Last-Event-ID`
    (or `after`) when reconnecting to receive everything logged since, then the live stream. A comment every 15 s
    keeps idle connections open (CADTRIAGE_SSE_HEARTBEAT_S)."""
    after_id = int(last_event_id) if last_event_id is not None else after
    settings = request.app.state.settings
    # Who was given access, and who lost it, is for supervisors and admins, not every console on the floor.
    hidden = () if principal.role in (Role.supervisor, Role.admin) else ("key",)
    body = stream.events(
        settings.database_url,
        after_id=after_id,
        kinds=kind or [],
        hidden=hidden,
        heartbeat_s=settings.sse_heartbeat_s,
    )
    return StreamingResponse(
        body, media_type="text/event-stream", headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    )
