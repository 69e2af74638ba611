"""A unit reporting its position must not hide it from intake (issue 'Dispatch core', race 4).

A location report locks the unit's row for its transaction; intake's search skips locked rows, so before the fix
an intake arriving mid-report sent the next unit out, kilometres farther. Each test holds the report (or a rival
intake) open in a real transaction on purpose while intake runs in another, then checks what was sent.
"""

from __future__ import annotations

import threading
import time

from sqlalchemy import text
from sqlalchemy.orm import Session

from cadtriage.calls.schemas import IntakeRecord
from cadtriage.clock import SystemClock
from cadtriage.config import Settings
from cadtriage.context import Context
from cadtriage.db import Database
from cadtriage.dispatch.intake import intake
from cadtriage.dispatch.units import move, register
from cadtriage.triage.protocol import Protocol
from cadtriage.triage.types import ResponseType
from cadtriage.units.schemas import Position, UnitCreate

CALL_AT = (47.6097, -122.3331)
NEAR = Position(lat=CALL_AT[0] + 0.0045, lon=CALL_AT[1])  # about 500 m north
FAR = Position(lat=CALL_AT[0] + 0.018, lon=CALL_AT[1])  # about 2 km north


def _ctx(session: Session, settings: Settings, protocol: Protocol, actor: str) -> Context:
    return Context(session, SystemClock(), settings, protocol, actor)


def _roster(database: Database, settings: Settings, protocol: Protocol) -> dict[str, int]:
    with Session(database.engine) as session, session.begin():
        ctx = _ctx(session, settings, protocol, "setup")
        return {
            sign: register(
                ctx, UnitCreate(call_sign=sign, unit_type=ResponseType.civilian_crisis, location=at)
            ).id
            for sign, at in (("CRT-NEAR", NEAR), ("CRT-FAR", FAR))
        }


def _record(ext: str) -> IntakeRecord:
    return IntakeRecord.model_validate(
        {
            "external_id": ext,
            "call_type": "WELFARE CHECK",
            "screening": {"weapons": False, "violence": False},
            "location": {"lat": CALL_AT[0], "lon": CALL_AT[1]},
        }
    )


def _intake(
    database: Database, settings: Settings, protocol: Protocol, ext: str, sent: dict[str, str]
) -> None:
    with Session(database.engine, expire_on_commit=False) as session:
        session.execute(
            text("SET lock_timeout = '10s'")
        )  # a wait that never ends fails the test, not hangs it
        view, _ = intake(_ctx(session, settings, protocol, "dispatcher"), _record(ext))
        session.commit()
        assert view.assignment is not None, ext
    sent[ext] = _unit_on(database, ext)


def _unit_on(database: Database, ext: str) -> str:
    with database.engine.connect() as conn:
        return str(
            conn.execute(
                text(
                    "SELECT u.call_sign FROM assignments a JOIN units u ON u.id = a.unit_id"
                    " JOIN calls c ON c.id = a.call_id WHERE c.external_id = :ext AND a.released_at IS NULL"
                ),
                {"ext": ext},
            ).scalar_one()
        )


def test_intake_waits_out_a_location_report_instead_of_sending_a_farther_unit(
    database: Database, settings: Settings, protocol: Protocol
) -> None:
    units = _roster(database, settings, protocol)
    sent: dict[str, str] = {}
    with Session(database.engine) as report:
        move(
            _ctx(report, settings, protocol, "unit:CRT-NEAR"), units["CRT-NEAR"], NEAR
        )  # same place, uncommitted
        caller = threading.Thread(target=_intake, args=(database, settings, protocol, "CAD-1", sent))
        caller.start()
        time.sleep(0.5)  # intake is now searching while the report holds the nearer unit
        report.commit()
        caller.join(timeout=15)
    assert sent == {"CAD-1": "CRT-NEAR"}
    assert _unit_on(database, "CAD-1") == "CRT-NEAR"


def test_a_nearer_unit_a_rival_intake_takes_is_waited_for_then_passed_over(
    database: Database, settings: Settings, protocol: Protocol
) -> None:
    # The same wait when the holder is a rival intake that takes the nearer unit: once it commits, the second
    # call gets the farther unit; no unit goes to both and neither call is left waiting.
    units = _roster(database, settings, protocol)
    sent: dict[str, str] = {}
    with Session(database.engine, expire_on_commit=False) as rival:
        view, _ = intake(_ctx(rival, settings, protocol, "dispatcher"), _record("CAD-1"))  # uncommitted
        assert view.assignment is not None
        assert view.assignment.unit_id == units["CRT-NEAR"]
        caller = threading.Thread(target=_intake, args=(database, settings, protocol, "CAD-2", sent))
        caller.start()
        time.sleep(0.5)
        rival.commit()
        caller.join(timeout=15)
    assert sent == {"CAD-2": "CRT-FAR"}
    assert (_unit_on(database, "CAD-1"), _unit_on(database, "CAD-2")) == ("CRT-NEAR", "CRT-FAR")
