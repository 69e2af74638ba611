"""A call closes with a structured outcome: what evaluations count, checked against itself and against the call."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from cadtriage.config import Settings
from tests.api.helpers import DOWNTOWN, as_role, call, status, unit
from tests.conftest import FakeClock


@pytest.fixture
def settings(db_url: str) -> Settings:
    # A person-key secret, so that repeat contacts can be counted.
    return Settings(database_url=db_url, unit_location_stale_s=900, person_key_secret="test-secret")


REFERRED = {
    "resolution": "referred",
    "referrals": [
        {"to": "Mobile crisis follow-up team", "accepted": True},
        {"to": "Detox", "accepted": False},
    ],
    "police_backup": {"requested": False},
    "use_of_force": {"used": False},
    "injury": {"any": False},
}


def _on_scene(client: TestClient, kind: str = "civilian_crisis", sign: str = "CRT-1") -> int:
    unit(client, sign, kind, *DOWNTOWN)
    if kind == "civilian_crisis":
        taken = call(client, f"CAD-{sign}")
    else:
        danger = {"weapons": True, "crime_in_progress": True}
        taken = call(client, f"CAD-{sign}", call_type="ROBBERY IN PROGRESS", screening=danger)
    assert taken["assignment"]["call_sign"] == sign
    assert status(client, taken["id"], "on_scene").status_code == 200
    return int(taken["id"])


def _close(client: TestClient, call_id: int, outcome: dict[str, Any]) -> Any:
    return status(client, call_id, "closed", disposition="done", outcome=outcome)


def test_a_call_closes_with_its_outcome_shown_and_in_the_timeline(client: TestClient) -> None:
    call_id = _on_scene(client)
    closed = _close(client, call_id, REFERRED)
    assert closed.status_code == 200, closed.text
    outcome = closed.json()["outcome"]
    assert outcome["resolution"] == "referred"
    assert [r["accepted"] for r in outcome["referrals"]] == [True, False]
    assert outcome["police_backup"] == {"requested": False}
    assert outcome["use_of_force"] == {"used": False, "by": []}
    assert outcome["recorded_by"] == "test-dispatcher"
    assert outcome["received_to_on_scene_s"] is not None
    assert outcome["on_scene_to_clear_s"] is not None
    assert client.get(f"/v1/calls/{call_id}").json()["outcome"] == outcome
    closing = [e for e in client.get(f"/v1/calls/{call_id}/timeline").json() if e["kind"] == "call.closed"]
    assert closing[0]["data"] == {"resolution": "referred", "referrals": 2}


def test_parts_left_out_of_an_outcome_are_unknown_not_no(client: TestClient) -> None:
    call_id = _on_scene(client)
    outcome = _close(client, call_id, {"resolution": "resolved_on_scene"}).json()["outcome"]
    assert (outcome["police_backup"], outcome["use_of_force"], outcome["injury"]) == (None, None, None)


def test_closing_without_an_outcome_still_works(client: TestClient) -> None:
    call_id = _on_scene(client)
    closed = status(client, call_id, "closed", disposition="resolved")
    assert (closed.status_code, closed.json()["outcome"]) == (200, None)


def test_a_civilian_team_arrest_needs_the_police_backup_that_made_it(client: TestClient) -> None:
    call_id = _on_scene(client)
    arrest = {"resolution": "arrest"}
    refused = _close(client, call_id, arrest)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "outcome.resolution"
    assert client.get(f"/v1/calls/{call_id}").json()["status"] == "on_scene"  # nothing written
    backed = {**arrest, "police_backup": {"requested": True, "reason": "subject produced a knife"}}
    closed = _close(client, call_id, backed)
    assert closed.status_code == 200, closed.text
    assert closed.json()["outcome"]["police_backup"]["reason"] == "subject produced a knife"


def test_a_police_arrest_needs_no_backup(client: TestClient) -> None:
    call_id = _on_scene(client, "police", "P-1")
    assert _close(client, call_id, {"resolution": "arrest"}).status_code == 200


@pytest.mark.parametrize(
    ("outcome", "field"),
    [
        ({"resolution": "referred"}, "outcome.referrals"),
        (
            {"resolution": "no_contact", "use_of_force": {"used": True, "by": ["responders"]}},
            "outcome.use_of_force",
        ),
        ({"resolution": "gone_on_arrival", "injury": {"any": True, "who": ["subject"]}}, "outcome.injury"),
        ({"resolution": "resolved_by_phone"}, "outcome.resolution"),
        ({"resolution": "resolved_on_scene", "use_of_force": {"used": True}}, "outcome.use_of_force"),
        (
            {"resolution": "resolved_on_scene", "use_of_force": {"used": False, "by": ["police"]}},
            "outcome.use_of_force",
        ),
        (
            {"resolution": "resolved_on_scene", "use_of_force": {"used": True, "by": ["police"]}},
            "outcome.use_of_force",
        ),
        (
            {"resolution": "resolved_on_scene", "injury": {"any": "yes", "who": ["subject"]}},
            "outcome.injury.any",
        ),
        ({"resolution": "resolved_on_scene", "police_backup": {"requested": True}}, "outcome.police_backup"),
        ({"resolution": "talked_down"}, "outcome.resolution"),
        ({"resolution": "referred", "referrals": [{"to": "", "accepted": True}]}, "outcome.referrals.0.to"),
        # The same thing twice would count twice.
        (
            {"resolution": "referred", "referrals": [{"to": "Detox", "accepted": True}, {"to": "detox"}]},
            "outcome.referrals",
        ),
        (
            {"resolution": "resolved_on_scene", "injury": {"any": True, "who": ["subject", "subject"]}},
            "outcome.injury",
        ),
        (
            {
                "resolution": "resolved_on_scene",
                "use_of_force": {"used": True, "by": ["responders", "responders"]},
            },
            "outcome.use_of_force",
        ),
        # Backup is asked for during the call, not before it was received nor after now.
        (
            {
                "resolution": "resolved_on_scene",
                "police_backup": {"requested": True, "reason": "escalating", "at": "2026-11-21T10:00:00Z"},
            },
            "outcome.police_backup.at",
        ),
        (
            {
                "resolution": "resolved_on_scene",
                "police_backup": {"requested": True, "reason": "escalating", "at": "2026-11-23T10:00:00Z"},
            },
            "outcome.police_backup.at",
        ),
    ],
)
def test_outcomes_that_contradict_themselves_or_the_call_are_refused(
    client: TestClient, outcome: dict[str, Any], field: str
) -> None:
    call_id = _on_scene(client)
    refused = _close(client, call_id, outcome)
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert field in [e["field"] for e in refused.json()["errors"]]
    assert client.get(f"/v1/calls/{call_id}").json()["status"] == "on_scene"


def test_an_outcome_comes_only_with_closing(client: TestClient) -> None:
    unit(client, "CRT-1", "civilian_crisis", *DOWNTOWN)
    taken = call(client, "CAD-1")
    refused = status(client, taken["id"], "en_route", outcome={"resolution": "resolved_on_scene"})
    assert refused.status_code == 422
    assert client.get(f"/v1/calls/{taken['id']}").json()["status"] == "assigned"


def _scenario(client: TestClient, clock: FakeClock) -> None:
    """Five closed calls with known outcomes, and one cancelled: the figures below are counted by hand."""
    crisis, police = "civilian_crisis", "police"
    plans: list[tuple[str, float, dict[str, Any] | None]] = [
        (crisis, 300, REFERRED),  # referrals: 1 accepted, 1 declined
        (crisis, 600, {"resolution": "resolved_on_scene"}),
        (
            crisis,
            900,
            {
                "resolution": "arrest",
                "police_backup": {"requested": True, "reason": "knife produced"},
                "use_of_force": {"used": True, "by": ["police"]},
                "injury": {"any": True, "who": ["subject"]},
            },
        ),
        (crisis, 1200, None),  # closed with no outcome recorded
        (police, 120, {"resolution": "transported_hospital", "referrals": [{"to": "ED social work"}]}),
    ]
    for n, (kind, to_scene_s, outcome) in enumerate(plans):
        unit(client, f"U-{n}", kind, *DOWNTOWN)
        if kind == crisis:
            taken = call(client, f"CAD-{n}")
        else:
            danger = {"weapons": True, "crime_in_progress": True}
            taken = call(client, f"CAD-{n}", call_type="ROBBERY IN PROGRESS", screening=danger)
        # Units freed by earlier calls wait at the same spot: any of that type may be the one sent.
        assert taken["dispatched_type"] == kind
        clock.advance(to_scene_s)
        assert status(client, taken["id"], "on_scene").status_code == 200
        extra = {"outcome": outcome} if outcome else {}
        assert status(client, taken["id"], "closed", disposition="done", **extra).status_code == 200
    cancelled = call(client, "CAD-X")
    client.post(f"/v1/calls/{cancelled['id']}/cancel", json={"reason": "caller hung up"})


def test_outcome_statistics_match_a_seeded_scenario(client: TestClient, clock: FakeClock) -> None:
    _scenario(client, clock)
    window = {"since": "2026-11-01T00:00:00Z", "until": "2026-12-01T00:00:00Z"}
    figures = client.get("/v1/outcomes/stats", params=window, headers=as_role(client, "supervisor"))
    assert figures.status_code == 200, figures.text
    crisis = figures.json()["by_team"]["civilian_crisis"]
    assert (crisis["closed"], crisis["with_outcome"]) == (4, 3)
    assert {k: v for k, v in crisis["resolutions"].items() if v} == {
        "referred": 1,
        "resolved_on_scene": 1,
        "arrest": 1,
    }
    assert crisis["referrals"] == {"made": 2, "accepted": 1, "declined": 1, "acceptance_rate": 0.5}
    # Backup reported on two of the three (asked for on one); left out on the third, which is not a "no".
    assert (crisis["police_backup_requested"], crisis["police_backup_rate"]) == (1, 0.5)
    assert (crisis["arrests"], crisis["use_of_force"], crisis["injuries"]) == (1, 1, 1)
    assert (crisis["transports"], crisis["involuntary_holds"]) == (0, 0)
    # Receipt to on scene: 300, 600, 900 and 1,200 s; median 750, p90 1,110 (linear interpolation).
    assert crisis["received_to_on_scene"] == {"median_s": 750.0, "p90_s": 1110.0}
    police = figures.json()["by_team"]["police"]
    assert (police["closed"], police["with_outcome"], police["transports"]) == (1, 1, 1)
    assert police["referrals"] == {"made": 1, "accepted": 0, "declined": 0, "acceptance_rate": None}
    assert police["received_to_on_scene"] == {"median_s": 120.0, "p90_s": 120.0}
    one = client.get("/v1/outcomes/stats", params={**window, "response_type": "police"})
    assert list(one.json()["by_team"]) == ["police"]
    empty = client.get("/v1/outcomes/stats", params={**window, "since": window["until"]})
    assert empty.status_code == 422
    metrics = client.get("/metrics", headers={"Authorization": ""}).text
    assert 'cadtriage_outcomes_total{response_type="civilian_crisis",resolution="arrest"} 1' in metrics
    assert (
        'cadtriage_police_backup_requests_total{response_type="civilian_crisis",resolution="arrest"} 1'
        in metrics
    )
    assert 'cadtriage_outcomes_total{response_type="police",resolution="transported_hospital"} 1' in metrics


def test_repeat_contacts_are_counted_on_the_pseudonymous_key_alone(
    client: TestClient, clock: FakeClock, session: Session
) -> None:
    crt = unit(client, "CRT-1", "civilian_crisis", *DOWNTOWN)
    people = [
        ("CAD-A1", {"caller": {"name": "Ann Example", "phone": "(206) 555-0101"}}),
        (
            "CAD-A2",
            {"caller": {"name": "Ann Example", "phone": "+1 206 555 0101"}},
        ),  # 10 days later: a repeat
        ("CAD-B1", {"person_id": "MRN-77"}),
        ("CAD-B2", {"person_id": "MRN-77"}),  # 40 days after B1: not a repeat within 30 days
        ("CAD-C1", {}),  # no one identified
    ]
    gaps = [0, 10, 0, 40, 0]
    for (ext, extra), days in zip(people, gaps, strict=True):
        clock.advance(days * 86_400)
        taken = call(client, ext, **extra)
        assert taken["assignment"]["unit_id"] == crt["id"]
        status(client, taken["id"], "on_scene")
        status(client, taken["id"], "closed", disposition="done", outcome={"resolution": "resolved_on_scene"})
    window = {
        "since": "2026-11-01T00:00:00Z",
        "until": "2027-03-01T00:00:00Z",
        "response_type": "civilian_crisis",
    }
    crisis = client.get("/v1/outcomes/stats", params=window).json()["by_team"]["civilian_crisis"]
    assert (crisis["closed"], crisis["identified"], crisis["repeat_contacts"]) == (5, 4, 1)
    assert crisis["repeat_contact_rate"] == 0.25
    stored = session.execute(
        text("SELECT record::text, person_key FROM calls WHERE external_id = 'CAD-B1'")
    ).one()
    assert "MRN-77" not in stored[0]  # the upstream person id is kept only as its keyed hash
    assert stored[1] is not None
    assert "MRN-77" not in stored[1]


def test_a_transported_call_does_not_close_as_resolved_where_it_was(client: TestClient) -> None:
    call_id = _on_scene(client)
    assert status(client, call_id, "transporting").status_code == 200
    refused = _close(client, call_id, {"resolution": "resolved_on_scene"})
    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["outcome.resolution"]
    assert _close(client, call_id, {"resolution": "transported_crisis_center"}).status_code == 200


def test_backup_within_the_call_is_recorded_with_its_time(client: TestClient, clock: FakeClock) -> None:
    call_id = _on_scene(client)
    clock.advance(600)
    backup = {"requested": True, "reason": "escalating", "at": "2026-11-22T10:05:00Z"}
    closed = _close(client, call_id, {"resolution": "resolved_on_scene", "police_backup": backup})
    assert closed.status_code == 200, closed.text
    assert closed.json()["outcome"]["police_backup"]["at"] == "2026-11-22T10:05:00Z"
