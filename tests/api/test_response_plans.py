"""Response plans: the closest qualified unit. A CIT-trained team within the plan's tolerance beats a nearer one
without, and loses beyond it; a lapsed certification does not count; a required capability queues the call until
a qualified unit frees; every planned assignment says which unit was nearest, which was chosen, and why."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from cadtriage.config import Settings
from cadtriage.protocol_files import parse, shipped_protocol_text
from cadtriage.triage.protocol import ProtocolError
from tests.api.helpers import DOWNTOWN, as_role, call, status, unit

LAT, LON = DOWNTOWN
VOICES = {"call_type": "MENTAL HEALTH", "narrative": "son hearing voices, scared", "screening": {}}


def north(metres: float) -> tuple[float, float]:
    return LAT + metres / 111_195, LON


def team(
    client: TestClient, sign: str, metres: float, capabilities: list[dict[str, Any]] | None = None
) -> Any:
    return unit(client, sign, "co_responder", *north(metres), capabilities=capabilities or [])


def test_the_callers_language_is_shown_back(client: TestClient) -> None:
    taken = call(client, "CAD-1", **VOICES, language="es")
    assert taken["language"] == "es"
    assert client.get(f"/v1/calls/{taken['id']}").json()["language"] == "es"
    assert call(client, "CAD-2", **VOICES)["language"] is None


def test_the_plan_is_in_the_decision(client: TestClient) -> None:
    decision = client.post("/v1/triage", json={**VOICES, "language": "es"}).json()
    assert [(n["capability"], n["required"], n["within_m"]) for n in decision["plan"]] == [
        ("cit", False, 2000.0),
        ("interpreter:es", False, 3000.0),
    ]
    french = client.post("/v1/triage", json={**VOICES, "language": "fr"}).json()
    assert [n["capability"] for n in french["plan"]] == ["cit"]  # no French interpreter in the catalogue


def test_a_cit_team_within_tolerance_beats_a_nearer_one_without(client: TestClient) -> None:
    team(client, "CR-NEAR", 500)
    cit = team(client, "CR-CIT", 1500, [{"id": "cit"}])
    taken = call(client, "CAD-1", **VOICES)
    assignment = taken["assignment"]
    assert assignment["unit_id"] == cit["id"]
    recommendation = assignment["recommendation"]
    assert recommendation["nearest"]["call_sign"] == "CR-NEAR"
    assert recommendation["chosen"]["call_sign"] == "CR-CIT"
    farther = recommendation["chosen"]["distance_m"] - recommendation["nearest"]["distance_m"]
    assert 995 < farther < 1005
    assert recommendation["reason"] == f"cit, {farther:.0f} m farther than the nearest"
    events = client.get(f"/v1/calls/{taken['id']}/timeline").json()
    assigned = next(e for e in events if e["kind"] == "call.assigned")
    assert assigned["data"]["recommendation"] == recommendation
    assert assigned["reason"].endswith(recommendation["reason"])


def test_beyond_tolerance_the_nearest_goes(client: TestClient) -> None:
    near = team(client, "CR-NEAR", 500)
    team(client, "CR-CIT", 3000, [{"id": "cit"}])  # 2,500 m farther: beyond the plan's 2,000 m
    assignment = call(client, "CAD-1", **VOICES)["assignment"]
    assert assignment["unit_id"] == near["id"]
    assert assignment["recommendation"]["reason"] == "no cit unit within 2000 m of the nearest: the nearest"


def test_a_lapsed_certification_does_not_count(client: TestClient) -> None:
    near = team(client, "CR-NEAR", 500)
    team(
        client, "CR-LAPSED", 1500, [{"id": "cit", "expires": "2026-11-21"}]
    )  # the day before the test clock's
    assert call(client, "CAD-1", **VOICES)["assignment"]["unit_id"] == near["id"]


def test_a_call_without_a_plan_gets_the_nearest_and_no_recommendation(client: TestClient) -> None:
    near = unit(client, "CRT-1", "civilian_crisis", *north(500))
    unit(client, "CRT-CIT", "civilian_crisis", *north(900), capabilities=[{"id": "cit"}])
    assignment = call(client, "CAD-1")["assignment"]  # a welfare check: no plan applies
    assert (assignment["unit_id"], assignment["recommendation"]) == (near["id"], None)


def requiring_cit(db_url: str, tmp_path: Path, when: dict[str, bool], why: str) -> Settings:
    """Settings whose protocol has one response plan: co-responder calls with these facts require `cit`."""
    data = yaml.safe_load(shipped_protocol_text())
    plan = {"id": "plan.require_cit", "response_types": ["co_responder"], "when": when, "require": "cit"}
    data["response_plans"] = [{**plan, "criterion": why}]
    path = tmp_path / "require-cit.yaml"
    path.write_text(yaml.safe_dump(data))
    return Settings(database_url=db_url, protocol_path=path)


class TestARequiredCapability:
    @pytest.fixture
    def settings(self, db_url: str, tmp_path: Path) -> Settings:
        data = yaml.safe_load(shipped_protocol_text())
        cit = next(p for p in data["response_plans"] if p["id"] == "plan.cit_behavioural")
        cit.pop("prefer")
        cit.pop("within_m")
        cit["require"] = "cit"
        data["response_plans"] = [cit]
        path = tmp_path / "require-cit.yaml"
        path.write_text(yaml.safe_dump(data))
        return Settings(database_url=db_url, protocol_path=path)

    def test_the_call_waits_for_a_qualified_unit_then_takes_it_as_it_frees(self, client: TestClient) -> None:
        plain = team(client, "CR-PLAIN", 300)
        cit = team(client, "CR-CIT", 800, [{"id": "cit"}])
        first = call(client, "CAD-1", **VOICES)
        assert first["assignment"]["unit_id"] == cit["id"]
        recommendation = first["assignment"]["recommendation"]
        assert (recommendation["nearest"]["call_sign"], recommendation["chosen"]["call_sign"]) == (
            "CR-PLAIN",
            "CR-CIT",
        )
        assert (
            recommendation["reason"]
            == "cit required: the nearest unit holding it, 501 m farther than the nearest"
        )
        second = call(client, "CAD-2", **VOICES)  # the only CIT team is busy: the plain one does not go
        assert (second["status"], second["queue_position"], second["required_capability"]) == (
            "queued",
            1,
            "cit",
        )
        [waiting] = client.get("/v1/queue", headers=as_role(client, "supervisor")).json()["types"][
            "co_responder"
        ]["calls"]
        assert waiting["required_capability"] == "cit"
        assert client.get(f"/v1/units/{plain['id']}").json()["status"] == "available"
        status(client, first["id"], "on_scene")
        status(client, first["id"], "closed", disposition="resolved")
        taken = client.get(f"/v1/calls/{second['id']}").json()
        assert (taken["status"], taken["assignment"]["unit_id"]) == ("assigned", cit["id"])
        assert taken["required_capability"] is None  # no longer waiting
        assert taken["assignment"]["recommendation"]["reason"] == (
            "cit required: the first unit holding it to become available"
        )


def test_a_call_sent_to_another_type_keeps_the_plan_for_that_type(client: TestClient) -> None:
    """Triage sends a screened-safe behavioural call to a civilian team; the plan still says what a co-responder
    sent instead should hold, so a dispatcher's override to co-responder prefers the CIT team in tolerance."""
    unit(client, "CRT-1", "civilian_crisis", *north(200))
    team(client, "CR-NEAR", 300)
    cit = team(client, "CR-CIT", 1500, [{"id": "cit"}])
    taken = call(client, "CAD-1", call_type="MENTAL HEALTH", narrative="brother off his meds, hearing voices")
    assert (taken["requested_type"], taken["assignment"]["call_sign"]) == ("civilian_crisis", "CRT-1")
    assert [(n["capability"], n["response_types"]) for n in taken["decision"]["plan"]] == [
        ("cit", ["police", "co_responder"])
    ]
    body = {"response_type": "co_responder", "reason": "family says he has a history"}
    assert client.post(f"/v1/calls/{taken['id']}/override", json=body).status_code == 200
    moved = client.get(f"/v1/calls/{taken['id']}").json()
    assert moved["assignment"]["unit_id"] == cit["id"]
    assert moved["assignment"]["recommendation"]["nearest"]["call_sign"] == "CR-NEAR"


