"""What the service reads of an EIDO another centre sends: pure, on a document already valid against the schema.

The call is the incident: its type (the sender's internal text, else its APCO code), the call-taker's notes as
the narrative (the `triage: ...` reasons a cadtriage wrote, under its own note ids and agency, are not the
caller's words), the initial incident location's point (PIDF-LO by value, GML Point or Circle), the call's
start, and the caller's name and callback number. A location given only as a civic address (NENA's own sample)
is read as the address, with no point: the incident waits for a dispatcher to place it (`eido.awaiting`). A
document with neither is refused, naming where the location was looked for. An incident its sender says is
closed is read as closed: nobody is sent to it unless a dispatcher says so.
"""

from __future__ import annotations

import re
import unicodedata
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cadtriage.errors import Unprocessable

TRIAGE_NOTE = "triage: "
_DEGREES = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d{1,2})?")
# The incident tracking id this centre gives a call of its own in the EIDOs it sends.
INCIDENT_ID = "urn:emergency:uid:incidentid:cad{call_id}:{agency}"
_OWN_INCIDENT = re.compile(r"^urn:emergency:uid:incidentid:cad0*([1-9]\d{0,17}):(.+)$", re.IGNORECASE)
_TRIAGE_NOTE_ID = re.compile(r"^urn:cadtriage:([^:]+):call:\d+:note:[1-9]\d*$")
_LOCATION_ORDER = ("InitialIncident", "Caller", "RoutingLocation")
_PHONE = re.compile(r"^tel:([0-9+() .-]{3,32})$")


@dataclass(frozen=True)
class Report:
    """An EIDO incident as a call record."""

    incident_id: str
    issued_by: str
    last_update: datetime
    call_type: str | None
    incident_code: str | None
    narrative: str | None
    lat: float | None  # None: only a civic address was given, nothing yet to measure a unit's distance from
    lon: float | None
    address: str | None
    started_at: datetime | None
    caller_name: str | None
    caller_phone: str | None
    closed: bool = False  # the sender says the incident is closed (registry status "Closed")
    location_component: int | None = None  # the index of the location component the point was read from


def _refuse(pointer: str, message: str) -> Unprocessable:
    return Unprocessable(f"{pointer}: {message}", errors=[{"field": pointer, "message": message}])


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _identifier(document: dict[str, Any], key: str) -> str:
    # Stored as the incident's key and sender (255 characters) and shown to dispatchers: printable text only, so
    # that a direction override cannot make one incident's id read as another's.
    value: str = document[key]
    if not 1 <= len(value) <= 255:
        raise _refuse(f"/{key}", "1 to 255 characters")
    if any(unicodedata.category(c) in ("Cc", "Cf") for c in value):
        raise _refuse(f"/{key}", "control and formatting characters are not allowed")
    return value


def own_call_id(incident_id: str, agency: str) -> int | None:
    """The call an incident tracking id names when this centre (`agency`) gave it, else None."""
    found = _OWN_INCIDENT.match(incident_id)
    # Leading zeros and the agency's case do not make another incident (a domain name ignores case).
    return int(found.group(1)) if found and found.group(2).casefold() == agency.casefold() else None


def read(document: dict[str, Any]) -> Report:
    """The call an EIDO describes (the document must already be valid against the schema)."""
    incident_id, issued_by = (
        _identifier(document, "$id"),
        _identifier(document, "issuingElementIdentification"),
    )
    incident = document.get("incidentComponent") or {}
    calls = document.get("callComponent") or [{}]
    lat, lon, address, location_component = _place(document.get("locationComponent") or [])
    last = _when(document["lastUpdateTimeStamp"])
    assert last is not None
    if last.tzinfo is None:
        raise _refuse("/lastUpdateTimeStamp", "needs its time zone")
    name, phone = _caller(document)
    notes = [note["notesActionComments"].strip() for note in callers_notes(document)]
    return Report(
        incident_id=incident_id,
        issued_by=issued_by,
        last_update=last,
        call_type=incident.get("incidentTypeInternalText")
        or incident.get("incidentTypeCommonRegistryText")
        or calls[0].get("localCallType"),
        incident_code=incident.get("incidentTypeCommonRegistryText"),
        narrative="\n".join(notes)[:4000] or None,
        lat=lat,
        lon=lon,
        address=address,
        started_at=_when(calls[0].get("callStartTimestamp")),
        caller_name=name,
        caller_phone=phone,
        closed=any(
            s.strip().lower() == "closed" for s in incident.get("incidentStatusCommonRegistryText") or []
        ),
        location_component=location_component,
    )


