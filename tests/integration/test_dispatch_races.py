"""Races a hostile client found (issue 'Dispatch core'), replayed with real transactions interleaved on purpose.

Each test forces the interleaving that broke the dispatch contract and checks the invariants in the database.
"""

from __future__ import annotations

import contextlib
import threading
import time
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from cadtriage.calls.schemas import IntakeRecord
from cadtriage.clock import SystemClock
from cadtriage.config import Settings
from cadtriage.context import Context
from cadtriage.db import Database
from cadtriage.dispatch import lifecycle, queue
from cadtriage.dispatch import redirect as redirection
from cadtriage.dispatch.escalation import sweep_once
from cadtriage.dispatch.intake import intake
from cadtriage.dispatch.units import change_status, register
from cadtriage.errors import Conflict
from cadtriage.triage.protocol import Protocol
from cadtriage.triage.types import ResponseType
from cadtriage.units import repository as units_repository
from cadtriage.units.models import UnitStatus
from cadtriage.units.schemas import Position, UnitCreate

DOWNTOWN = (47.6097, -122.3331)


def _ctx(session: Session, settings: Settings, protocol: Protocol, actor: str) -> Context:
    return Context(session, SystemClock(), settings, protocol, actor)


def _unit(database: Database, settings: Settings, protocol: Protocol, sign: str, kind: ResponseType) -> int:
    with Session(database.engine) as session, session.begin():
        position = Position(lat=DOWNTOWN[0] + 0.001, lon=DOWNTOWN[1])
        unit = register(
            _ctx(session, settings, protocol, "setup"),
            UnitCreate(call_sign=sign, unit_type=kind, location=position),
        )
        return unit.id


def _call(database: Database, settings: Settings, protocol: Protocol, ext: str) -> int:
    record = IntakeRecord.model_validate(
        {
            "external_id": ext,
            "call_type": "WELFARE CHECK",
            "screening": {"weapons": False, "violence": False},
            "location": {"lat": DOWNTOWN[0], "lon": DOWNTOWN[1]},
        }
    )
    with Session(database.engine, expire_on_commit=False) as session:
        view, _ = intake(_ctx(session, settings, protocol, "dispatcher"), record)
        session.commit()
        return view.call.id


def _scalar(database: Database, sql: str, **params: Any) -> Any:
    with database.engine.connect() as conn:
        return conn.execute(text(sql), params).scalar()


def test_a_unit_reporting_a_step_never_moves_the_unit_now_on_its_call(
    database: Database, settings: Settings, protocol: Protocol, monkeypatch: pytest.MonkeyPatch
) -> None:
    # CRT-1 reads its call (unlocked); before it locks the call, a dispatcher re-triages the call to a
    # co-responder, whose unit is assigned. CRT-1's "en route" must not move the co-responder unit.
    crt = _unit(database, settings, protocol, "CRT-1", ResponseType.civilian_crisis)
    co = _unit(database, settings, protocol, "CO-1", ResponseType.co_responder)
    call_id = _call(database, settings, protocol, "CAD-1")
    read, go = threading.Event(), threading.Event()
    unpatched = units_repository.with_open_call

    def pausing(session: Session, unit_id: int) -> Any:
        found = unpatched(session, unit_id)
        if threading.current_thread().name == "unit-key":
            read.set()
            go.wait(10)
        return found

    monkeypatch.setattr(units_repository, "with_open_call", pausing)
    outcome: dict[str, Any] = {}

    def report_en_route() -> None:
        with Session(database.engine) as session:
            try:
                change_status(_ctx(session, settings, protocol, "crt-1-key"), crt, UnitStatus.en_route, None)
                session.commit()
                outcome["result"] = "moved"
            except Conflict as exc:
                session.rollback()
                outcome["result"] = f"409: {exc}"

    thread = threading.Thread(target=report_en_route, name="unit-key")
    thread.start()
    assert read.wait(10)
    with Session(database.engine) as session, session.begin():
        redirection.override(
            _ctx(session, settings, protocol, "dispatcher"),
            call_id,
            ResponseType.co_responder,
            "weapon reported",
        )
    go.set()
    thread.join(10)

    assert outcome["result"].startswith("409"), outcome
    assert _scalar(database, "SELECT status FROM units WHERE id = :id", id=co) == "dispatched"
    assert _scalar(database, "SELECT status FROM calls WHERE id = :id", id=call_id) == "assigned"
    moved_by_key = _scalar(database, "SELECT count(*) FROM events WHERE actor = 'crt-1-key'")
    assert moved_by_key == 0


