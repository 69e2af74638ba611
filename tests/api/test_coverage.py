"""Coverage warnings: `coverage.lost` when no available unit holds a capability any more (it went busy, or its
certification was removed or lapsed), `coverage.restored` when one is back; naming the units the change concerns,
announced once, and never "restored" for a capability that was never lost."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.orm import Session

from cadtriage.context import Context
from cadtriage.dispatch.coverage import announce_coverage
from tests.api.helpers import DOWNTOWN, as_role, call, status, unit
from tests.conftest import FakeClock

LAT, LON = DOWNTOWN
VOICES = {"call_type": "MENTAL HEALTH", "narrative": "son hearing voices, scared", "screening": {}}


def team(
    client: TestClient, sign: str, metres: float, capabilities: list[dict[str, Any]] | None = None
) -> Any:
    return unit(client, sign, "co_responder", LAT + metres / 111_195, LON, capabilities=capabilities or [])


def grant(client: TestClient, unit_id: int, capabilities: list[dict[str, Any]]) -> None:
    body = {"capabilities": capabilities}
    answer = client.put(f"/v1/units/{unit_id}/capabilities", json=body, headers=as_role(client, "supervisor"))
    assert answer.status_code == 200, answer.text


def announcements(session: Session, after: int = 0) -> list[tuple[Any, ...]]:
    rows = session.execute(
        text(
            "SELECT kind, unit_id, data ->> 'capability', reason FROM events"
            " WHERE kind LIKE 'coverage.%' AND id > :after ORDER BY id"
        ),
        {"after": after},
    )
    return [tuple(row) for row in rows]


def test_lost_when_the_last_qualified_unit_goes_busy_and_restored_when_it_is_back(
    client: TestClient, ctx: Context, session: Session
) -> None:
    cit = team(client, "CR-CIT", 800, [{"id": "cit"}])
    assert announce_coverage(ctx) == []  # the first look only remembers: covered
    taken = call(client, "CAD-1", **VOICES)
    assert taken["assignment"]["unit_id"] == cit["id"]
    assert announce_coverage(ctx) == ["cit"]
    assert announce_coverage(ctx) == []  # announced once
    status(client, taken["id"], "on_scene")
    status(client, taken["id"], "closed", disposition="resolved")
    assert announce_coverage(ctx) == ["cit"]
    assert announcements(session) == [
        ("coverage.lost", cit["id"], "cit", "0 available of 1 holding cit: CR-CIT dispatched"),
        ("coverage.restored", cit["id"], "cit", "1 available of 1 holding cit: CR-CIT available"),
    ]


def test_the_unit_named_is_the_one_that_went_busy_not_the_last_to_report_its_position(
    client: TestClient, ctx: Context, session: Session, clock: FakeClock
) -> None:
    first = team(client, "CR-A", 800, [{"id": "cit"}])
    second = team(client, "CR-B", 900, [{"id": "cit"}])
    taken = call(client, "CAD-1", **VOICES)
    assert taken["assignment"]["unit_id"] == first["id"]
    assert announce_coverage(ctx) == []  # CR-B still covers
    busy = call(client, "CAD-2", **VOICES)
    assert busy["assignment"]["unit_id"] == second["id"]
    clock.advance(5)
    ping = {"lat": LAT + 0.001, "lon": LON}
    assert client.put(f"/v1/units/{first['id']}/location", json=ping).status_code == 200  # CR-A, moving
    assert announce_coverage(ctx) == ["cit"]
    [(kind, unit_id, _, reason)] = announcements(session)
    assert (kind, unit_id, reason) == (
        "coverage.lost",
        second["id"],
        "0 available of 2 holding cit: CR-B dispatched",
    )


def test_losing_the_last_certification_is_a_loss_and_a_first_certification_is_not_a_restoration(
    client: TestClient, ctx: Context, session: Session
) -> None:
    plain = team(client, "CR-1", 500)
    assert announce_coverage(ctx) == []  # nobody holds cit: uncovered, nothing to say
    grant(client, plain["id"], [{"id": "cit"}])
    assert announce_coverage(ctx) == []  # covered for the first time: nothing was lost
    grant(client, plain["id"], [])
    assert announce_coverage(ctx) == ["cit"]
    grant(client, plain["id"], [{"id": "cit"}])
    assert announce_coverage(ctx) == ["cit"]
    assert announcements(session) == [
        ("coverage.lost", plain["id"], "cit", "0 available of 0 holding cit: CR-1 no longer holds cit"),
        ("coverage.restored", plain["id"], "cit", "1 available of 1 holding cit: CR-1 available"),
    ]


OPERATIONS = st.lists(
    st.tuples(st.sampled_from(["grant", "remove", "off", "on", "sweep"]), st.integers(0, 2)), max_size=14
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=OPERATIONS)
def test_announcements_alternate_and_agree_with_the_units(
    client: TestClient, ctx: Context, session: Session, operations: list[tuple[str, int]]
) -> None:
    """Whatever units do, the announcements for a capability alternate lost, restored, lost, … and after each
    sweep an outstanding loss means no available unit holds it, and a capability covered at an earlier sweep
    and not now has an outstanding loss."""
    # Each example starts from no coverage remembered and three fresh units (signs unique across examples).
    session.execute(text("DELETE FROM capability_coverage; UPDATE units SET capabilities = '{}'"))
    start = session.scalar(text("SELECT coalesce(max(id), 0) FROM events"))
    tag = session.scalar(text("SELECT count(*) FROM units"))
    teams = [team(client, f"CR-{tag}-{i}", 300 * (i + 1)) for i in range(3)]
    held, off, covered_before = [False] * 3, [False] * 3, False
    for operation, i in [*operations, ("sweep", 0)]:
        if operation in ("grant", "remove"):
            held[i] = operation == "grant"
            grant(client, teams[i]["id"], [{"id": "cit"}] if held[i] else [])
        elif operation in ("off", "on") and off[i] != (operation == "off"):
            off[i] = operation == "off"
            change = {"status": "out_of_service" if off[i] else "available"}
            assert client.post(f"/v1/units/{teams[i]['id']}/status", json=change).status_code == 200
        elif operation == "sweep":
            announce_coverage(ctx)
            covered = any(h and not o for h, o in zip(held, off, strict=True))
            kinds = [kind for kind, _, capability, _ in announcements(session, start) if capability == "cit"]
            assert kinds == [("coverage.lost", "coverage.restored")[n % 2] for n in range(len(kinds))]
            outstanding = bool(kinds) and kinds[-1] == "coverage.lost"
            assert outstanding == (not covered and covered_before)
            covered_before = covered_before or covered
