"""Races replayed deterministically: two real transactions, interleaved on purpose."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from cadtriage.calls.schemas import IntakeRecord
from cadtriage.config import Settings
from cadtriage.context import Context
from cadtriage.db import Database
from cadtriage.dispatch.intake import intake
from cadtriage.dispatch.queue import lock_queue, lock_queue_for_call
from cadtriage.dispatch.units import change_status, register
from cadtriage.triage.protocol import Protocol
from cadtriage.triage.types import ResponseType
from cadtriage.units.models import UnitStatus
from cadtriage.units.schemas import Position, UnitCreate
from tests.conftest import FakeClock
from tests.pg import PgServer

RECORD = IntakeRecord.model_validate(
    {
        "external_id": "CAD-RACE",
        "call_type": "WELFARE CHECK",
        "screening": {"weapons": False, "violence": False},
        "location": {"lat": 47.6097, "lon": -122.3331},
    }
)


ContextFor = Callable[[Session, str], Context]


def _contexts(settings: Settings, protocol: Protocol) -> ContextFor:
    clock = FakeClock()
    return lambda session, actor: Context(session, clock, settings, protocol, actor)


def _register_unit_out_of_service(database: Database, context: ContextFor) -> int:
    with Session(database.engine) as session, session.begin():
        unit = register(
            context(session, "setup"),
            UnitCreate(
                call_sign="CRT-1",
                unit_type=ResponseType.civilian_crisis,
                location=Position(lat=47.61, lon=-122.335),
                status=UnitStatus.out_of_service,
            ),
        )
        return unit.id


def test_a_unit_freed_while_a_call_queues_is_not_left_idle(
    pg: PgServer, settings: Settings, protocol: Protocol
) -> None:
    # The unit's transaction frees it and finds the queue empty; before it commits, a call arrives and cannot
    # see the unit (locked, not yet available). Without the queue lock both would commit idle side by side.
    database = Database(pg.copy(), pool_size=4)
    context = _contexts(settings, protocol)
    unit_id = _register_unit_out_of_service(database, context)

    freed, commit_unit = threading.Event(), threading.Event()
    outcome: dict[str, Any] = {}

    def free_the_unit() -> None:
        with Session(database.engine) as session, session.begin():
            change_status(context(session, "unit"), unit_id, UnitStatus.available, None)
            freed.set()
            commit_unit.wait(10)

    def take_a_call() -> None:
        with Session(database.engine) as session:  # intake commits the call itself, then matches it
            view, _ = intake(context(session, "dispatcher"), RECORD)
            session.commit()
            outcome["status"] = view.call.status

    unit_thread = threading.Thread(target=free_the_unit)
    unit_thread.start()
    assert freed.wait(10)
    call_thread = threading.Thread(target=take_a_call)
    call_thread.start()
    time.sleep(0.5)  # the call's transaction is now waiting for the queue lock the unit's transaction holds
    assert "status" not in outcome
    commit_unit.set()
    unit_thread.join(10)
    call_thread.join(10)

    assert outcome["status"] == "assigned"
    with database.engine.connect() as conn:
        assert conn.execute(text("SELECT status FROM units")).scalar() == "dispatched"
        assert conn.execute(text("SELECT count(*) FROM assignments WHERE released_at IS NULL")).scalar() == 1
    database.dispose()


def _intake_in_thread(database: Database, context: ContextFor, outcome: dict[str, Any]) -> threading.Thread:
    def take_a_call() -> None:
        with Session(database.engine, expire_on_commit=False) as session:
            view, _ = intake(context(session, "dispatcher"), RECORD)
            session.commit()
            outcome["status"] = view.call.status
            outcome["call_sign"] = view.call_sign
            outcome["queue_position"] = view.queue_position

    thread = threading.Thread(target=take_a_call)
    thread.start()
    return thread


def test_a_freed_unit_that_takes_the_stored_call_first_is_what_the_intake_answers(
    pg: PgServer, settings: Settings, protocol: Protocol
) -> None:
    # The intake commits its queued call, then waits for the queue lock that a freeing unit holds. The unit's
    # transaction sees the committed call and takes it. The intake must then answer with the call as it now
    # is (assigned to that unit), not as it left it (queued).
    database = Database(pg.copy(), pool_size=4)
    context = _contexts(settings, protocol)
    unit_id = _register_unit_out_of_service(database, context)
    outcome: dict[str, Any] = {}
    with Session(database.engine) as unit_session:
        lock_queue(unit_session)  # the unit's transaction is under way, holding the queue
        call_thread = _intake_in_thread(database, context, outcome)
        deadline = time.monotonic() + 10
        with database.engine.connect() as look:
            while not look.execute(text("SELECT count(*) FROM calls")).scalar():
                assert time.monotonic() < deadline, "the intake never committed its call"
                time.sleep(0.02)
        time.sleep(0.2)  # the intake is now waiting for the queue lock
        assert "status" not in outcome
        change_status(context(unit_session, "unit"), unit_id, UnitStatus.available, None)
        unit_session.commit()
    call_thread.join(10)

    assert outcome == {"status": "assigned", "call_sign": "CRT-1", "queue_position": None}
    with database.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM assignments")).scalar() == 1
    database.dispose()


def test_calls_share_the_queue_lock_and_freed_units_exclude_them(
    pg: PgServer, settings: Settings, protocol: Protocol
) -> None:
    # Intakes that queue take the queue lock shared, so they never wait for one another; a freeing unit takes
    # it exclusively, so an intake that queues meanwhile waits for it and then sees its unit.
    database = Database(pg.copy(), pool_size=4)
    context = _contexts(settings, protocol)
    with Session(database.engine) as other_call:
        lock_queue_for_call(other_call)
        outcome: dict[str, Any] = {}
        _intake_in_thread(database, context, outcome).join(10)
        assert outcome["status"] == "queued"  # not blocked by another call holding the lock
        assert outcome["queue_position"] == 1
        other_call.rollback()
    database.dispose()
