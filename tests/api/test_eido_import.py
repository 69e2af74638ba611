"""Taking a call from another centre as an EIDO: created and dispatched like any intake, idempotent on the
incident tracking id, newer snapshots applied and recorded, older ones refused, invalid documents refused naming
the JSON pointer — and a call exported by one centre, imported by another and exported again is the same
incident."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from cadtriage.eido.schema import problems
from tests.api.helpers import CALLER, exported, rows_in
from tests.conftest import FakeClock
from tests.pg import PgServer


def test_a_call_handed_to_another_centre_is_the_same_incident_there(
    client: TestClient, other_centre: TestClient
) -> None:
    document = exported(client)
    taken = other_centre.post("/v1/eido", json=document)
    assert taken.status_code == 201, taken.text
    assert taken.headers["EIDO-Result"] == "created"
    call_there = taken.json()
    assert (call_there["requested_type"], call_there["assignment"]["call_sign"]) == (
        "civilian_crisis",
        "N-CRT-1",
    )
    assert call_there["caller"] == CALLER
    assert call_there["location"]["address"] == "3RD AV / PIKE ST"
    again = other_centre.get(f"/v1/calls/{call_there['id']}/eido").json()
    assert again["$id"] == document["$id"]  # the incident tracking id travels
    assert again["issuingElementIdentification"] == "psap.neighbour.example"
    here, there = document["incidentComponent"], again["incidentComponent"]
    for field in (
        "incidentTypeCommonRegistryText",
        "incidentTypeInternalText",
        "incidentCommonPriorityNumber",
    ):
        assert there[field] == here[field], field
    assert (
        again["locationComponent"][0]["locationByValue"].split("<gml:pos>")[1].split("<")[0]
        == (document["locationComponent"][0]["locationByValue"].split("<gml:pos>")[1].split("<")[0])
    )
    assert again["callbackComponent"][0]["callBackInformationUri"] == ["tel:206-555-0100"]
    assert (
        again["notesComponent"][0]["notesActionComments"]
        == document["notesComponent"][0]["notesActionComments"]
    )
    timeline = [e["kind"] for e in other_centre.get(f"/v1/calls/{call_there['id']}/timeline").json()]
    assert "eido.received" in timeline
    # The sender's unit and agency travel with the incident, as the sender last said them; this centre's own
    # unit and agency are its own.
    sent_by = {
        r["emergencyResourceName"]: r["updatedByAgencyReference"]["$ref"]
        for r in again["emergencyResourceComponent"]
    }
    assert sent_by == {"CRT-1": "cadtriage.local", "N-CRT-1": "psap.neighbour.example"}
    assert [a["$id"] for a in again["agencyComponent"]] == ["psap.neighbour.example", "cadtriage.local"]
    assert {d["agencyReference"]["$ref"] for d in again["dispatchComponent"]} == {
        "psap.neighbour.example",
        "cadtriage.local",
    }
    assert not problems(again)  # still a valid EIDO
    # What the sender stated and this centre has not changed stays the sender's update, as of the sender's time.
    for part in ("notesComponent", "locationComponent", "callbackComponent", "personComponent"):
        stated_there, stated_here = again[part][0], document[part][0]
        assert stated_there["updatedByAgencyReference"] == {"$ref": "cadtriage.local"}, part
        assert stated_there["lastUpdateTimeStamp"] == stated_here["lastUpdateTimeStamp"], part


def test_the_senders_disposition_travels_with_a_newer_snapshot(
    client: TestClient, other_centre: TestClient, clock: FakeClock
) -> None:
    document = exported(client)
    taken = other_centre.post("/v1/eido", json=document).json()
    clock.advance(60)  # the sender closes its side a minute later
    [sender_call] = client.get("/v1/calls").json()["items"]
    cancelled = client.post(
        f"/v1/calls/{sender_call['id']}/cancel", json={"reason": "handed to the neighbour"}
    )
    assert cancelled.status_code == 200, cancelled.text
    closed_there = client.get(f"/v1/calls/{sender_call['id']}/eido").json()
    assert other_centre.post("/v1/eido", json=closed_there).headers["EIDO-Result"] == "updated"
    again = other_centre.get(f"/v1/calls/{taken['id']}/eido").json()
    [disposition] = again["incidentComponent"]["dispositionComponent"]
    assert disposition["updatedByAgencyReference"] == {"$ref": "cadtriage.local"}
    assert disposition["dispositionDescriptionText"] == "handed to the neighbour"
    assert again["incidentComponent"]["incidentStatusCommonRegistryText"] == [
        "Active"
    ]  # still ours to handle
    assert not problems(again)


def test_the_same_snapshot_twice_is_one_call_and_an_older_one_is_refused(
    client: TestClient, other_centre: TestClient, session: Session
) -> None:
    document = exported(client)
    first = other_centre.post("/v1/eido", json=document).json()
    replay = other_centre.post("/v1/eido", json=document)
    assert (replay.status_code, replay.headers["EIDO-Result"], replay.json()["id"]) == (
        200,
        "unchanged",
        first["id"],
    )
    older = {**document, "lastUpdateTimeStamp": "2020-01-01T00:00:00.000+00:00"}
    refused = other_centre.post("/v1/eido", json=older)
    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"


def test_a_newer_snapshot_updates_the_call_and_is_in_its_timeline(
    client: TestClient, other_centre: TestClient
) -> None:
    document = exported(client)
    taken = other_centre.post("/v1/eido", json=document).json()
    newer = copy.deepcopy(document)
    newer["lastUpdateTimeStamp"] = "2030-01-01T00:00:00.000+00:00"
    newer["notesComponent"][0]["notesActionComments"] += "; now he says he has a gun"
    newer["callbackComponent"][0]["callBackInformationUri"] = ["tel:206-555-0199"]
    newer["vehicleComponent"] = [  # not read by this service: kept with the document
        {
            "$id": "urn:vehicle:1",
            "lastUpdateTimeStamp": "2030-01-01T00:00:00.000+00:00",
            "updatedByAgencyReference": {"$ref": "cadtriage.local"},
            "vehicleRelationshipTimeStamp": "2030-01-01T00:00:00.000+00:00",
            "vehicleRelationshipType": ["Involved"],
        }
    ]
    updated = other_centre.post("/v1/eido", json=newer)
    assert updated.status_code == 200, updated.text
    assert updated.headers["EIDO-Result"] == "updated"
    call_now = updated.json()
    assert call_now["id"] == taken["id"]
    assert taken["requested_type"] == "civilian_crisis"
    assert call_now["requested_type"] != "civilian_crisis"  # the notes were triaged again: a gun
    assert call_now["caller"]["phone"] == "206-555-0199"
    events = other_centre.get(f"/v1/calls/{taken['id']}/timeline").json()
    [update] = [e for e in events if e["kind"] == "eido.updated"]
    assert update["reason"].startswith("newer snapshot from cadtriage.local: notes, callback changed")
    [retriage] = [e for e in events if e["kind"] == "call.screening"]
    assert retriage["reason"] == "new notes in EIDO snapshot from cadtriage.local"


def test_the_raw_document_is_kept_whole(client: TestClient, other_centre: TestClient, pg: PgServer) -> None:
    document = exported(client)
    document["alarmsSensorsComponent"] = []  # a component this service does not read
    taken = other_centre.post("/v1/eido", json=document).json()
    [(kept,)] = rows_in(other_centre, "SELECT document FROM eido_incidents WHERE call_id = :c", c=taken["id"])
    assert kept == document


@pytest.mark.parametrize(
    ("change", "pointer"),
    [
        (lambda d: d.update(eidoVersion="2.0"), "/eidoVersion"),
        (lambda d: d.pop("agencyComponent"), "/"),
        (
            lambda d: d["incidentComponent"].update(incidentCommonPriorityNumber="high"),
            "/incidentComponent/incidentCommonPriorityNumber",
        ),
        (
            lambda d: d["locationComponent"][0].update(locationByValue="<not xml"),
            "/locationComponent/0/locationByValue",
        ),
        (  # float() reads "4_7.6" as 47.6: a typo would have sent a unit to the wrong place
            lambda d: d["locationComponent"][0].update(
                locationByValue=d["locationComponent"][0]["locationByValue"].replace(
                    "<gml:pos>4", "<gml:pos>4_", 1
                )
            ),
            "/locationComponent/0/locationByValue",
        ),
        # An adversarial client's finds: each was stored, then every export of the call, the held list or the
        # whole webhook queue failed on it with a 500 (a year past 9999 in UTC, a reference that is not an
        # object), or froze the incident against every real update (year 2999), or failed the insert.
        (lambda d: d.update(lastUpdateTimeStamp="9999-12-31T23:59:59-14:00"), "/lastUpdateTimeStamp"),
        (lambda d: d.update(lastUpdateTimeStamp="2999-01-01T00:00:00Z"), "/lastUpdateTimeStamp"),
        (lambda d: d.update(lastUpdateTimeStamp="garbage"), "/lastUpdateTimeStamp"),
        (lambda d: d.update(lastUpdateTimeStamp="2026-01-01T10:00:00"), "/lastUpdateTimeStamp"),
        (
            lambda d: d["callComponent"][0].update(callStartTimestamp="2026-13-45T99:00:00Z"),
            "/callComponent/0/callStartTimestamp",
        ),
        (  # a call started in 2099 would measure every time from it as negative
            lambda d: d["callComponent"][0].update(callStartTimestamp="2099-06-01T12:00:00Z"),
            "/callComponent/0/callStartTimestamp",
        ),
        (
            lambda d: d["notesComponent"][0].update(lastUpdateTimeStamp="yesterday"),
            "/notesComponent/0/lastUpdateTimeStamp",
        ),
        (
            lambda d: d["agencyComponent"][0].update(updatedByAgencyReference="x"),
            "/agencyComponent/0/updatedByAgencyReference",
        ),
        (
            lambda d: d["personComponent"][0].update(callBackReference="x"),
            "/personComponent/0/callBackReference",
        ),
        (lambda d: d.update({"$id": "urn:emergency:uid:incidentid:" + "x" * 300}), "/$id"),
        (lambda d: d.update({"$id": ""}), "/$id"),
        (lambda d: d.update({"$id": "urn:emergency:uid:incidentid:\u202eevil"}), "/$id"),
        (lambda d: d.update(issuingElementIdentification="y" * 300), "/issuingElementIdentification"),
    ],
)
def test_an_invalid_document_is_refused_naming_its_json_pointer(
    client: TestClient, other_centre: TestClient, change: Any, pointer: str
) -> None:
    document = exported(client)
    change(document)
    refused = other_centre.post("/v1/eido", json=document)
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == pointer
    assert other_centre.get("/v1/calls").json()["items"] == []  # nothing written


def test_a_senders_note_that_begins_like_a_triage_reason_is_still_read(
    client: TestClient, other_centre: TestClient
) -> None:
    # The filter dropped any note starting "triage: ", whoever wrote it: a gun in one never reached triage.
    document = exported(client)
    document["notesComponent"] = [
        {
            "$id": "urn:other:note:1",
            "lastUpdateTimeStamp": document["lastUpdateTimeStamp"],
            "updatedByAgencyReference": {"$ref": "other.example"},
            "notesActionComments": "triage: caller says the man is holding a gun",
        }
    ]
    taken = other_centre.post("/v1/eido", json=document)
    assert taken.status_code == 201, taken.text
    assert taken.json()["requested_type"] != "civilian_crisis"
    assert "holding a gun" in (other_centre.get(f"/v1/calls/{taken.json()['id']}").json()["narrative"] or "")


def test_a_cadtriage_centres_own_triage_reasons_are_not_read_as_the_callers_words(
    client: TestClient, other_centre: TestClient
) -> None:
    document = exported(client)
    reasons = [n for n in document["notesComponent"] if n["notesActionComments"].startswith("triage: ")]
    assert reasons
    assert all(":note:" in n["$id"] for n in reasons)
    taken = other_centre.post("/v1/eido", json=document).json()
    narrative_there = other_centre.get(f"/v1/calls/{taken['id']}").json()["narrative"]
    assert "triage: " not in (narrative_there or "")


def test_this_centres_own_call_sent_back_changes_nothing(client: TestClient) -> None:
    # A partner echoing our EIDO back made a second call for the incident, and dispatched it again.
    document = exported(client)
    calls_before = client.get("/v1/calls").json()
    echoed = client.post("/v1/eido", json=document)
    assert echoed.status_code == 200, echoed.text
    assert echoed.headers["EIDO-Result"] == "own"
    assert echoed.json()["id"] == int(document["$id"].split(":cad")[1].split(":")[0])
    assert client.get("/v1/calls").json() == calls_before
    # However its id is written: leading zeros, the agency in capitals.
    for spelling in (document["$id"].replace(":cad", ":cad00", 1), document["$id"].upper()):
        again = client.post("/v1/eido", json={**document, "$id": spelling})
        assert (again.status_code, again.headers["EIDO-Result"]) == (200, "own"), spelling
    assert client.get("/v1/calls").json() == calls_before
    named_nothing = copy.deepcopy(document)
    named_nothing["$id"] = document["$id"].replace(":cad", ":cad9999", 1)
    refused = client.post("/v1/eido", json=named_nothing)
    assert refused.status_code == 409
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert client.get("/v1/calls").json() == calls_before


def test_notes_a_partner_adds_to_this_centres_own_call_are_read_and_recorded(client: TestClient) -> None:
    # The adversarial pass's sequel: our own call sent back with a partner's note ("he now has a gun") was
    # answered "own" and the note dropped: the civilian team stayed on a weapon call.
    document = exported(client, screening={})  # nothing answered: the remarks decide
    call_id = int(document["$id"].split(":cad")[1].split(":")[0])
    assert client.get(f"/v1/calls/{call_id}").json()["requested_type"] == "civilian_crisis"
    added = copy.deepcopy(document)
    added["lastUpdateTimeStamp"] = "2026-11-22T10:05:00.000+00:00"
    note = copy.deepcopy(added["notesComponent"][0])
    note["$id"] = "urn:partner:note:1"
    note["notesActionComments"] = "UPDATE: he now has a gun and is threatening people"
    added["notesComponent"].append(note)
    sent = client.post("/v1/eido", json=added)
    assert (sent.status_code, sent.headers["EIDO-Result"]) == (200, "updated"), sent.text
    now = client.get(f"/v1/calls/{call_id}").json()
    assert "he now has a gun" in now["narrative"]
    assert now["requested_type"] == "police"
    assert "eido.updated" in [e["kind"] for e in client.get(f"/v1/calls/{call_id}/timeline").json()]
    assert len(client.get("/v1/calls").json()["items"]) == 1  # still one call
