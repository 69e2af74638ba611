"""Questions to ask, and the call-taker's later answers: the call is triaged again while it can still move."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.api.helpers import DOWNTOWN, as_role, call, status, unit

NEAR = (47.6105, -122.3340)


def answer(client: TestClient, call_id: int, expect: int = 200, **answers: Any) -> dict[str, Any]:
    response = client.post(f"/v1/calls/{call_id}/screening", json=answers)
    assert response.status_code == expect, response.text
    body: dict[str, Any] = response.json()
    return body


def timeline(client: TestClient, call_id: int) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = client.get(f"/v1/calls/{call_id}/timeline").json()
    return events


def test_intake_says_which_unanswered_questions_would_change_the_decision(client: TestClient) -> None:
    unit(client, "CO-1", "co_responder", *NEAR)
    taken = call(client, "CAD-1", call_type="EDP", screening={}, narrative="RP says subj hearing voices")
    assert taken["decision"]["response_type"] == "co_responder"
    asks = {(q["field"], q["if"]): q["response_type"] for q in taken["decision"]["ask"]}
    assert asks[("weapons", False)] == "civilian_crisis"
    assert asks[("violence", True)] == "police"
    assert ("crime_in_progress", False) not in asks  # "no crime" changes nothing here


def test_the_dry_run_lists_the_questions_too(client: TestClient) -> None:
    response = client.post("/v1/triage", json={"call_type": "FOUND SYRINGE", "narrative": "nobody around"})
    decision = response.json()
    assert decision["response_type"] == "civilian_crisis"
    assert {"field": "weapons", "if": True, "response_type": "police", "notify_ems": False} in decision["ask"]


def test_a_danger_answer_on_an_assigned_call_frees_the_civilian_unit_and_sends_an_officer(
    client: TestClient,
) -> None:
    crt = unit(client, "CRT-1", "civilian_crisis", *NEAR)
    pol = unit(client, "POL-1", "police", *NEAR)
    taken = call(
        client, "CAD-1", call_type="WELFARE CHECK", screening={}, narrative="man sitting in the rain"
    )
    assert (taken["decision"]["response_type"], taken["assignment"]["call_sign"]) == (
        "civilian_crisis",
        "CRT-1",
    )

    after = answer(client, taken["id"], weapons=True, violence=True)

    assert after["decision"]["response_type"] == "police"
    assert after["decision"]["rules"][0] == "safety.weapon_and_violence"
    assert (after["decided_type"], after["requested_type"], after["status"]) == (
        "police",
        "police",
        "assigned",
    )
    assert after["assignment"]["unit_id"] == pol["id"]
    assert after["priority"] == 1
    assert client.get(f"/v1/units/{crt['id']}").json()["status"] == "available"
    kinds = [e["kind"] for e in timeline(client, taken["id"])]
    assert kinds.index("call.screening") < kinds.index("call.queued", kinds.index("call.screening"))
    screened = next(e for e in timeline(client, taken["id"]) if e["kind"] == "call.screening")
    assert (screened["from_state"], screened["to_state"]) == ("civilian_crisis", "police")
    assert screened["data"]["answers"] == {"weapons": True, "violence": True}


def test_a_reassuring_answer_on_a_queued_call_sends_the_civilian_team(client: TestClient) -> None:
    taken = call(client, "CAD-1", call_type="EDP", screening={}, narrative="subj hearing voices")
    assert (taken["status"], taken["requested_type"]) == ("queued", "co_responder")
    crt = unit(client, "CRT-1", "civilian_crisis", *NEAR)
    after = answer(client, taken["id"], weapons=False)
    assert (after["decided_type"], after["status"]) == ("civilian_crisis", "assigned")
    assert after["assignment"]["unit_id"] == crt["id"]
    assert after["decision"]["evidence"][0]["source"] in ("screening", "narrative", "call_type")


def test_answers_after_the_unit_is_en_route_are_recorded_and_change_nothing(client: TestClient) -> None:
    unit(client, "CRT-1", "civilian_crisis", *NEAR)
    unit(client, "POL-1", "police", *NEAR)
    taken = call(client, "CAD-1", call_type="WELFARE CHECK", screening={})
    status(client, taken["id"], "en_route")
    after = answer(client, taken["id"], weapons=True)
    assert (after["decided_type"], after["requested_type"], after["status"]) == (
        "civilian_crisis",
        "civilian_crisis",
        "en_route",
    )
    assert after["decision"]["response_type"] == "civilian_crisis"
    screened = next(e for e in timeline(client, taken["id"]) if e["kind"] == "call.screening")
    assert screened["data"]["applied"] is False
    assert screened["data"]["decision"]["response_type"] == "co_responder"
    assert "decision unchanged" in screened["reason"]


def test_a_dispatcher_override_stands_over_later_answers(client: TestClient) -> None:
    taken = call(client, "CAD-1", call_type="WELFARE CHECK", screening={})
    client.post(
        f"/v1/calls/{taken['id']}/override", json={"response_type": "police", "reason": "known address"}
    )
    after = answer(client, taken["id"], weapons=False, violence=False)
    assert after["requested_type"] == "police"
    assert after["divergence"] == "override"


def test_same_type_answers_update_priority_and_ems_without_moving_the_unit(client: TestClient) -> None:
    crt = unit(client, "CRT-1", "civilian_crisis", *NEAR)
    taken = call(client, "CAD-1", call_type="INTOX", screening={}, narrative="drunk man on bench")
    after = answer(client, taken["id"], medical_emergency=True)
    assert (after["decided_type"], after["notify_ems"]) == ("co_responder", True)
    assert after["assignment"] is None or after["assignment"]["unit_id"] != crt["id"]


def test_bad_screening_bodies_are_refused_naming_the_field(client: TestClient) -> None:
    taken = call(client, "CAD-1", call_type="WELFARE CHECK")
    empty = client.post(f"/v1/calls/{taken['id']}/screening", json={})
    assert empty.status_code == 422
    assert empty.headers["content-type"].startswith("application/problem+json")
    unknown = client.post(f"/v1/calls/{taken['id']}/screening", json={"weapon": True})
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "weapon"
    assert client.post("/v1/calls/999999/screening", json={"weapons": False}).status_code == 404


def test_closed_calls_take_no_answers_and_only_dispatchers_give_them(client: TestClient) -> None:
    unit(client, "CRT-1", "civilian_crisis", *DOWNTOWN)
    taken = call(client, "CAD-1")
    client.post(f"/v1/calls/{taken['id']}/cancel", json={"reason": "caller hung up"})
    assert client.post(f"/v1/calls/{taken['id']}/screening", json={"weapons": True}).status_code == 409
    other = call(client, "CAD-2")
    denied = client.post(
        f"/v1/calls/{other['id']}/screening", json={"weapons": True}, headers=as_role(client, "supervisor")
    )
    assert denied.status_code == 403