def test_protocol_check_refuses_a_plan_for_a_capability_the_catalogue_lacks() -> None:
    data = yaml.safe_load(shipped_protocol_text())
    data["response_plans"][0]["prefer"] = "telepath"
    with pytest.raises(ProtocolError, match="names 'telepath', which the capability catalogue lacks"):
        parse(yaml.safe_dump(data), "plans.yaml")


def test_a_dispatcher_reassigns_a_call_and_the_freed_unit_takes_the_queue(client: TestClient) -> None:
    first = team(client, "CR-1", 300)
    second = team(client, "CR-2", 900)
    taken = call(client, "CAD-1", **VOICES)
    assert taken["assignment"]["unit_id"] == first["id"]
    waiting = call(client, "CAD-2", **VOICES)
    assert waiting["assignment"]["unit_id"] == second["id"]
    third = call(client, "CAD-3", **VOICES)
    assert third["status"] == "queued"
    # A third team comes on and takes the waiting call; a fourth, the dispatcher gives the first call to.
    fresh = team(client, "CR-3", 2000)
    assert client.get(f"/v1/units/{fresh['id']}").json()["call_id"] == third["id"]  # it took the waiting call
    late = team(client, "CR-4", 2500)
    body = {"unit_id": late["id"], "reason": "CR-4 knows the family"}
    moved = client.post(f"/v1/calls/{taken['id']}/reassign", json=body)
    assert moved.status_code == 200, moved.text
    assignment = moved.json()["assignment"]
    assert assignment["unit_id"] == late["id"]
    assert assignment["recommendation"]["previous"]["call_sign"] == "CR-1"
    assert assignment["recommendation"]["reason"] == "dispatcher's choice: CR-4 knows the family"
    assert (
        client.get(f"/v1/units/{first['id']}").json()["status"] == "available"
    )  # nothing waits: it stays free
    kinds = [e["kind"] for e in client.get(f"/v1/calls/{taken['id']}/timeline").json()]
    assert kinds[-5:] == ["unit.status", "call.queued", "call.reassigned", "unit.status", "call.assigned"]
    busy = client.post(f"/v1/calls/{waiting['id']}/reassign", json={"unit_id": late["id"], "reason": "again"})
    assert busy.status_code == 409  # CR-4 is on a call now
    police = unit(client, "P-1", "police", *north(100))
    wrong = client.post(
        f"/v1/calls/{waiting['id']}/reassign", json={"unit_id": police["id"], "reason": "closer"}
    )
    assert wrong.status_code == 409
    assert "override the call's type first" in wrong.json()["detail"]
    missing = client.post(f"/v1/calls/{waiting['id']}/reassign", json={"unit_id": 987654, "reason": "who"})
    assert missing.status_code == 404


