"""Races replayed deterministically: two real transactions, interleaved on purpose."""

from __future__ import annotations

import threading
import time
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from cadtriage.calls.schemas import IntakeRecord
from cadtriage.calls.service import intake
from cadtriage.config import Settings
from cadtriage.db import Database
from cadtriage.dispatch.service import DispatchContext
from cadtriage.triage.protocol import Protocol
from cadtriage.triage.types import ResponseType
from cadtriage.units.models import UnitStatus
from cadtriage.units.schemas import Position, UnitCreate
from cadtriage.units.service import change_status, register
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


def test_a_unit_freed_while_a_call_queues_is_not_left_idle(
    pg: PgServer, settings: Settings, protocol: Protocol
) -> None:
    # The unit's transaction frees it and finds the queue empty; before it commits, a call arrives and cannot
    # see the unit (locked, not yet available). Without the queue lock both would commit idle side by side.
    database = Database(pg.copy(), pool_size=4)
    clock = FakeClock()

    def context(session: Session, actor: str) -> DispatchContext:
        return DispatchContext(session, clock, settings, protocol, actor)

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
        unit_id = unit.id

    freed, commit_unit = threading.Event(), threading.Event()
    outcome: dict[str, Any] = {}

    def free_the_unit() -> None:
        with Session(database.engine) as session, session.begin():
            change_status(context(session, "unit"), unit_id, UnitStatus.available, None)
            freed.set()
            commit_unit.wait(10)

    def take_a_call() -> None:
        with Session(database.engine) as session, session.begin():
            view, _ = intake(context(session, "dispatcher"), RECORD)
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
