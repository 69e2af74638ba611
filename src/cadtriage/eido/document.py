"""A call as an EIDO 1.0 document: pure, from what the service stored, with no I/O.

An EIDO is the current state of one incident. Its components refer to each other by `$id` (`{"$ref": ...}`), and
each says when it last changed (`lastUpdateTimeStamp`) and by which agency. The triage response type travels as
an internal incident code: the APCO registry has no code for a co-responder or a civilian crisis team.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from cadtriage.calls.models import Assignment, Call, CallOutcome, TriageDecision
from cadtriage.eido.reading import INCIDENT_ID, TRIAGE_NOTE
from cadtriage.units.models import Unit

EIDO_VERSION = "1.0"
# The unit statuses as EIDO's unit status registry names them.
UNIT_STATUS = {
    "available": "Available",
    "dispatched": "Dispatched",
    "en_route": "Enroute",
    "on_scene": "OnScene",
    "transporting": "Transporting",
    "out_of_service": "OutOfService",
}
CLOSED = {"closed", "cancelled"}


@dataclass(frozen=True)
class Incident:
    """Everything an EIDO says about one call, read in one transaction."""

    call: Call
    decision: TriageDecision  # the decision in force (the latest)
    incident_type: str  # its APCO ANS 2.103 common incident type
    resources: Sequence[tuple[Assignment, Unit]]  # every unit sent to it, oldest first
    outcome: CallOutcome | None
    changed: Mapping[str, datetime]  # "call" -> last change; "unit:<id>" -> last change of that unit on it
    eido_attributes: Mapping[str, str]  # capability id -> EIDO resource attribute, where the registry has one
    incident_id: str | None = None  # the tracking id of the EIDO the call came from, which it keeps
    # Other agencies' components from the EIDO the call came from (agencies, resources, dispatches,
    # dispositions), carried as they sent them: a hand-over does not lose what the sender did.
    carried: Mapping[str, Sequence[dict[str, Any]]] = field(default_factory=dict)
    # For a call from another centre: the components ("notes", "location", "callback", "caller") whose content is
    # still as the sender stated it, with the sender's own time and agency (`export.stated_by_sender`).
    stated: Mapping[str, dict[str, Any]] = field(default_factory=dict)


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds")


class _Ids:
    """The `$id`s of one call's components, stable for the call: the incident tracking identifier and the rest."""

    def __init__(self, agency: str, call: Call, incident_id: str | None) -> None:
        self.agency = agency
        self.incident = incident_id or INCIDENT_ID.format(call_id=call.id, agency=agency)
        self.call = f"urn:emergency:uid:callid:cad{call.id}:{agency}"
        self.location = f"urn:cadtriage:{agency}:call:{call.id}:location"
        self.caller = f"urn:cadtriage:{agency}:call:{call.id}:caller"
        self.callback = f"urn:cadtriage:{agency}:call:{call.id}:callback"
        self.dispatch = f"urn:cadtriage:{agency}:call:{call.id}:dispatch"
        self.base = f"urn:cadtriage:{agency}:call:{call.id}"

    def unit(self, unit: Unit) -> str:
        return f"urn:cadtriage:{self.agency}:unit:{unit.call_sign}"

    def note(self, n: int) -> str:
        return f"{self.base}:note:{n}"


