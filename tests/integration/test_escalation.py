"""Escalation: a queued call waiting past its type's limit moves up the chain, recorded; one sweep at a time."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from cadtriage.calls.models import TriageDecision
from cadtriage.context import Context
from cadtriage.db import Database
from cadtriage.dispatch.escalation import escalate_overdue, sweep_once
from tests.api.helpers import DOWNTOWN, call, unit
from tests.conftest import FakeClock


def test_a_civilian_call_waits_its_limit_then_goes_to_a_co_responder(
    client: TestClient, ctx: Context, clock: FakeClock, session: Session
) -> None:
    co = unit(client, "CR-1", "co_responder", *DOWNTOWN)
    waiting = call(client, "CAD-1")
    assert waiting["status"] == "queued"
    clock.advance(899)
    assert escalate_overdue(ctx) == []
    clock.advance(2)
    assert escalate_overdue(ctx) == [waiting["id"]]
    body = client.get(f"/v1/calls/{waiting['id']}").json()
    assert body["decided_type"] == "civilian_crisis"
    assert body["requested_type"] == body["dispatched_type"] == "co_responder"
    assert body["assignment"]["unit_id"] == co["id"]
    assert body["divergence"] == "escalation"
    assert "waited 901 s with no civilian_crisis unit" in body["divergence_detail"]
    decision = session.scalars(select(TriageDecision).where(TriageDecision.kind == "escalation")).one()
    assert (decision.response_type, decision.actor) == ("co_responder", "test")
    kinds = [e["kind"] for e in client.get(f"/v1/calls/{waiting['id']}/timeline").json()]
    assert "call.escalated" in kinds


def test_the_chain_continues_to_police_with_its_own_wait(
    client: TestClient, ctx: Context, clock: FakeClock
) -> None:
    police = unit(client, "P-1", "police", *DOWNTOWN)
    waiting = call(client, "CAD-1")
    clock.advance(901)
    escalate_overdue(ctx)
    assert client.get(f"/v1/calls/{waiting['id']}").json()["requested_type"] == "co_responder"
    clock.advance(599)  # the co-responder wait starts when the call moved to that queue
    assert escalate_overdue(ctx) == []
    clock.advance(2)
    escalate_overdue(ctx)
    body = client.get(f"/v1/calls/{waiting['id']}").json()
    assert body["assignment"]["unit_id"] == police["id"]
    assert body["escalations"] == 2
    clock.advance(10_000)
    assert escalate_overdue(ctx) == []  # police is the top of the chain


def test_a_unit_change_runs_the_escalation_check(client: TestClient, clock: FakeClock) -> None:
    co = unit(client, "CR-1", "co_responder", *DOWNTOWN)
    client.post(f"/v1/units/{co['id']}/status", json={"status": "out_of_service"})
    waiting = call(client, "CAD-1")
    clock.advance(1000)
    client.post(f"/v1/units/{co['id']}/status", json={"status": "available"})
    body = client.get(f"/v1/calls/{waiting['id']}").json()
    assert (body["requested_type"], body["status"]) == ("co_responder", "assigned")


def test_only_one_sweep_runs_at_a_time(
    client: TestClient, ctx: Context, clock: FakeClock, engine: Engine
) -> None:
    call(client, "CAD-1")
    clock.advance(1000)
    with engine.connect() as other:
        other.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": 0x0CAD00E5})
        assert escalate_overdue(ctx) == []  # another worker holds the sweep
        other.rollback()
    assert len(escalate_overdue(ctx)) == 1


def test_the_periodic_sweep_commits_its_own_transaction(pg, settings, protocol) -> None:  # type: ignore[no-untyped-def]
    url = pg.copy()
    database = Database(url, pool_size=1)
    clock = FakeClock()
    with Session(database.engine) as session:
        ctx = Context(session, clock, settings, protocol, "test")
        from cadtriage.calls.schemas import IntakeRecord
        from cadtriage.dispatch.intake import intake

        intake(
            ctx,
            IntakeRecord.model_validate(
                {
                    "external_id": "X",
                    "call_type": "EDP",
                    "screening": {"weapons": False, "violence": False},
                    "location": {"lat": 47.6, "lon": -122.3},
                }
            ),
        )
        session.commit()
    clock.advance(901)
    assert len(sweep_once(database, clock, settings, protocol)) == 1
    with database.engine.connect() as conn:
        assert conn.execute(text("SELECT requested_type FROM calls")).scalar() == "co_responder"
        assert conn.execute(text("SELECT actor FROM events WHERE kind = 'call.escalated'")).scalar() == (
            "system:escalation"
        )
    database.dispose()


def test_a_sweep_after_an_overload_escalates_every_call_a_batch_at_a_time(  # type: ignore[no-untyped-def]
    pg, settings, protocol
) -> None:
    # Each transaction of a sweep holds the queue lock against freed units (and the intakes behind them) until it
    # commits, so a flood of overdue calls is escalated SWEEP_BATCH to a transaction, never all in one.
    from cadtriage.calls.schemas import IntakeRecord
    from cadtriage.dispatch.escalation import SWEEP_BATCH
    from cadtriage.dispatch.intake import intake

    flood = 2 * SWEEP_BATCH + 10
    database = Database(pg.copy(), pool_size=1)
    clock = FakeClock()
    with Session(database.engine) as session:
        ctx = Context(session, clock, settings, protocol, "test")
        for n in range(flood):
            body = {
                "external_id": f"FLOOD-{n}",
                "call_type": "EDP",
                "screening": {"weapons": False, "violence": False},
                "location": {"lat": 47.6, "lon": -122.3},
            }
            intake(ctx, IntakeRecord.model_validate(body))
            session.commit()
    clock.advance(901)
    assert len(sweep_once(database, clock, settings, protocol)) == flood
    with database.engine.connect() as conn:
        per_transaction = conn.execute(
            text("SELECT count(*) FROM calls WHERE requested_type = 'co_responder' GROUP BY xmin::text")
        ).scalars()
        assert sorted(per_transaction, reverse=True) == [SWEEP_BATCH, SWEEP_BATCH, 10]
    database.dispose()
