"""Follow-ups after a call: scheduled on consent, listed, completed once, and announced once when overdue."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from cadtriage.context import Context
from cadtriage.followups.service import announce_overdue
from tests.api.helpers import DOWNTOWN, as_role, call, status, unit
from tests.conftest import FakeClock

CONSENT = {"given": True, "method": "verbal"}


def _closed_call(client: TestClient) -> int:
    unit(client, "CRT-1", "civilian_crisis", *DOWNTOWN)
    taken = call(client, "CAD-1")
    status(client, taken["id"], "on_scene")
    status(client, taken["id"], "closed", disposition="referred to mobile crisis follow-up")
    return int(taken["id"])


def _schedule(client: TestClient, call_id: int, **changes: Any) -> Any:
    body = {"provider": "Mobile crisis follow-up team", "due_at": "2026-11-23T10:00:00Z", "consent": CONSENT}
    return client.post(f"/v1/calls/{call_id}/followups", json={**body, **changes})


def _kinds(client: TestClient, call_id: int) -> list[str]:
    return [e["kind"] for e in client.get(f"/v1/calls/{call_id}/timeline").json()]


def test_a_followup_is_scheduled_listed_and_completed_once(client: TestClient) -> None:
    call_id = _closed_call(client)
    scheduled = _schedule(client, call_id)
    assert scheduled.status_code == 201, scheduled.text
    followup = scheduled.json()
    assert (followup["status"], followup["overdue"], followup["consent_method"]) == ("open", False, "verbal")
    assert followup["created_by"] == "test-dispatcher"
    listed = client.get("/v1/followups", params={"call_id": call_id}, headers=as_role(client, "supervisor"))
    assert [f["id"] for f in listed.json()] == [followup["id"]]
    done = client.post(f"/v1/followups/{followup['id']}/complete", json={"result": "connected_to_care"})
    assert done.status_code == 200, done.text
    assert (done.json()["status"], done.json()["result"]) == ("completed", "connected_to_care")
    again = client.post(f"/v1/followups/{followup['id']}/complete", json={"result": "declined"})
    assert again.status_code == 409
    assert _kinds(client, call_id)[-2:] == ["followup.created", "followup.completed"]
    assert client.get("/v1/followups", params={"status": "open"}).json() == []


def test_overdue_followups_are_listed_and_announced_once(
    client: TestClient, clock: FakeClock, ctx: Context
) -> None:
    call_id = _closed_call(client)
    soon = _schedule(client, call_id, due_at="2026-11-22T12:00:00Z").json()
    _schedule(client, call_id, due_at="2026-11-25T12:00:00Z")
    assert client.get("/v1/followups", params={"overdue": True}).json() == []
    assert list(announce_overdue(ctx.acting_as("system:followups"))) == []
    clock.advance(3 * 3600)  # 13:00 on the 22nd: the first is late
    assert "cadtriage_followups_overdue 1" in client.get("/metrics", headers={"Authorization": ""}).text
    late = client.get("/v1/followups", params={"overdue": True}).json()
    assert [(f["id"], f["overdue"]) for f in late] == [(soon["id"], True)]
    assert list(announce_overdue(ctx.acting_as("system:followups"))) == [soon["id"]]
    assert list(announce_overdue(ctx.acting_as("system:followups"))) == []  # once
    overdue = [
        e for e in client.get(f"/v1/calls/{call_id}/timeline").json() if e["kind"] == "followup.overdue"
    ]
    assert [(e["actor"], e["data"]["followup_id"]) for e in overdue] == [("system:followups", soon["id"])]


def test_a_followup_needs_consent_a_real_call_and_a_due_time_after_it(client: TestClient) -> None:
    call_id = _closed_call(client)
    for changes, field in (
        ({"consent": {"given": False, "method": "verbal"}}, "consent.given"),
        ({"consent": {"given": "yes", "method": "verbal"}}, "consent.given"),
        ({"consent": None}, "consent"),
        ({"due_at": "2026-11-21T10:00:00Z"}, "due_at"),
        ({"provider": ""}, "provider"),
    ):
        refused = _schedule(client, call_id, **changes)
        assert refused.status_code == 422, (changes, refused.text)
        assert field in [e["field"] for e in refused.json()["errors"]]
    assert _schedule(client, 999_999).status_code == 404
    cancelled = call(client, "CAD-2")
    client.post(f"/v1/calls/{cancelled['id']}/cancel", json={"reason": "caller hung up"})
    assert _schedule(client, cancelled["id"]).status_code == 409
    assert client.get("/v1/followups").json() == []  # nothing refused was stored
    assert client.post("/v1/followups/999999/complete", json={"result": "declined"}).status_code == 404


def test_a_followup_cannot_be_scheduled_already_overdue(client: TestClient, clock: FakeClock) -> None:
    call_id = _closed_call(client)
    clock.advance(2 * 86_400)  # two days after the call, a due time one day after it has passed
    refused = _schedule(client, call_id, due_at="2026-11-23T10:00:00Z")
    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["due_at"]
    assert _schedule(client, call_id, due_at="2026-11-25T10:00:00Z").status_code == 201
