"""The shipped protocol's crisis desk (conference mode): calls are dispatched as usual and a clinician joins them;
the desk's hours; what a clinician key may read; the desk's figures for supervisors."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from cadtriage.config import Settings
from cadtriage.context import Context
from cadtriage.dispatch.consults import expire_overdue
from tests.api.helpers import DOWNTOWN, as_role, call, status, unit
from tests.conftest import FakeClock

CLINICIAN = "clinician"


@pytest.fixture
def team(client: TestClient) -> dict[str, Any]:
    return {
        kind: unit(client, f"{kind[:3].upper()}-1", kind, *DOWNTOWN) for kind in ("civilian_crisis", "police")
    }


def welfare(client: TestClient, ext: str) -> dict[str, Any]:
    taken = call(client, ext, caller={"name": "Sam Lee", "phone": "206-555-0111"})
    assert taken["consult"]["mode"] == "conference"
    assert taken["consult"]["state"] == "waiting"
    return taken


def claim(client: TestClient, call_id: int) -> Any:
    return client.post(f"/v1/consults/{call_id}/claim", headers=as_role(client, CLINICIAN))


def decide(client: TestClient, call_id: int, outcome: str, rationale: str = "spoke with the caller") -> Any:
    body = {"outcome": outcome, "rationale": rationale}
    return client.post(f"/v1/consults/{call_id}/outcome", json=body, headers=as_role(client, CLINICIAN))


def test_the_call_is_dispatched_and_the_clinician_joins_it(client: TestClient, team: dict[str, Any]) -> None:
    taken = welfare(client, "CAD-1")
    assert (taken["status"], taken["assignment"]["call_sign"]) == ("assigned", "CIV-1")
    joined = claim(client, taken["id"]).json()
    assert (joined["status"], joined["consult"]["state"]) == ("assigned", "claimed")


def test_resolved_by_phone_stands_the_unit_down(client: TestClient, team: dict[str, Any]) -> None:
    taken = welfare(client, "CAD-1")
    status(client, taken["id"], "en_route")
    claim(client, taken["id"])
    body = decide(client, taken["id"], "resolved_by_phone").json()
    assert (body["status"], body["outcome"]["resolution"]) == ("closed", "resolved_by_phone")
    crt = client.get(f"/v1/units/{team['civilian_crisis']['id']}").json()
    assert crt["status"] == "available"
    assert body["assignment"]["call_sign"] == "CIV-1"  # the unit that was sent, and stood down


def test_once_the_unit_is_on_scene_the_call_closes_from_the_scene(
    client: TestClient, team: dict[str, Any]
) -> None:
    taken = welfare(client, "CAD-1")
    claim(client, taken["id"])
    status(client, taken["id"], "on_scene")
    refused = decide(client, taken["id"], "resolved_by_phone")
    assert refused.status_code == 409
    assert "on scene" in refused.json()["detail"]


def test_routing_to_police_frees_the_civilian_team(client: TestClient, team: dict[str, Any]) -> None:
    taken = welfare(client, "CAD-1")
    claim(client, taken["id"])
    body = decide(client, taken["id"], "police", "threats against the neighbour on the phone").json()
    assert (body["dispatched_type"], body["divergence"]) == ("police", "consult")
    assert client.get(f"/v1/units/{team['civilian_crisis']['id']}").json()["status"] == "available"


def test_a_clinician_who_never_joins_leaves_the_call_as_it_was(
    client: TestClient, team: dict[str, Any], ctx: Context, clock: FakeClock
) -> None:
    taken = welfare(client, "CAD-1")
    clock.advance(60)
    assert expire_overdue(ctx, 25) == [taken["id"]]
    ctx.session.commit()
    after = client.get(f"/v1/calls/{taken['id']}").json()
    assert (after["status"], after["consult"]["not_served"]) == ("assigned", "timed_out")
    assert after["consult"]["not_served_detail"] == "no clinician joined within 60 s"


def test_a_clinician_reads_only_calls_that_reached_the_desk(client: TestClient, team: dict[str, Any]) -> None:
    desk_call = welfare(client, "CAD-1")
    other = call(client, "CAD-2", call_type="BURGLARY", screening={})
    mine = as_role(client, CLINICIAN)
    seen = client.get(f"/v1/calls/{desk_call['id']}", headers=mine)
    assert seen.status_code == 200
    assert seen.json()["caller"]["phone"] == "206-555-0111"
    assert client.get(f"/v1/calls/{desk_call['id']}/timeline", headers=mine).status_code == 200
    hidden, missing = (client.get(f"/v1/calls/{i}", headers=mine) for i in (other["id"], 987654))
    assert (hidden.status_code, missing.status_code) == (404, 404)
    assert hidden.json()["title"] == missing.json()["title"]
    assert client.get(f"/v1/calls/{other['id']}/timeline", headers=mine).status_code == 404
    for path in ("/v1/calls", "/v1/units", "/v1/queue", "/v1/keys", "/v1/stats"):
        assert client.get(path, headers=mine).status_code == 403, path


def test_the_desk_figures_for_supervisors(
    client: TestClient, team: dict[str, Any], ctx: Context, clock: FakeClock
) -> None:
    by_phone, routed, _unclaimed = (welfare(client, f"CAD-{i}") for i in (1, 2, 3))
    call(client, "CAD-4", call_type="BURGLARY", screening={})  # not eligible: not counted
    clock.advance(30)
    claim(client, by_phone["id"])
    clock.advance(10)
    claim(client, routed["id"])
    decide(client, by_phone["id"], "resolved_by_phone")
    decide(client, routed["id"], "police")
    clock.advance(30)
    expire_overdue(ctx, 25)
    ctx.session.commit()
    desk = client.get("/v1/stats", headers=as_role(client, "supervisor")).json()["crisis_desk"]
    assert desk["eligible"] == desk["sent_to_desk"] == 3
    assert (desk["resolved_by_phone"], desk["resolved_by_phone_share"]) == (1, 0.3333)
    assert desk["routed"] == {"civilian_crisis": 0, "co_responder": 0, "police": 1}
    assert desk["eligible_not_served"]["timed_out"] == 1
    assert desk["time_to_pickup"] == {"median_s": 35.0, "p90_s": 39.0}
    metrics = client.get("/metrics", headers={"Authorization": ""}).text
    assert 'cadtriage_consults_total{result="resolved_by_phone"} 1' in metrics
    assert 'cadtriage_consults_total{result="timed_out"} 1' in metrics
    assert 'cadtriage_consults_open{state="waiting"} 0' in metrics


class TestOutsideTheDesksHours:
    @pytest.fixture
    def settings(self, db_url: str) -> Settings:
        # The test clock's day, 2026-11-22, is a Sunday.
        return Settings(
            database_url=db_url, desk_hours="mon-fri 08:00-20:00", desk_timezone="America/Los_Angeles"
        )

    def test_eligible_calls_dispatch_as_usual_and_are_recorded_not_served(
        self, client: TestClient, team: dict[str, Any], clock: FakeClock
    ) -> None:
        taken = call(client, "CAD-1")
        assert taken["status"] == "assigned"
        assert (taken["consult"]["state"], taken["consult"]["not_served"]) == ("not_served", "desk_closed")
        assert taken["consult"]["not_served_detail"] == (
            "the crisis desk is not staffed at Sun 02:00 America/Los_Angeles"
        )
        assert client.get("/v1/consults", headers=as_role(client, CLINICIAN)).json()["calls"] == []
        clock.advance(1)  # the statistics cover calls received before now
        desk = client.get("/v1/stats").json()["crisis_desk"]
        assert (desk["eligible"], desk["sent_to_desk"], desk["eligible_not_served"]["desk_closed"]) == (
            1,
            0,
            1,
        )


@pytest.mark.parametrize("answer", ["weapons", "violence", "medical_emergency", "police_requested"])
def test_a_new_danger_ends_the_clinicians_part_at_any_stage(
    client: TestClient, team: dict[str, Any], answer: str
) -> None:
    taken = welfare(client, "CAD-1")
    claim(client, taken["id"])
    status(client, taken["id"], "en_route")  # past re-dispatch: the decision no longer changes the unit
    after = client.post(f"/v1/calls/{taken['id']}/screening", json={answer: True}).json()
    assert (after["status"], after["consult"]["not_served"]) == ("en_route", "no_longer_eligible")
    refused = decide(client, taken["id"], "resolved_by_phone")
    assert refused.status_code == 409  # the unit on its way is not called back
    crt = client.get(f"/v1/units/{team['civilian_crisis']['id']}").json()
    assert crt["status"] == "en_route"


def test_a_clinicians_stream_carries_the_desks_events_only() -> None:
    from cadtriage.access.models import Role
    from cadtriage.api.routers.events import VISIBLE
    from cadtriage.events.stream import wanted_by

    sees = wanted_by([], VISIBLE[Role.clinician])
    assert [
        sees(k) for k in ("consult.requested", "consult.claimed", "consult.outcome", "consult.not_served")
    ] == [True] * 4
    for kind in ("followup.created", "call.received", "unit.status", "key.created", "consult.desk_closed"):
        assert not sees(kind), kind
