"""Reading a call as an EIDO: what `eido.document` needs, from one transaction."""

from __future__ import annotations

from typing import Any

from cadtriage.calls import repository as calls
from cadtriage.calls.models import Call, TriageDecision
from cadtriage.context import Context
from cadtriage.dispatch import repository as dispatch
from cadtriage.eido import repository as eido
from cadtriage.eido.document import Incident, build
from cadtriage.eido.reading import callers_notes, read
from cadtriage.errors import NotFound
from cadtriage.events import repository as events
from cadtriage.triage.apco import APCO_INCIDENT_TYPES
from cadtriage.triage.protocol import Protocol


def call_as_eido(ctx: Context, call_id: int, *, show_caller: bool) -> dict[str, Any]:
    """The EIDO of a call as it stands now; the caller's details only when `show_caller`."""
    call = calls.get(ctx.session, call_id)
    if call is None:
        raise NotFound(f"call {call_id} not found")
    decision = calls.triage_decisions(ctx.session, [call_id])[call_id]
    resources = dispatch.assignments_of_call(ctx.session, call_id)
    logged = events.for_call(ctx.session, call_id)
    changed = {"call": max([call.received_at, *(e.occurred_at for e in logged)])}
    for assignment, unit in resources:
        times = [e.occurred_at for e in logged if e.unit_id == unit.id]
        changed[f"unit:{unit.id}"] = max([assignment.assigned_at, *times])
    received = eido.for_call(ctx.session, call_id)
    sent_code = (
        (received.document.get("incidentComponent") or {}).get("incidentTypeCommonRegistryText")
        if received
        else None
    )
    incident = Incident(
        call=call,
        decision=decision,
        # A call from another centre keeps its tracking id and, when it is an APCO code, its incident type.
        incident_type=sent_code
        if sent_code in APCO_INCIDENT_TYPES
        else incident_type(call, decision, ctx.protocol),
        incident_id=received.incident_id if received else None,
        resources=resources,
        outcome=calls.outcomes(ctx.session, [call_id]).get(call_id),
        changed=changed,
        eido_attributes={name: c.eido for name, c in ctx.protocol.capabilities.items() if c.eido},
        carried=carried_components(received.document, ctx.settings.eido_agency) if received else {},
        stated=stated_by_sender(received.document, call, ctx.settings.eido_agency) if received else {},
    )
    return build(incident, agency=ctx.settings.eido_agency, show_caller=show_caller)


# The components in which another agency says what it did about the incident.
_CARRIED = ("agencyComponent", "emergencyResourceComponent", "dispatchComponent")


def carried_components(document: dict[str, Any], agency: str) -> dict[str, list[dict[str, Any]]]:
    """Other agencies' components in an EIDO this centre received, to carry into its own unchanged (each says
    when and by whom it was last updated: a sender's agency that owned the incident says so as of its own time):
    their agencies, resources, dispatches and dispositions. This centre's own components, should the document
    carry them back, are left out: its export says its own state afresh."""

    def theirs(component: dict[str, Any]) -> bool:
        return (component.get("updatedByAgencyReference") or {}).get("$ref") != agency

    carried = {name: [c for c in document.get(name) or [] if theirs(c)] for name in _CARRIED}
    carried["agencyComponent"] = [c for c in carried["agencyComponent"] if c["$id"] != agency]
    incident = document.get("incidentComponent") or {}
    carried["dispositionComponent"] = [c for c in incident.get("dispositionComponent") or [] if theirs(c)]
    return {name: items for name, items in carried.items() if items}


def stated_by_sender(document: dict[str, Any], call: Call, agency: str) -> dict[str, dict[str, Any]]:
    """Who last stated each part of a call from another centre, and when: the sender's component, for the notes,
    location, callback and caller that still say what its latest document says; this centre's own otherwise (a
    dispatcher's completion, or a value changed here, is this centre's update)."""
    report = read(document)
    same = {
        "notes": bool(call.narrative) and call.narrative == report.narrative,
        "location": report.lat is not None
        and report.lon is not None
        and abs(call.lat - report.lat) < 1e-6
        and abs(call.lon - report.lon) < 1e-6,
        "callback": bool(call.caller_phone) and call.caller_phone == report.caller_phone,
        "caller": bool(call.caller_name) and call.caller_name == report.caller_name,
    }
    located = report.location_component
    components = {
        "notes": callers_notes(document)[:1],
        "location": [document["locationComponent"][located]] if located is not None else [],
        "callback": (document.get("callbackComponent") or [])[:1],
        "caller": (document.get("personComponent") or [])[:1],
    }
    stated: dict[str, dict[str, Any]] = {}
    for key, found in components.items():
        said = found[0] if found and same[key] else None
        by = (said or {}).get("updatedByAgencyReference") or {}
        if said and by.get("$ref") not in (None, agency) and said.get("lastUpdateTimeStamp"):
            stated[key] = {"lastUpdateTimeStamp": said["lastUpdateTimeStamp"], "updatedByAgencyReference": by}
    return stated


def incident_type(call: Call, decision: TriageDecision, protocol: Protocol) -> str:
    """The call's APCO ANS 2.103 common incident type: its call type when that is one, else the protocol's code
    for the first concept the decision's evidence shows (not denied, not in the past, not left open)."""
    written = (call.call_type or "").strip().upper()
    if written in APCO_INCIDENT_TYPES:
        return written
    shown = {
        item.get("concept")
        for item in decision.evidence or ()
        if not (item.get("negated") or item.get("historical") or item.get("unanswered"))
    }
    types = protocol.incident_types
    return next((code for concept, code in types.by_concept.items() if concept in shown), types.default)
