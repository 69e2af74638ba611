"""A call made from an EIDO incident: the document read as an intake record, then triaged and dispatched."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from cadtriage.calls.schemas import CallView, IntakeRecord
from cadtriage.context import Context
from cadtriage.dispatch import intake
from cadtriage.eido import repository
from cadtriage.eido.models import EidoIncident
from cadtriage.eido.reading import Report
from cadtriage.errors import Unprocessable

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


def external_id(incident_id: str) -> str:
    """A stable external id from the tracking id: a retry after a lost answer is the same call."""
    return "eido-" + hashlib.sha256(incident_id.encode()).hexdigest()[:40]


def claim(ctx: Context, report: Report, document: dict[str, Any]) -> bool:
    """Record an incident received now, with no call yet; False if it is known already (see `repository.claim`)."""
    now = ctx.now()
    return repository.claim(
        ctx.session,
        {
            "incident_id": report.incident_id,
            "call_id": None,
            "issued_by": report.issued_by,
            "last_update": report.last_update,
            "digest": digest(document),
            "document": document,
            "received_at": now,
            "updated_at": now,
        },
    )


def take_snapshot(incident: EidoIncident, report: Report, document: dict[str, Any], now: datetime) -> None:
    """Keep a newer snapshot of an incident already received: its time, digest, sender and whole document."""
    incident.last_update, incident.digest, incident.document = report.last_update, digest(document), document
    incident.issued_by, incident.updated_at = report.issued_by, now


def record_of(report: Report, given: dict[str, Any] | None = None) -> IntakeRecord:
    """The intake record an incident makes; `given` (a dispatcher's additions) fills or replaces fields."""
    location = (
        {"lat": report.lat, "lon": report.lon, "address": (report.address or "")[:200] or None}
        if report.lat is not None
        else None
    )
    values: dict[str, Any] = {
        "external_id": external_id(report.incident_id),
        "call_type": (report.call_type or "")[:200] or None,
        "narrative": report.narrative,
        "location": location,
        "received_at": report.started_at,
        "caller": {"name": report.caller_name, "phone": report.caller_phone}
        if report.caller_name or report.caller_phone
        else None,
    }
    values.update({key: value for key, value in (given or {}).items() if value is not None})
    try:
        return IntakeRecord.model_validate(values)
    except ValidationError as error:
        first = str(error.errors()[0]["loc"][0])
        pointer = first if given and first in given else _POINTERS.get(first, "/")
        raise Unprocessable(
            f"{pointer}: {error.errors()[0]['msg']}",
            errors=[{"field": pointer, "message": str(e["msg"])} for e in error.errors()],
        ) from None


def create_call(ctx: Context, report: Report, given: dict[str, Any] | None = None) -> CallView:
    """Triage and dispatch the call an incident describes, and link the incident (claimed, or held) to it in the
    transaction that writes the call: a concurrent snapshot finds the call linked, never the incident alone."""

    def link(call_id: int) -> None:
        repository.link(ctx.session, report.incident_id, call_id, ctx.now())

    intake.refuse_future(report.started_at, ctx.now(), _POINTERS["received_at"])
    item, created = intake.intake(ctx, record_of(report, given), on_stored=lambda call: link(call.id))
    if not created:  # its call was taken already under this external id
        link(item.call.id)
    added = sorted(key for key, value in (given or {}).items() if value is not None)
    ctx.record(
        "eido.received",
        call_id=item.call.id,
        reason=f"EIDO incident {report.incident_id} from {report.issued_by}"
        + (f"; completed by {ctx.actor}: {', '.join(added)}" if added else ""),
        data={
            "incident_id": report.incident_id,
            "last_update": report.last_update.isoformat(),
            "given": added,
        },
    )
    return item
