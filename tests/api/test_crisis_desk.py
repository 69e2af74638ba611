"""The crisis desk in transfer mode: an eligible call waits for a clinician instead of a unit, and every way it
leaves the desk (each outcome, the time-out, a dispatcher's pull, a new danger, cancellation) does what it says."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cadtriage.config import Settings
from cadtriage.context import Context
from cadtriage.dispatch.consults import expire_overdue
from cadtriage.protocol_files import load_protocol
from cadtriage.triage.protocol import Protocol
from tests.api.helpers import DOWNTOWN, as_role, call, desk_protocol_file, unit
from tests.conftest import FakeClock

VOICES = {
    "call_type": "MENTAL HEALTH",
    "narrative": "RP says her brother is hearing voices and scared, no weapons, not violent",
    "caller": {"name": "Ana Ruiz", "phone": "206-555-0100"},
}


@pytest.fixture(scope="module")
def desk_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return desk_protocol_file(tmp_path_factory.mktemp("desk"), "transfer", 60)


@pytest.fixture
def protocol(desk_file: Path) -> Protocol:
    return load_protocol(desk_file)


@pytest.fixture
def settings(db_url: str, desk_file: Path) -> Settings:
    return Settings(database_url=db_url, protocol_path=desk_file)


@pytest.fixture
def team(client: TestClient) -> dict[str, Any]:
    """One unit of each type downtown."""
    return {
        kind: unit(client, f"{kind[:3].upper()}-1", kind, *DOWNTOWN)
        for kind in ("civilian_crisis", "co_responder", "police")
    }


def on_desk(client: TestClient, ext: str = "CAD-DESK-1") -> dict[str, Any]:
    taken = call(client, ext, screening={}, **VOICES)
    assert taken["status"] == "on_desk", taken
    return taken


def claim(client: TestClient, call_id: int, role: str = "clinician") -> Any:
    return client.post(f"/v1/consults/{call_id}/claim", headers=as_role(client, role))


def decide(client: TestClient, call_id: int, outcome: str, rationale: str | None = None) -> Any:
    body = {"outcome": outcome} | ({"rationale": rationale} if rationale else {})
    return client.post(f"/v1/consults/{call_id}/outcome", json=body, headers=as_role(client, "clinician"))


def kinds(client: TestClient, call_id: int) -> list[tuple[str, str | None, str]]:
    events = client.get(f"/v1/calls/{call_id}/timeline").json()
    return [(e["kind"], e["to_state"], e["actor"]) for e in events]


def test_an_eligible_call_waits_on_the_desk_and_no_unit_is_sent(
    client: TestClient, team: dict[str, Any]
) -> None:
    taken = on_desk(client)
    assert taken["decision"]["consult"]["eligible"] is True
    assert taken["assignment"] is None
    assert taken["queue_position"] is None
    assert taken["consult"]["state"] == "waiting"
    assert taken["consult"]["mode"] == "transfer"
    assert client.get(f"/v1/units/{team['civilian_crisis']['id']}").json()["status"] == "available"
    desk = client.get("/v1/consults", headers=as_role(client, "clinician")).json()
    assert [c["call_id"] for c in desk["calls"]] == [taken["id"]]
    listed = desk["calls"][0]
    assert listed["caller"]["phone"] == "206-555-0100"  # the clinician calls back
    assert listed["eligible_because"].startswith("behavioural-health call")
    assert listed["consult"]["waited_s"] == 0.0
    assert [k for k, _, _ in kinds(client, taken["id"])] == ["call.received", "consult.requested"]


def test_the_desk_lists_oldest_first_with_the_time_each_has_waited(
    client: TestClient, clock: FakeClock
) -> None:
    first = on_desk(client, "CAD-DESK-1")
    clock.advance(20)
    second = on_desk(client, "CAD-DESK-2")
    clock.advance(5)
    desk = client.get("/v1/consults", headers=as_role(client, "dispatcher")).json()["calls"]
    assert [(c["call_id"], c["consult"]["waited_s"]) for c in desk] == [
        (first["id"], 25.0),
        (second["id"], 5.0),
    ]


def test_a_claim_is_one_clinicians_and_a_second_is_409(
    client: TestClient, session: Any, clock: FakeClock
) -> None:
    from cadtriage.access.models import Role
    from cadtriage.access.service import create

    other = create(
        session, name="other-clinician", role=Role.clinician, unit_call_sign=None, at=clock.now(), actor="t"
    )
    session.commit()
    taken = on_desk(client)
    clock.advance(12)
    claimed = claim(client, taken["id"])
    assert claimed.status_code == 200, claimed.text
    body = claimed.json()
    assert (body["status"], body["consult"]["state"], body["consult"]["claimed_by"]) == (
        "with_clinician", "claimed", "test-clinician",
    )  # fmt: skip
    assert body["consult"]["waited_s"] == 12.0
    again = client.post(f"/v1/consults/{taken['id']}/claim", headers={"Authorization": f"Bearer {other}"})
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"
    assert "claimed by test-clinician" in again.json()["detail"]
    theirs = client.post(
        f"/v1/consults/{taken['id']}/outcome",
        json={"outcome": "police"},
        headers={"Authorization": f"Bearer {other}"},
    )
    assert theirs.status_code == 403


def test_an_outcome_needs_a_claim_first(client: TestClient) -> None:
    taken = on_desk(client)
    assert decide(client, taken["id"], "resolved_by_phone", "talked it through").status_code == 409


def test_resolved_by_phone_closes_the_call_with_no_unit_and_needs_a_rationale(
    client: TestClient, team: dict[str, Any]
) -> None:
    taken = on_desk(client)
    claim(client, taken["id"])
    missing = decide(client, taken["id"], "resolved_by_phone")
    assert missing.status_code == 422
    assert [e["field"] for e in missing.json()["errors"]] == ["rationale"]
    done = decide(client, taken["id"], "resolved_by_phone", "talked through it; sister staying with him")
    assert done.status_code == 200, done.text
    body = done.json()
    assert (body["status"], body["assignment"], body["dispatched_type"]) == ("closed", None, None)
    assert body["outcome"]["resolution"] == "resolved_by_phone"
    assert body["consult"]["outcome"] == "resolved_by_phone"
    assert body["disposition"] == "talked through it; sister staying with him"
    assert all(u["status"] == "available" for u in client.get("/v1/units").json()["items"])
    story = kinds(client, taken["id"])
    assert story[-4:] == [
        ("consult.claimed", "claimed", "test-clinician"),
        ("call.with_clinician", "with_clinician", "test-clinician"),
        ("consult.outcome", "done", "test-clinician"),
        ("call.closed", "closed", "test-clinician"),
    ]
    # Once recorded, the outcome cannot change.
    assert decide(client, taken["id"], "police", "second thoughts").status_code == 409


def test_transferred_to_988_closes_the_call_as_a_referral(client: TestClient) -> None:
    taken = on_desk(client)
    claim(client, taken["id"])
    body = decide(client, taken["id"], "transferred_988", "warm handoff to the lifeline").json()
    assert body["status"] == "closed"
    assert body["outcome"]["resolution"] == "referred"
    assert body["outcome"]["referrals"] == [{"to": "988 Suicide & Crisis Lifeline", "accepted": True}]


@pytest.mark.parametrize(
    ("outcome", "sent", "divergence"),
    [
        ("mobile_crisis", "civilian_crisis", None),  # what triage decided: no divergence
        ("co_responder", "co_responder", "consult"),
        ("police", "police", "consult"),
        ("returned_to_dispatch", "civilian_crisis", None),
    ],
)
def test_a_routed_call_is_dispatched_in_the_same_transaction(
    client: TestClient, team: dict[str, Any], outcome: str, sent: str, divergence: str | None
) -> None:
    taken = on_desk(client)
    assert taken["decided_type"] == "civilian_crisis"
    claim(client, taken["id"])
    body = decide(client, taken["id"], outcome, "needs someone there").json()
    assert (body["status"], body["dispatched_type"], body["divergence"]) == ("assigned", sent, divergence)
    assert body["assignment"]["call_sign"] == team[sent]["call_sign"]
    if divergence:
        assert "by clinician test-clinician" in body["divergence_detail"]


def test_a_routed_call_with_no_unit_free_is_queued(client: TestClient) -> None:
    taken = on_desk(client)
    claim(client, taken["id"])
    body = decide(client, taken["id"], "police", "wants an officer after all").json()
    assert (body["status"], body["requested_type"], body["queue_position"]) == ("queued", "police", 1)


def test_nobody_picks_it_up_so_it_is_dispatched_as_triaged_after_max_wait(
    client: TestClient, team: dict[str, Any], ctx: Context, clock: FakeClock
) -> None:
    taken = on_desk(client)
    clock.advance(59)
    assert expire_overdue(ctx, 25) == []
    clock.advance(1)
    assert expire_overdue(ctx, 25) == [taken["id"]]
    ctx.session.commit()
    after = client.get(f"/v1/calls/{taken['id']}").json()
    assert (after["status"], after["dispatched_type"]) == ("assigned", "civilian_crisis")
    assert (after["consult"]["state"], after["consult"]["not_served"]) == ("not_served", "timed_out")
    events = client.get(f"/v1/calls/{taken['id']}/timeline").json()
    why = next(e for e in events if e["kind"] == "consult.not_served")
    assert why["reason"] == "no clinician picked it up within 60 s; dispatched as triaged"
    assert why["actor"] == "test"
    assert claim(client, taken["id"]).status_code == 409


def test_a_claimed_call_does_not_time_out(client: TestClient, ctx: Context, clock: FakeClock) -> None:
    taken = on_desk(client)
    claim(client, taken["id"])
    clock.advance(600)
    assert expire_overdue(ctx, 25) == []


def test_a_dispatcher_pulls_a_call_off_the_desk_at_once(client: TestClient, team: dict[str, Any]) -> None:
    taken = on_desk(client)
    claim(client, taken["id"])  # even while a clinician has it on the line
    pulled = client.post(f"/v1/consults/{taken['id']}/pull", json={"reason": "caller now mentions a knife"})
    assert pulled.status_code == 200, pulled.text
    body = pulled.json()
    assert (body["status"], body["consult"]["not_served"]) == ("assigned", "pulled")
    assert "caller now mentions a knife" in body["consult"]["not_served_detail"]
    assert client.post(f"/v1/consults/{taken['id']}/pull", json={"reason": "again"}).status_code == 409
    assert decide(client, taken["id"], "resolved_by_phone", "too late").status_code == 409


def test_a_new_danger_answer_dispatches_a_desk_call_at_once(client: TestClient, team: dict[str, Any]) -> None:
    taken = on_desk(client)
    answered = client.post(f"/v1/calls/{taken['id']}/screening", json={"weapons": True})
    body = answered.json()
    assert body["status"] == "assigned"
    assert body["dispatched_type"] != "civilian_crisis"
    assert (body["consult"]["state"], body["consult"]["not_served"]) == ("not_served", "no_longer_eligible")
    assert "weapon" in body["consult"]["not_served_detail"]


def test_a_reassuring_answer_keeps_the_call_on_the_desk(client: TestClient) -> None:
    taken = on_desk(client)
    body = client.post(f"/v1/calls/{taken['id']}/screening", json={"violence": False}).json()
    assert (body["status"], body["consult"]["state"]) == ("on_desk", "waiting")


def test_an_override_or_a_cancel_takes_the_call_off_the_desk(
    client: TestClient, team: dict[str, Any]
) -> None:
    first, second = on_desk(client, "CAD-DESK-1"), on_desk(client, "CAD-DESK-2")
    body = client.post(
        f"/v1/calls/{first['id']}/override", json={"response_type": "police", "reason": "known to carry"}
    ).json()
    assert (body["status"], body["dispatched_type"], body["consult"]["not_served"]) == (
        "assigned",
        "police",
        "pulled",
    )
    body = client.post(f"/v1/calls/{second['id']}/cancel", json={"reason": "caller hung up"}).json()
    assert (body["status"], body["consult"]["not_served"]) == ("cancelled", "cancelled")


def test_a_call_not_eligible_is_dispatched_as_usual(client: TestClient, team: dict[str, Any]) -> None:
    taken = call(
        client, "CAD-KNIFE", call_type="MENTAL HEALTH", narrative="hearing voices, has a knife", screening={}
    )
    assert taken["decision"]["consult"]["eligible"] is False
    assert "weapon" in taken["decision"]["consult"]["reason"]
    assert taken["consult"] is None
    assert taken["status"] == "assigned"


def test_calls_closed_on_the_phone_count_in_outcomes_and_exports(
    client: TestClient, clock: FakeClock
) -> None:
    taken = on_desk(client)
    claim(client, taken["id"])
    decide(client, taken["id"], "resolved_by_phone", "talked it through")
    clock.advance(1)
    window = {"since": "2026-11-22T00:00:00Z", "until": "2026-11-23T00:00:00Z"}
    supervisor = as_role(client, "supervisor")
    desk = client.get("/v1/outcomes/stats", params=window, headers=supervisor).json()["by_team"][
        "crisis_desk"
    ]
    assert (desk["closed"], desk["resolutions"]["resolved_by_phone"]) == (1, 1)
    export = client.get("/v1/exports/calls.csv", params=window, headers=supervisor).text
    [row] = csv.DictReader(export.splitlines()[1:])
    assert (row["crisis_desk"], row["resolution"]) == ("resolved_by_phone", "resolved_by_phone")
    assert "talked it through" not in export  # the rationale is free text: it never leaves


def test_a_claim_after_the_wait_ended_is_refused(client: TestClient, clock: FakeClock) -> None:
    taken = on_desk(client)
    clock.advance(60)  # the sweep has not run yet: the call is still on the desk, but its wait is over
    late = claim(client, taken["id"])
    assert late.status_code == 409
    assert "wait on the desk ended" in late.json()["detail"]


def test_a_claimed_call_left_without_an_outcome_goes_on_after_max_claim(
    client: TestClient, team: dict[str, Any], ctx: Context, clock: FakeClock
) -> None:
    taken = on_desk(client)
    claim(client, taken["id"])
    clock.advance(1799)
    assert expire_overdue(ctx, 25) == []
    clock.advance(1)
    assert expire_overdue(ctx, 25) == [taken["id"]]
    ctx.session.commit()
    after = client.get(f"/v1/calls/{taken['id']}").json()
    assert (after["status"], after["consult"]["not_served"]) == ("assigned", "timed_out_claimed")
    assert after["consult"]["not_served_detail"] == (
        "no outcome within 1800 s of pick-up by test-clinician; dispatched as triaged"
    )


def test_a_call_claimed_by_a_revoked_key_goes_on_at_the_next_sweep(
    client: TestClient, team: dict[str, Any], ctx: Context, clock: FakeClock
) -> None:
    taken = on_desk(client)
    claim(client, taken["id"])
    assert client.post("/v1/keys/test-clinician/revoke", headers=as_role(client, "admin")).status_code == 200
    assert expire_overdue(ctx, 25) == [taken["id"]]
    ctx.session.commit()
    after = client.get(f"/v1/calls/{taken['id']}").json()
    assert after["status"] == "assigned"
    assert after["consult"]["not_served_detail"] == "test-clinician's key was revoked; dispatched as triaged"


def test_a_clinician_cannot_tell_a_missing_call_from_one_never_on_the_desk(client: TestClient) -> None:
    other = call(client, "CAD-BURGLARY", call_type="BURGLARY", screening={})
    answers = [claim(client, call_id) for call_id in (other["id"], 987_654)]
    assert [a.status_code for a in answers] == [404, 404]
    details = [
        a.json()["detail"].replace(str(i), "N") for a, i in zip(answers, (other["id"], 987_654), strict=True)
    ]
    assert details[0] == details[1]


@pytest.mark.parametrize("rationale", ["\u0001\u0002\u0003", "\u200b\u200b\u200b", "..."])
def test_a_rationale_says_why_in_words(client: TestClient, rationale: str) -> None:
    taken = on_desk(client)
    claim(client, taken["id"])
    refused = decide(client, taken["id"], "resolved_by_phone", rationale)
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["rationale"]


def test_the_consult_counter_counts_ended_consults_only(client: TestClient, team: dict[str, Any]) -> None:
    taken = on_desk(client)
    claim(client, taken["id"])
    metrics = client.get("/metrics", headers={"Authorization": ""}).text
    assert 'cadtriage_consults_total{result="claimed"}' not in metrics  # open: the gauge's, not a counter's
    assert 'cadtriage_consults_open{state="claimed"} 1' in metrics
    pulled = client.post(f"/v1/consults/{taken['id']}/pull", json={"reason": "knife mentioned"})
    assert pulled.status_code == 200, pulled.text
    client.app.state.metrics_cache = None  # type: ignore[attr-defined]  # rendered at most every 10 s
    metrics = client.get("/metrics", headers={"Authorization": ""}).text
    assert 'cadtriage_consults_total{result="pulled"} 1' in metrics
