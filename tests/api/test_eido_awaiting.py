"""EIDO incidents that cannot be dispatched as sent — NENA's own sample: a civic address and no point, no call
type, no notes — are held, listed and announced instead of refused, and become a call when a dispatcher completes
them or a newer snapshot brings what they lack."""

from __future__ import annotations

import copy
import json
import urllib.parse
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from tests.api.helpers import DOWNTOWN, exported, rows_in, status
from tests.conftest import FakeClock

SAMPLE = json.loads(
    (Path(__file__).parents[1] / "fixtures" / "eido" / "sample_call_transfer_eido.json").read_text()
)
HERE = {"lat": DOWNTOWN[0], "lon": DOWNTOWN[1], "address": "42 W Cellular St (confirmed by callback)"}


def civic_only(document: dict[str, Any]) -> dict[str, Any]:
    """The document with its location given as the sample gives it: a civic address, no point."""
    changed = copy.deepcopy(document)
    changed["locationComponent"][0]["locationByValue"] = SAMPLE["locationComponent"][0]["locationByValue"]
    return changed


def announcements(client: TestClient) -> list[str]:
    """The reasons of the `eido.awaiting` events in a centre's audit log (the live stream carries the same)."""
    rows = rows_in(client, "SELECT reason FROM events WHERE kind = 'eido.awaiting' ORDER BY id")
    return [str(reason) for (reason,) in rows]


def test_the_standards_sample_is_held_with_what_it_lacks(other_centre: TestClient) -> None:
    held = other_centre.post("/v1/eido", json=SAMPLE)
    assert held.status_code == 202, held.text
    assert held.headers["EIDO-Result"] == "awaiting"
    body = held.json()
    assert body["incident_id"] == SAMPLE["$id"]
    assert body["call_id"] is None
    assert body["missing"] == ["location", "call_type_or_narrative"]
    assert body["address"] == "42 W Cellular Street, Wilmington, DE, US"
    assert body["callback"] == "8195551212"
    assert other_centre.get("/v1/calls").json()["items"] == []  # no call without a place to send a unit
    assert [i["incident_id"] for i in other_centre.get("/v1/eido/incidents").json()] == [SAMPLE["$id"]]
    again = other_centre.post("/v1/eido", json=SAMPLE)
    assert (again.status_code, again.headers["EIDO-Result"]) == (202, "awaiting")
    assert len(other_centre.get("/v1/eido/incidents").json()) == 1
    [announced] = announcements(other_centre)  # the same snapshot again announces nothing new
    assert announced.endswith("not dispatched: it lacks location and call_type_or_narrative")


def test_a_dispatcher_completes_a_held_incident_into_a_dispatched_call(other_centre: TestClient) -> None:
    other_centre.post("/v1/eido", json=SAMPLE)
    half = other_centre.post(f"/v1/eido/incidents/{SAMPLE['$id']}/call", json={"location": HERE})
    assert half.status_code == 422
    assert [e["field"] for e in half.json()["errors"]] == ["call_type_or_narrative"]
    assert other_centre.get("/v1/calls").json()["items"] == []  # nothing written
    given = {"location": HERE, "call_type": "WELFARE CHECK", "narrative": "confused, calm, wants help home"}
    made = other_centre.post(f"/v1/eido/incidents/{SAMPLE['$id']}/call", json=given)
    assert made.status_code == 201, made.text
    call = made.json()
    assert (call["requested_type"], call["assignment"]["call_sign"]) == ("civilian_crisis", "N-CRT-1")
    assert call["caller"]["phone"] == "8195551212"  # the EIDO's callback number is kept
    assert other_centre.get("/v1/eido/incidents").json() == []
    twice = other_centre.post(f"/v1/eido/incidents/{SAMPLE['$id']}/call", json=given)
    assert twice.status_code == 409
    same = other_centre.post("/v1/eido", json=SAMPLE)  # the sender retries: the call it became
    assert (same.status_code, same.headers["EIDO-Result"], same.json()["id"]) == (
        200,
        "unchanged",
        call["id"],
    )
    [received] = [
        e for e in other_centre.get(f"/v1/calls/{call['id']}/timeline").json() if e["kind"] == "eido.received"
    ]
    assert "completed by" in received["reason"]
    assert "call_type, location, narrative" in received["reason"]
    # The place and the notes the dispatcher gave are this centre's statements; the callback is still the sender's.
    exported = other_centre.get(f"/v1/calls/{call['id']}/eido").json()
    by = {
        part: exported[part][0]["updatedByAgencyReference"]["$ref"]
        for part in ("locationComponent", "notesComponent")
    }
    assert by == {"locationComponent": "psap.neighbour.example", "notesComponent": "psap.neighbour.example"}
    callback = exported["callbackComponent"][0]
    assert callback["updatedByAgencyReference"] == SAMPLE["callbackComponent"][0]["updatedByAgencyReference"]
    assert callback["lastUpdateTimeStamp"] == SAMPLE["callbackComponent"][0]["lastUpdateTimeStamp"]


