"""Taking a call from another centre as a NENA EIDO: created, triaged and dispatched like any intake, once.

The incident tracking id (the document's `$id`) makes it idempotent: the same snapshot again changes nothing; a
newer one updates what may still change (the notes triage reads, the location while no unit has been sent, the
callback) and is recorded in the timeline; an older one is refused. The whole latest document is kept.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pydantic import ValidationError

from cadtriage.calls.models import CallStatus
from cadtriage.calls.schemas import CallView, IntakeRecord
from cadtriage.context import Context
from cadtriage.dispatch import intake, lifecycle, views
from cadtriage.dispatch.locks import lock_call
from cadtriage.dispatch.matching import dispatch_or_queue
from cadtriage.dispatch.transitions import OPEN_CALL
from cadtriage.eido import repository
from cadtriage.eido.models import EidoIncident
from cadtriage.eido.reading import Report, read
from cadtriage.eido.schema import problems
from cadtriage.errors import Conflict, Unprocessable

# Where in an EIDO each field of the call record comes from, to name it when the record refuses a value.
_POINTERS = {
    "call_type": "/incidentComponent/incidentTypeInternalText",
    "narrative": "/notesComponent",
    "location": "/locationComponent",
    "received_at": "/callComponent/0/callStartTimestamp",
    "caller": "/personComponent",
}


def digest(document: dict[str, Any]) -> str:
    """A stable digest of a document, to tell the same snapshot again from a different one."""
    return hashlib.sha256(json.dumps(document, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def receive(ctx: Context, document: Any) -> tuple[CallView, str]:
    """Create or update the call an EIDO describes; the call and what happened: created, unchanged or updated."""
    found = problems(document)
    if found:
        pointer, message = found[0]
        raise Unprocessable(
            f"not a valid EIDO at {pointer or '/'}: {message}",
            errors=[{"field": pointer or "/", "message": message} for pointer, message in found[:20]],
        )
    report = read(document)
    known = repository.get(ctx.session, report.incident_id, lock=True)
    if known is None:
        return _create(ctx, report, document), "created"
    if report.last_update < known.last_update:
        raise Conflict(
            f"an older snapshot of incident {report.incident_id}: this one is of "
            f"{report.last_update.isoformat()}, the call already holds {known.last_update.isoformat()}",
            current=known.last_update.isoformat(),
        )
    if digest(document) == known.digest or report.last_update == known.last_update:
        return views.view(ctx, known.call_id), "unchanged"
    _update(ctx, known, report, document)
    return views.view(ctx, known.call_id), "updated"


def _record(report: Report) -> IntakeRecord:
    # A stable external id from the tracking id: a retry after a lost answer is the same call.
    external_id = "eido-" + hashlib.sha256(report.incident_id.encode()).hexdigest()[:40]
    values: dict[str, Any] = {
        "external_id": external_id,
        "call_type": (report.call_type or "")[:200] or None,
        "narrative": report.narrative,
        "location": {"lat": report.lat, "lon": report.lon, "address": (report.address or "")[:200] or None},
        "received_at": report.started_at,
        "caller": {"name": report.caller_name, "phone": report.caller_phone}
        if report.caller_name or report.caller_phone
        else None,
    }
    try:
        return IntakeRecord.model_validate(values)
    except ValidationError as error:
        first = str(error.errors()[0]["loc"][0])
        pointer = _POINTERS.get(first, "/")
        raise Unprocessable(
            f"{pointer}: {error.errors()[0]['msg']}",
            errors=[{"field": pointer, "message": str(e["msg"])} for e in error.errors()],
        ) from None


def _create(ctx: Context, report: Report, document: dict[str, Any]) -> CallView:
    item, _ = intake.intake(ctx, _record(report))
    now = ctx.now()
    repository.remember(
        ctx.session,
        {
            "incident_id": report.incident_id,
            "call_id": item.call.id,
            "issued_by": report.issued_by,
            "last_update": report.last_update,
            "digest": digest(document),
            "document": document,
            "received_at": now,
            "updated_at": now,
        },
    )
    ctx.record(
        "eido.received",
        call_id=item.call.id,
        reason=f"EIDO incident {report.incident_id} from {report.issued_by}",
        data={"incident_id": report.incident_id, "last_update": report.last_update.isoformat()},
    )
    return item


def _update(ctx: Context, known: EidoIncident, report: Report, document: dict[str, Any]) -> None:
    call = lock_call(ctx, known.call_id)
    changed = []
    if (report.narrative or None) != (call.narrative or None):
        changed.append("notes")
    if (report.lat, report.lon) != (call.lat, call.lon):
        changed.append("location")
    if (report.caller_name, report.caller_phone) != (call.caller_name, call.caller_phone):
        changed.append("callback")
    known.last_update, known.digest, known.document = report.last_update, digest(document), document
    known.issued_by, known.updated_at = report.issued_by, ctx.now()
    applied = [field for field in changed if _applies(field, call.status)]
    ctx.record(
        "eido.updated",
        call_id=call.id,
        reason=f"newer snapshot from {report.issued_by}: "
        + (f"{', '.join(changed)} changed" if changed else "nothing this service reads changed")
        + (f"; applied: {', '.join(applied)}" if applied != changed else ""),
        data={"changed": changed, "applied": applied, "last_update": report.last_update.isoformat()},
    )
    if "callback" in applied:
        call.caller_name, call.caller_phone = report.caller_name, report.caller_phone
    if "location" in applied:  # still waiting: the next unit is measured from where the call now is
        call.lat, call.lon = report.lat, report.lon
        dispatch_or_queue(ctx, call)
    if "notes" in applied:
        call.narrative = report.narrative
        lifecycle.answer_screening(
            ctx, call.id, {}, note=f"new notes in EIDO snapshot from {report.issued_by}"
        )


def _applies(field: str, status: CallStatus) -> bool:
    if field == "location":
        return status is CallStatus.queued
    return status in OPEN_CALL