class TestGainingTheRequiredCapability:
    @pytest.fixture
    def settings(self, db_url: str, tmp_path: Path) -> Settings:
        why = "a jurisdiction that sends only CIT-trained teams to behavioural calls"
        return requiring_cit(db_url, tmp_path, {"behavioral_health": True}, why)

    def test_the_unit_takes_the_waiting_call_when_certified(self, client: TestClient) -> None:
        plain = team(client, "CR-1", 400)
        waiting = call(client, "CAD-1", **VOICES)
        assert waiting["status"] == "queued"
        certified = client.put(
            f"/v1/units/{plain['id']}/capabilities",
            json={"capabilities": [{"id": "cit"}]},
            headers={"Authorization": f"Bearer {client.keys['supervisor']}"},  # type: ignore[attr-defined]
        )
        assert certified.json()["call_id"] == waiting["id"]


class TestALaterAnswerChangesTheRequirement:
    @pytest.fixture
    def settings(self, db_url: str, tmp_path: Path) -> Settings:
        why = "a jurisdiction that sends only CIT-trained teams to threats of self-harm"
        return requiring_cit(db_url, tmp_path, {"self_harm": True}, why)

    def test_a_requirement_lifted_lets_the_free_unit_take_the_call_at_once(self, client: TestClient) -> None:
        plain = team(client, "CR-1", 400)
        waiting = call(client, "CAD-1", **{**VOICES, "screening": {"self_harm": True}})
        assert (waiting["status"], waiting["required_capability"]) == ("queued", "cit")
        answered = client.post(f"/v1/calls/{waiting['id']}/screening", json={"self_harm": False})
        assert answered.status_code == 200, answered.text
        taken = answered.json()
        assert (taken["requested_type"], taken["status"]) == ("co_responder", "assigned")
        assert taken["assignment"]["unit_id"] == plain["id"]

    def test_a_requirement_added_keeps_the_call_from_a_unit_without_it(self, client: TestClient) -> None:
        team(client, "CR-1", 400)
        busy = call(client, "CAD-1", **VOICES)  # CR-1 takes it: no requirement yet
        waiting = call(client, "CAD-2", **VOICES)
        assert waiting["status"] == "queued"
        answered = client.post(f"/v1/calls/{waiting['id']}/screening", json={"self_harm": True})
        assert answered.json()["required_capability"] == "cit"
        status(client, busy["id"], "on_scene")
        status(client, busy["id"], "closed", disposition="resolved")
        still = client.get(f"/v1/calls/{waiting['id']}").json()
        assert (still["status"], still["required_capability"]) == ("queued", "cit")


def test_a_unit_id_is_a_number_not_a_boolean_or_a_string(client: TestClient) -> None:
    team(client, "CR-1", 300)
    taken = call(client, "CAD-1", **VOICES)
    for unit_id in (True, "17", 17.0):
        refused = client.post(
            f"/v1/calls/{taken['id']}/reassign", json={"unit_id": unit_id, "reason": "closer"}
        )
        assert refused.status_code == 422, unit_id
        assert [e["field"] for e in refused.json()["errors"]] == ["unit_id"]