def _triage_reason(note: dict[str, Any]) -> bool:
    # A cadtriage's own reason: its text, the id a cadtriage gives its reasons (note 1 onwards of one of its calls),
    # written by the agency that id names. A note that only begins "triage: " is someone's words, and is read.
    found = _TRIAGE_NOTE_ID.match(note.get("$id", ""))
    return (
        found is not None
        and note["notesActionComments"].startswith(TRIAGE_NOTE)
        and (note.get("updatedByAgencyReference") or {}).get("$ref") == found.group(1)
    )


def callers_notes(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The notes components that say something of the call: not empty, not triage reasons a cadtriage wrote."""
    return [
        note
        for note in document.get("notesComponent") or []
        if note["notesActionComments"].strip() and not _triage_reason(note)
    ]


def _place(locations: list[dict[str, Any]]) -> tuple[float | None, float | None, str | None, int | None]:
    ranked = sorted(
        enumerate(locations),
        key=lambda item: (
            _LOCATION_ORDER.index(item[1]["locationTypeDescriptionRegistryText"])
            if item[1]["locationTypeDescriptionRegistryText"] in _LOCATION_ORDER
            else len(_LOCATION_ORDER)
        ),
    )
    addresses: list[str] = []
    for index, location in ranked:
        pointer = f"/locationComponent/{index}/locationByValue"
        root = _pidf(location.get("locationByValue"), pointer)
        point = _point(root, pointer)
        if point is not None:
            return (*point, location.get("locationDescriptionText"), index)
        civic = _civic(root) or location.get("locationDescriptionText")
        if civic:
            addresses.append(civic)
    if addresses:
        return None, None, addresses[0], None
    raise _refuse(
        "/locationComponent",
        "no location by value: neither a point (PIDF-LO point or circle) nor a civic address; a reference "
        "alone cannot be dispatched to",
    )


def _pidf(pidf: str | None, pointer: str) -> ElementTree.Element | None:
    if not pidf:
        return None
    if "<!DOCTYPE" in pidf or "<!ENTITY" in pidf:
        raise _refuse(pointer, "a PIDF-LO document may not declare a DOCTYPE or entities")
    try:
        return ElementTree.fromstring(pidf)  # noqa: S314 (no DOCTYPE or entities: refused above)
    except ElementTree.ParseError as error:
        raise _refuse(pointer, f"not well-formed XML: {error}") from None


# RFC 5139 civic address elements, in the order an address is written: number, street, place, region, country.
_STREET = ("HNO", "HNS", "PRD", "RD", "STS", "POD")
_PLACE = ("LOC", "FLR", "NAM", "A6", "A5", "A4", "A3", "A2", "A1", "PC", "country")


def _civic(root: ElementTree.Element | None) -> str | None:
    if root is None:
        return None
    for element in root.iter():
        if element.tag.endswith("}civicAddress"):
            parts = {child.tag.rsplit("}", 1)[-1]: (child.text or "").strip() for child in element}
            street = " ".join(parts[key] for key in _STREET if parts.get(key))
            place = [parts[key] for key in _PLACE if parts.get(key)]
            return ", ".join([street, *place] if street else place)[:200] or None
    return None


def _point(root: ElementTree.Element | None, pointer: str) -> tuple[float, float] | None:
    if root is None:
        return None
    for element in root.iter():
        if element.tag.endswith("}pos") and element.text:
            parts = element.text.split()
            # Decimal degrees as XML writes numbers: Python's float() would also take "4_7.6", "nan" or "1e400".
            if len(parts) < 2 or not all(_DEGREES.fullmatch(part) for part in parts[:2]):
                raise _refuse(pointer, "a gml:pos must hold a latitude and a longitude")
            lat, lon = float(parts[0]), float(parts[1])
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise _refuse(pointer, "a gml:pos out of range: latitude then longitude, in degrees")
            return lat, lon
    return None


def _caller(document: dict[str, Any]) -> tuple[str | None, str | None]:
    callbacks = {c["$id"]: c for c in document.get("callbackComponent") or []}
    for person in document.get("personComponent") or []:
        if "Caller" not in person["personIncidentRoleRegistryText"]:
            continue
        names = (person.get("ncPersonComponent") or {}).get("name") or [{}]
        full = (names[0].get("personFullName") or [{}])[0].get("value")
        callback = callbacks.get((person.get("callBackReference") or {}).get("$ref", ""))
        return (full[:120] if full else None), _phone(callback)
    return None, _phone(next(iter(callbacks.values()), None))


def _phone(callback: dict[str, Any] | None) -> str | None:
    for uri in (callback or {}).get("callBackInformationUri") or []:
        found = _PHONE.match(uri)
        if found:
            return found.group(1)
    return None
