"""A call as a NENA EIDO 1.0 document: valid against NENA's own schema (tests/fixtures/eido, with its NIEM types)
in every state a call can be in, and saying what another centre's CAD needs to know."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cadtriage.eido.schema import problems as schema_problems
from tests.api.helpers import DOWNTOWN, as_role, call, status, unit

FIXTURES = Path(__file__).parents[1] / "fixtures" / "eido"


def problems(document: dict[str, Any]) -> list[str]:
    return [f"{pointer}: {message}" for pointer, message in schema_problems(document)]


def eido(client: TestClient, call_id: int) -> dict[str, Any]:
    response = client.get(f"/v1/calls/{call_id}/eido")
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()
    return document


def test_the_standards_own_sample_is_valid_so_the_validator_is_the_real_one() -> None:
    import json

    sample = json.loads((FIXTURES / "sample_call_transfer_eido.json").read_text())
    assert problems(sample) == []
    assert problems({**sample, "eidoVersion": "2.0"})  # and it does refuse what the schema refuses


def test_calls_in_every_state_export_as_valid_eido(client: TestClient) -> None:
    unit(client, "CRT-1", "civilian_crisis", *DOWNTOWN, capabilities=[{"id": "medic"}])
    unit(client, "P-1", "police", DOWNTOWN[0] + 0.01, DOWNTOWN[1])
    unit(client, "P-2", "police", DOWNTOWN[0] + 0.02, DOWNTOWN[1], capabilities=[{"id": "cit"}])
    caller = {"name": "Jane Roe", "phone": "206-555-0100"}
    assigned = call(client, "CAD-1", caller=caller)
    queued = call(client, "CAD-2", call_type="EDP", narrative="man shouting at traffic")
    on_scene = call(client, "CAD-3", call_type="ASSAULT", narrative="two men fighting, one has a knife")
    status(client, on_scene["id"], "on_scene")
    client.post(
        f"/v1/calls/{assigned['id']}/override", json={"response_type": "police", "reason": "gun seen"}
    )
    closed_call = call(client, "CAD-4", narrative="elderly woman confused at the bus stop", caller=caller)
    cancelled = call(client, "CAD-5")
    client.post(f"/v1/calls/{cancelled['id']}/cancel", json={"reason": "caller called back: all fine"})
    documents = {}
    for taken in (assigned, queued, on_scene, closed_call, cancelled):
        documents[taken["external_id"]] = eido(client, taken["id"])
    for external_id, document in documents.items():
        assert problems(document) == [], external_id
    # The overridden call names both units: the civilian team released, the officer on it now.
    resources = documents["CAD-1"]["emergencyResourceComponent"]
    assert [(r["emergencyResourceName"], r["primaryUnitStatusRegistryText"]) for r in resources] == [
        ("CRT-1", "Cleared"),
        ("P-2", "Dispatched"),
    ]
    assert resources[1]["resourceAttributeRegistryText"] == ["CrisisInterventionSpecialist"]
    assert documents["CAD-2"]["incidentComponent"]["incidentStatusInternalText"] == ["queued"]
    assert "emergencyResourceComponent" not in documents["CAD-2"]
    assert documents["CAD-5"]["incidentComponent"]["dispositionComponent"][0][
        "dispositionCommonRegistryCode"
    ] == ("cancelled")


def test_the_incident_says_what_another_centre_needs(client: TestClient) -> None:
    unit(client, "CRT-1", "civilian_crisis", *DOWNTOWN, capabilities=[{"id": "medic"}])
    caller = {"name": "Jane Roe", "phone": "206-555-0100"}
    taken = call(
        client,
        "CAD-2026-000501",
        narrative="elderly man sitting at the bus stop for hours, confused, not aggressive",
        caller=caller,
        location={"lat": DOWNTOWN[0], "lon": DOWNTOWN[1], "address": "3RD AV / PIKE ST"},
    )
    document = eido(client, taken["id"])
    assert document["$id"] == f"urn:emergency:uid:incidentid:cad{taken['id']}:cadtriage.local"
    assert document["eidoVersion"] == "1.0"
    incident = document["incidentComponent"]
    assert incident["$id"] == document["$id"]
    assert incident["incidentTypeCommonRegistryText"] == "WELFARE"
    assert (incident["incidentTypeInternalCode"], incident["internalIncidentId"]) == (
        "civilian_crisis",
        "CAD-2026-000501",
    )
    assert incident["incidentStatusInternalText"] == ["assigned"]
    [location] = document["locationComponent"]
    assert location["locationTypeDescriptionRegistryText"] == "InitialIncident"
    assert location["locationDescriptionText"] == "3RD AV / PIKE ST"
    assert re.search(rf"<gml:pos>{DOWNTOWN[0]:.7f} {DOWNTOWN[1]:.7f}</gml:pos>", location["locationByValue"])
    assert document["callbackComponent"][0]["callBackInformationUri"] == ["tel:206-555-0100"]
    [person] = document["personComponent"]
    assert person["personIncidentRoleRegistryText"] == ["Caller"]
    [resource] = document["emergencyResourceComponent"]
    assert (resource["emergencyResourceName"], resource["primaryUnitStatusRegistryText"]) == (
        "CRT-1",
        "Dispatched",
    )
    assert resource["activeOnIncidentId"] == document["$id"]
    assert resource["resourceAttributeInternalText"] == ["medic"]
    assert document["dispatchComponent"][0]["emergencyResourceReference"] == [{"$ref": resource["$id"]}]
    notes = [n["notesActionComments"] for n in document["notesComponent"]]
    assert notes == [taken["narrative"], *(f"triage: {reason}" for reason in taken["decision"]["reasons"])]

    status(client, taken["id"], "on_scene")
    closed = status(
        client,
        taken["id"],
        "closed",
        disposition="walked him home",
        outcome={"resolution": "resolved_on_scene"},
    )
    assert closed.status_code == 200, closed.text
    later = eido(client, taken["id"])
    assert later["$id"] == document["$id"]  # stable for the call
    assert later["lastUpdateTimeStamp"] >= document["lastUpdateTimeStamp"]
    [disposition] = later["incidentComponent"]["dispositionComponent"]
    assert (disposition["dispositionCommonRegistryCode"], disposition["dispositionDescriptionText"]) == (
        "resolved_on_scene",
        "walked him home",
    )
    assert later["incidentComponent"]["incidentStatusCommonRegistryText"] == ["Closed"]
    [released] = later["emergencyResourceComponent"]
    assert released["primaryUnitStatusRegistryText"] == "Cleared"
    assert "activeOnIncidentId" not in released
    assert problems(later) == []


def test_a_call_type_that_is_an_apco_code_keeps_it_and_danger_names_the_incident(client: TestClient) -> None:
    assert (
        eido(client, call(client, "CAD-1", call_type="EDP")["id"])["incidentComponent"][
            "incidentTypeCommonRegistryText"
        ]
        == "EDP"
    )
    armed = call(
        client, "CAD-2", call_type="DISTURBANCE", narrative="man with a gun in the parking lot", screening={}
    )
    assert eido(client, armed["id"])["incidentComponent"]["incidentTypeCommonRegistryText"] == "WEAPON"
    nothing = call(client, "CAD-3", call_type="XYZ", narrative="")
    assert eido(client, nothing["id"])["incidentComponent"]["incidentTypeCommonRegistryText"] == "TROUBLE"


def test_an_unknown_call_is_404(client: TestClient) -> None:
    response = client.get("/v1/calls/987654/eido")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        # An adversarial client's finds: each was accepted and then POSTed every covered call, caller included.
        (
            "http://user:password@cad.example/eido",
            "no user or password in the URL: the secret signs every body",
        ),
        ("http://cad.example:99999/eido", "a port from 1 to 65535"),
        (
            "http://169.254.169.254/latest/meta-data",
            "169.254.169.254 is not an address a receiver listens on",
        ),
        ("http://[fe80::1]/eido", "fe80::1 is not an address a receiver listens on"),
        ("http://0.0.0.0:8080/eido", "0.0.0.0 is not an address a receiver listens on"),
    ],
)
def test_a_subscription_to_what_is_never_a_receiver_is_refused(
    client: TestClient, url: str, message: str
) -> None:
    refused = client.post(
        "/v1/eido/subscriptions",
        json={"url": url, "secret": "0123456789abcdef"},
        headers=as_role(client, "admin"),
    )
    assert refused.status_code == 422
    [error] = refused.json()["errors"]
    assert error["field"] == "url"
    assert error["message"].endswith(message)
    assert client.get("/v1/eido/subscriptions", headers=as_role(client, "admin")).json() == []


def test_a_receiver_on_this_host_or_the_centres_network_is_allowed_and_each_type_counts_once(
    client: TestClient,
) -> None:
    for url in ("http://127.0.0.1:9099/eido", "http://[::1]:9099/eido", "https://10.20.30.40:8443/eido"):
        body = {"url": url, "secret": "0123456789abcdef", "response_types": ["police", "police"]}
        made = client.post("/v1/eido/subscriptions", json=body, headers=as_role(client, "admin"))
        assert made.status_code == 201, made.text
        assert made.json()["response_types"] == ["police"]