def build(incident: Incident, *, agency: str, show_caller: bool) -> dict[str, Any]:
    """The EIDO of a call; the caller's person and callback components only when `show_caller`."""
    call, ids = incident.call, _Ids(agency, incident.call, incident.incident_id)
    last = incident.changed["call"]

    def prologue(component_id: str, at: datetime) -> dict[str, Any]:
        return {
            "$id": component_id,
            "lastUpdateTimeStamp": _iso(at),
            "updatedByAgencyReference": {"$ref": agency},
        }

    def stated(key: str, component_id: str, at: datetime) -> dict[str, Any]:
        # What the sender said and this centre has not changed is the sender's update, as of its own time.
        said = incident.stated.get(key)
        return {"$id": component_id, **said} if said else prologue(component_id, at)

    caller = show_caller and bool(call.caller_name or call.caller_phone)
    phone = show_caller and bool(call.caller_phone)
    # The call-taker's narrative, then triage's reasons marked as such (a receiving cadtriage triages on the
    # narrative, not on another centre's reasons: `eido.reading.TRIAGE_NOTE`).
    notes = (
        [{**stated("notes", ids.note(0), call.received_at), "notesActionComments": call.narrative}]
        if call.narrative
        else []
    )
    notes += [
        {
            **prologue(ids.note(n), incident.decision.created_at),
            "notesActionComments": f"{TRIAGE_NOTE}{reason}",
        }
        for n, reason in enumerate(incident.decision.reasons, start=1)
    ]
    document: dict[str, Any] = {
        **prologue(ids.incident, last),
        "eidoVersion": EIDO_VERSION,
        "issuingElementIdentification": agency,
        "agencyComponent": [
            {
                **prologue(agency, last),
                "agencyRoleDescriptionRegistryText": ["Dispatching"],
                "agencyType": ["psap"],
                "incidentOwningAgencyIndicator": True,
            },
            *incident.carried.get("agencyComponent", ()),
        ],
        "incidentComponent": _incident(incident, ids, prologue(ids.incident, last), caller, notes),
        "callComponent": [_call(call, ids, prologue(ids.call, call.received_at), caller, phone)],
        "locationComponent": [_location(call, ids, stated("location", ids.location, call.received_at))],
    }
    if phone:
        document["callbackComponent"] = [
            {
                **stated("callback", ids.callback, call.received_at),
                "callBackInformationUri": [f"tel:{call.caller_phone}"],
            }
        ]
    if caller:
        document["personComponent"] = [
            _caller(call, ids, stated("caller", ids.caller, call.received_at), phone)
        ]
    resources = [
        _resource(
            incident, ids, assignment, unit, prologue(ids.unit(unit), incident.changed[f"unit:{unit.id}"])
        )
        for assignment, unit in incident.resources
    ]
    dispatches = (
        [
            {
                **prologue(ids.dispatch, max(a.released_at or a.assigned_at for a, _ in incident.resources)),
                "agencyReference": {"$ref": agency},
                "emergencyResourceReference": [{"$ref": ids.unit(unit)} for _, unit in incident.resources],
            }
        ]
        if incident.resources
        else []
    )
    resources += incident.carried.get("emergencyResourceComponent", ())
    dispatches += incident.carried.get("dispatchComponent", ())
    if resources:
        document["emergencyResourceComponent"] = resources
    if dispatches:
        document["dispatchComponent"] = dispatches
    if notes:
        document["notesComponent"] = notes
    return document


def _incident(
    incident: Incident, ids: _Ids, prologue: dict[str, Any], caller: bool, notes: list[dict[str, Any]]
) -> dict[str, Any]:
    call = incident.call
    component: dict[str, Any] = {
        **prologue,
        "incidentTypeCommonRegistryText": incident.incident_type,
        "incidentTypeInternalCode": call.requested_type,
        "incidentTypeInternalText": call.call_type or "",
        "incidentStatusCommonRegistryText": ["Closed" if call.status in CLOSED else "Active"],
        "incidentStatusInternalText": [str(call.status)],
        "internalIncidentId": call.external_id,
        "incidentPriorityInternalText": f"P{call.priority}",
        "incidentCommonPriorityNumber": call.priority,
        "locationReference": [{"$ref": ids.location}],
        "notesReference": [{"$ref": note["$id"]} for note in notes],
    }
    if caller:
        component["personReference"] = [{"$ref": ids.caller}]
    dispositions = list(incident.carried.get("dispositionComponent", ()))
    if call.status in CLOSED:
        closed = {
            **prologue,
            "$id": f"{ids.base}:disposition",
            "lastUpdateTimeStamp": _iso(call.closed_at or call.received_at),
        }
        dispositions.insert(0, _disposition(call, incident.outcome, closed))
    if dispositions:
        component["dispositionComponent"] = dispositions
    return component