def test_a_newer_snapshot_with_a_point_makes_the_call_itself(
    client: TestClient, other_centre: TestClient
) -> None:
    document = exported(client)
    first = civic_only(document)
    held = other_centre.post("/v1/eido", json=first)
    assert held.status_code == 202
    assert held.json()["missing"] == ["location"]
    older = copy.deepcopy(document)
    older["lastUpdateTimeStamp"] = "2020-01-01T00:00:00+00:00"
    assert other_centre.post("/v1/eido", json=older).status_code == 409
    newer = copy.deepcopy(document)
    newer["lastUpdateTimeStamp"] = "2099-01-01T00:00:00+00:00"
    made = other_centre.post("/v1/eido", json=newer)
    assert (made.status_code, made.headers["EIDO-Result"]) == (201, "created")
    assert made.json()["location"]["lat"] == DOWNTOWN[0]
    assert other_centre.get("/v1/eido/incidents").json() == []


def test_completing_what_was_never_received_is_404(other_centre: TestClient) -> None:
    missing = other_centre.post("/v1/eido/incidents/urn:none/call", json={"location": HERE, "call_type": "X"})
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"


def closed_at_sender(client: TestClient) -> dict[str, Any]:
    """A call its centre took, handled and closed, as that centre exports it."""
    document = exported(client)
    [taken] = client.get("/v1/calls").json()["items"]
    for step in ("en_route", "on_scene"):
        assert status(client, taken["id"], step).status_code == 200
    done = status(client, taken["id"], "closed", disposition="walked him home; resolved on scene")
    assert done.status_code == 200, done.text
    closed: dict[str, Any] = client.get(f"/v1/calls/{taken['id']}/eido").json()
    assert closed["incidentComponent"]["incidentStatusCommonRegistryText"] == ["Closed"]
    assert closed["$id"] == document["$id"]
    return closed


def test_an_incident_its_sender_closed_is_held_not_dispatched(
    client: TestClient, other_centre: TestClient
) -> None:
    # A closed incident handed over (for the record, or by a sender replaying its log) sent this centre's team
    # to something already finished.
    closed = closed_at_sender(client)
    held = other_centre.post("/v1/eido", json=closed)
    assert (held.status_code, held.headers["EIDO-Result"]) == (202, "awaiting")
    body = held.json()
    assert (body["call_id"], body["missing"], body["closed_by_sender"]) == (None, [], True)
    assert other_centre.get("/v1/calls").json()["items"] == []
    [team] = other_centre.get("/v1/units").json()["items"]
    assert team["status"] == "available"
    [announced] = announcements(other_centre)
    assert announced.endswith("not dispatched: closed by its sender")
    again = other_centre.post("/v1/eido", json=closed)
    assert (again.status_code, again.headers["EIDO-Result"]) == (202, "awaiting")
    made = other_centre.post(f"/v1/eido/incidents/{closed['$id']}/call", json={})  # a dispatcher decides
    assert made.status_code == 201, made.text
    assert made.json()["assignment"]["call_sign"] == "N-CRT-1"


def test_a_sender_closing_an_incident_already_taken_is_recorded_and_the_call_stays(
    client: TestClient, other_centre: TestClient, clock: FakeClock
) -> None:
    taken = other_centre.post("/v1/eido", json=exported(client)).json()
    clock.advance(60)
    [sender_call] = client.get("/v1/calls").json()["items"]
    for step in ("en_route", "on_scene"):
        assert status(client, sender_call["id"], step).status_code == 200
    assert status(client, sender_call["id"], "closed", disposition="handed over").status_code == 200
    closed = client.get(f"/v1/calls/{sender_call['id']}/eido").json()
    updated = other_centre.post("/v1/eido", json=closed)
    assert (updated.status_code, updated.headers["EIDO-Result"]) == (200, "updated")
    assert updated.json()["status"] == "assigned"  # this centre's call is this centre's to end
    [event] = [
        e for e in other_centre.get(f"/v1/calls/{taken['id']}/timeline").json() if e["kind"] == "eido.updated"
    ]
    assert "status changed; applied: nothing" in event["reason"]
    assert event["reason"].endswith("its sender closed the incident, the call here stays open")


def test_a_held_incident_whose_id_holds_a_slash_can_be_completed(other_centre: TestClient) -> None:
    # An adversarial pass: an incident id may hold "/" (a sender's own scheme); sent percent-encoded, the path no
    # longer matched the route and the held incident could never be made a call (404).
    slashed = {**SAMPLE, "$id": "urn:emergency:uid:incidentid:a/b/2026:other.example"}
    assert other_centre.post("/v1/eido", json=slashed).status_code == 202
    path = "/v1/eido/incidents/" + urllib.parse.quote(slashed["$id"], safe="") + "/call"
    made = other_centre.post(
        path, json={"location": HERE, "call_type": "WELFARE CHECK", "narrative": "confused"}
    )
    assert made.status_code == 201, made.text
    assert other_centre.get("/v1/eido/incidents").json() == []
