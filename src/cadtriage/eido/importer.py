"""Taking a call from another centre as a NENA EIDO: created, triaged and dispatched like any intake, once.

The incident tracking id (the document's `$id`) makes it idempotent: the same snapshot again changes nothing; a
newer one updates what may still change (the notes triage reads, the location while no unit has been sent, the
callback) and is recorded in the timeline; an older one is refused. The whole latest document is kept. An
incident that cannot be dispatched as sent (no point, nothing to triage, closed by its sender) is held
(`eido.awaiting`).
"""

from __future__ import annotations

from typing import Any

from cadtriage.calls.models import Call, CallStatus
from cadtriage.calls.schemas import CallView
from cadtriage.context import Context
from cadtriage.dispatch import lifecycle, views
from cadtriage.dispatch.locks import lock_call
from cadtriage.dispatch.matching import dispatch_or_queue
from cadtriage.dispatch.transitions import OPEN_CALL
from cadtriage.eido import awaiting, repository
from cadtriage.eido.creation import claim, create_call, digest, take_snapshot
from cadtriage.eido.models import EidoIncident
from cadtriage.eido.reading import Report, own_call_id, read
from cadtriage.eido.schema import problems
from cadtriage.errors import Conflict, NotFound, Unprocessable
from cadtriage.service_area import refuse_outside

Received = tuple[CallView | awaiting.Held, str]


def receive(ctx: Context, document: Any) -> Received:
    """Create or update what an EIDO describes: the call (or, when it cannot be dispatched as sent, the held
    incident), and what happened: created, unchanged, updated or awaiting; or `own` for this centre's own call
    sent back to it, which changes nothing."""
    found = problems(document)
    if found:
        pointer, message = found[0]
        raise Unprocessable(
            f"not a valid EIDO at {pointer or '/'}: {message}",
            errors=[{"field": pointer or "/", "message": message} for pointer, message in found[:20]],
        )
    report = read(document)
    own = own_call_id(report.incident_id, ctx.settings.eido_agency)
    if own is not None:  # our own call, sent back (a partner echoing it, or adding notes)
        return _own(ctx, own, report)
    if claim(ctx, report, document):  # the first snapshot: a concurrent one waits for this one to be written
        if awaiting.held_back(report):
            return awaiting.hold(ctx, report), "awaiting"
        return create_call(ctx, report), "created"
    known = repository.get(ctx.session, report.incident_id, lock=True)
    assert known is not None
    if report.last_update < known.last_update:
        raise Conflict(
            f"an older snapshot of incident {report.incident_id}: this one is of "
            f"{report.last_update.isoformat()}, the incident already holds {known.last_update.isoformat()}",
            current=known.last_update.isoformat(),
        )
    same = digest(document) == known.digest or report.last_update == known.last_update
    if known.call_id is None:
        if same:
            return awaiting.Held(known, read(known.document)), "awaiting"
        if awaiting.held_back(report):
            return awaiting.refresh(ctx, known, report, document), "awaiting"
        take_snapshot(known, report, document, ctx.now())
        return create_call(ctx, report), "created"
    if same:
        return views.view(ctx, known.call_id), "unchanged"
    _update(ctx, known, report, document)
    return views.view(ctx, known.call_id), "updated"


def _own(ctx: Context, call_id: int, report: Report) -> Received:
    """This centre's own call sent back: what it holds is the incident's state, so nothing the document says
    replaces it — except notes a partner added, which are read like any newer snapshot's (a weapon mentioned in
    them must reach triage), and recorded."""
    try:
        call = lock_call(ctx, call_id)
    except NotFound:
        raise Conflict(
            f"incident {report.incident_id} is named as this centre's own call {call_id}, which does not exist",
            call_id=call_id,
        ) from None
    if (report.narrative or None) == (call.narrative or None) or call.status not in OPEN_CALL:
        return views.view(ctx, call_id), "own"
    ctx.record(
        "eido.updated",
        call_id=call.id,
        reason=f"this centre's own incident sent back by {report.issued_by} with new notes; applied: notes",
        data={"changed": ["notes"], "applied": ["notes"], "last_update": report.last_update.isoformat()},
    )
    _read_new_notes(ctx, call, report)
    return views.view(ctx, call_id), "updated"


def _read_new_notes(ctx: Context, call: Call, report: Report) -> None:
    # The snapshot's notes become the call's remarks, and the call is triaged again on them.
    call.narrative = report.narrative
    lifecycle.answer_screening(ctx, call.id, {}, note=f"new notes in EIDO snapshot from {report.issued_by}")


def _update(ctx: Context, known: EidoIncident, report: Report, document: dict[str, Any]) -> None:
    assert known.call_id is not None
    call = lock_call(ctx, known.call_id)
    changed = []
    if (report.narrative or None) != (call.narrative or None):
        changed.append("notes")
    point = (report.lat, report.lon) if report.lat is not None and report.lon is not None else None
    if point is not None and point != (call.lat, call.lon):  # a snapshot without a point moves nothing
        changed.append("location")
        if _applies("location", call.status):  # a new incident there is refused: so is a move there
            refuse_outside(ctx.settings.area, *point, mutual_aid=False)
    if (report.caller_name, report.caller_phone) != (call.caller_name, call.caller_phone):
        changed.append("callback")
    if report.closed and not read(known.document).closed:  # recorded, never applied: the call is ours to end
        changed.append("status")
    take_snapshot(known, report, document, ctx.now())
    applied = [field for field in changed if _applies(field, call.status)]
    ctx.record(
        "eido.updated",
        call_id=call.id,
        reason=f"newer snapshot from {report.issued_by}: "
        + (f"{', '.join(changed)} changed" if changed else "nothing this service reads changed")
        + (f"; applied: {', '.join(applied) or 'nothing'}" if applied != changed else "")
        + ("; its sender closed the incident, the call here stays open" if "status" in changed else ""),
        data={"changed": changed, "applied": applied, "last_update": report.last_update.isoformat()},
    )
    if "callback" in applied:
        call.caller_name, call.caller_phone = report.caller_name, report.caller_phone
    if "location" in applied and point is not None:  # still waiting: the next unit is measured from there
        call.lat, call.lon = point
        dispatch_or_queue(ctx, call)
    if "notes" in applied:
        _read_new_notes(ctx, call, report)


def _applies(field: str, status: CallStatus) -> bool:
    if field == "status":
        return False
    if field == "location":
        return status is CallStatus.queued
    return status in OPEN_CALL