def _disposition(call: Call, outcome: CallOutcome | None, prologue: dict[str, Any]) -> dict[str, Any]:
    # No APCO disposition code list was available to this project: the code is cadtriage's own resolution.
    code = str(outcome.resolution) if outcome else str(call.status)
    text = call.disposition if call.status == "closed" else call.cancel_reason
    return {
        **prologue,
        "dispositionCommonRegistryCode": code,
        "dispositionPrimaryIndicator": True,
        "dispositionCategoryText": "cadtriage resolution",
        "dispositionDescriptionText": text or "",
    }


def _call(call: Call, ids: _Ids, prologue: dict[str, Any], caller: bool, phone: bool) -> dict[str, Any]:
    component: dict[str, Any] = {
        **prologue,
        "standardPrimaryCallType": "emergency",
        "direction": "incoming",
        "callStartTimestamp": _iso(call.received_at),
        "callStateRegistryText": "callAnswered",
        "localCallType": call.call_type or "",
        "locationReference": [{"$ref": ids.location}],
    }
    if caller:
        component["personReference"] = [{"$ref": ids.caller}]
    if phone:
        component["callBackReference"] = {"$ref": ids.callback}
    return component


def _location(call: Call, ids: _Ids, prologue: dict[str, Any]) -> dict[str, Any]:
    component: dict[str, Any] = {
        **prologue,
        "locationTypeDescriptionRegistryText": "InitialIncident",
        "locationByValue": pidf_point(ids.location, call.lat, call.lon, call.received_at),
    }
    address = call.record.get("location", {}).get("address") if call.record else None
    if address:
        component["locationDescriptionText"] = address
    return component


def pidf_point(entity: str, lat: float, lon: float, at: datetime) -> str:
    """A PIDF-LO document (RFC 4119, RFC 5491) placing `entity` at a WGS84 point."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:gp="urn:ietf:params:xml:ns:pidf:geopriv10"'
        ' xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" xmlns:gml="http://www.opengis.net/gml"'
        f" entity={quoteattr('pres:' + entity)}>"
        '<dm:device id="incident"><gp:geopriv><gp:location-info>'
        f'<gml:Point srsName="urn:ogc:def:crs:EPSG::4326"><gml:pos>{lat:.7f} {lon:.7f}</gml:pos></gml:Point>'
        "</gp:location-info><gp:usage-rules/><gp:method>Manual</gp:method></gp:geopriv>"
        f"<dm:timestamp>{escape(_iso(at))}</dm:timestamp></dm:device></presence>"
    )


def _caller(call: Call, ids: _Ids, prologue: dict[str, Any], phone: bool) -> dict[str, Any]:
    component: dict[str, Any] = {
        **prologue,
        "personIncidentRoleRegistryText": ["Caller"],
        "callIdentifier": [ids.call],
    }
    if call.caller_name:
        component["ncPersonComponent"] = {"name": [{"personFullName": [{"value": call.caller_name}]}]}
    if phone:
        component["callBackReference"] = {"$ref": ids.callback}
    return component


def _resource(
    incident: Incident, ids: _Ids, assignment: Assignment, unit: Unit, prologue: dict[str, Any]
) -> dict[str, Any]:
    on_it = assignment.released_at is None
    capabilities = sorted(unit.capabilities or {})
    component: dict[str, Any] = {
        **prologue,
        "emergencyResourceTypeCommonRegistryText": unit.unit_type,
        "emergencyResourceTypeInternalText": unit.unit_type,
        "emergencyResourceName": unit.call_sign,
        "resourceAttributeRegistryText": sorted(
            {incident.eido_attributes[c] for c in capabilities if c in incident.eido_attributes}
        ),
        "resourceAttributeInternalText": capabilities,
        "primaryUnitStatusRegistryText": UNIT_STATUS[str(unit.status)] if on_it else "Cleared",
        "secondaryUnitStatusRegistryText": [],
        "unitStatusInternal": [str(unit.status) if on_it else f"released: {assignment.release_reason}"],
        "agentReference": [],
    }
    if on_it:
        component["activeOnIncidentId"] = ids.incident
    return component