def test_concurrent_redirects_that_free_units_do_not_deadlock(
    database: Database, settings: Settings, protocol: Protocol, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each override frees a civilian unit and re-dispatches its call. Each used to take the queue lock shared
    # (for its call) and then need it exclusive (for the freed unit): held together, they waited for each other.
    pairs = 3
    for n in range(pairs):
        _unit(database, settings, protocol, f"CRT-{n}", ResponseType.civilian_crisis)
    calls = [_call(database, settings, protocol, f"CAD-{n}") for n in range(pairs)]
    barrier = threading.Barrier(pairs, timeout=3)
    unpatched = queue.lock_queue_for_call

    def lock_then_meet(session: Session) -> None:
        unpatched(session)
        # Every override holds the lock shared before any goes on, when the order allows it.
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()

    monkeypatch.setattr(queue, "lock_queue_for_call", lock_then_meet)
    errors: list[BaseException] = []

    def redirect(call_id: int) -> None:
        try:
            with Session(database.engine) as session, session.begin():
                redirection.override(
                    _ctx(session, settings, protocol, "dispatcher"),
                    call_id,
                    ResponseType.police,
                    "gun reported",
                )
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=redirect, args=(call_id,)) for call_id in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert errors == []
    requested = _scalar(database, "SELECT count(*) FROM calls WHERE requested_type = 'police'")
    assert requested == pairs
    assert _scalar(database, "SELECT count(*) FROM units WHERE status = 'available'") == pairs


def test_the_sweep_dispatches_a_waiting_call_left_beside_a_free_unit(
    database: Database, settings: Settings, protocol: Protocol
) -> None:
    # The state a failed request left behind: a queued call, and an available unit in range that skipped it
    # while the request held it locked. The next sweep must dispatch it, not wait for the escalation.
    call_id = _call(database, settings, protocol, "CAD-1")
    assert _scalar(database, "SELECT status FROM calls WHERE id = :id", id=call_id) == "queued"
    with database.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO units (call_sign, unit_type, status, lat, lon, location_updated_at, created_at,"
                " updated_at) VALUES ('CRT-9', 'civilian_crisis', 'available', :lat, :lon, now(), now(), now())"
            ),
            {"lat": DOWNTOWN[0] + 0.002, "lon": DOWNTOWN[1]},
        )

    sweep_once(database, SystemClock(), settings, protocol)

    assert _scalar(database, "SELECT status FROM calls WHERE id = :id", id=call_id) == "assigned"
    assert _scalar(database, "SELECT status FROM units WHERE call_sign = 'CRT-9'") == "dispatched"
    actor = _scalar(
        database, "SELECT actor FROM events WHERE kind = 'call.assigned' AND call_id = :id", id=call_id
    )
    assert actor == "system:escalation"


def test_a_status_request_bound_to_fail_is_refused_before_it_locks_the_call(
    database: Database, settings: Settings, protocol: Protocol
) -> None:
    # While another transaction holds the queued call locked, a doomed "en route" for it answers 409 at once
    # instead of queueing behind the lock (and, before that, holding the call where a freed unit skips it).
    call_id = _call(database, settings, protocol, "CAD-1")
    with Session(database.engine) as holder:
        holder.execute(text("SELECT id FROM calls WHERE id = :id FOR UPDATE"), {"id": call_id})
        started = time.monotonic()
        with Session(database.engine) as session:
            session.execute(
                text("SET lock_timeout = '3s'")
            )  # waiting on the lock fails the test, not hangs it
            ctx = _ctx(session, settings, protocol, "dispatcher")
            with pytest.raises(Conflict):
                lifecycle.advance(ctx, call_id, "en_route", None)
        assert time.monotonic() - started < 2
        holder.rollback()
