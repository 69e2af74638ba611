"""The database ceiling: the intake transaction issued directly with psycopg — no ORM, no web stack.

The same statements, in the same order and transactions, as `dispatch.intake.intake` sends for a call: insert it
with its decision and its `call.received` event (one statement, ON CONFLICT on external_id), look for the nearest
fresh available unit and, failing that, for any unit in range; then either assign (the assignment, the unit's and
the call's moves and their events: one statement) or leave it queued, commit, and match the committed call again
under the shared queue lock, reading its queue position for the answer. What the service adds on top of this —
SQLAlchemy's ORM, pydantic, FastAPI, the thread hops — is the difference between this ceiling and the service
layer's.
"""

from __future__ import annotations

import hashlib
import json
import random
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from cadtriage.calls.schemas import IntakeRecord
from cadtriage.config import Settings
from cadtriage.dispatch.queue import QUEUE_LOCK_KEY
from cadtriage.triage.engine import decide
from cadtriage.triage.protocol import Protocol
from cadtriage.triage.types import CallText, ResponseType
from cadtriage.units import geometry

INSERT_CALL = """
WITH made AS (
  INSERT INTO calls (external_id, record_hash, record, call_type, lat, lon, address, received_at, created_at,
                     status, queued_at, priority, notify_ems, decided_type, requested_type)
  VALUES (%(external_id)s, %(record_hash)s, %(record)s, %(call_type)s, %(lat)s, %(lon)s, %(address)s, %(now)s,
          %(now)s, 'queued', %(now)s, %(priority)s, %(notify_ems)s, %(type)s, %(type)s)
  ON CONFLICT (external_id) DO NOTHING RETURNING id),
decided AS (
  INSERT INTO triage_decisions (call_id, kind, response_type, priority, notify_ems, protocol_version, rules,
                                reasons, evidence, actor, created_at)
  SELECT id, 'triage', %(type)s, %(priority)s, %(notify_ems)s, %(protocol_version)s, %(rules)s, %(reasons)s,
         %(evidence)s, 'bench', %(now)s FROM made),
received AS (
  INSERT INTO events (occurred_at, actor, kind, call_id, to_state, reason, data)
  SELECT %(now)s, 'bench', 'call.received', id, 'queued', 'call.received', '{}' FROM made)
SELECT id FROM made"""
INSERT_CONSULT = """
INSERT INTO consults (call_id, mode, state, requested_at, on_desk_at, due_at)
VALUES (%(call_id)s, 'conference', 'waiting', %(now)s, %(now)s, %(desk_due)s)"""
INSERT_EVENT = """
INSERT INTO events (occurred_at, actor, kind, call_id, unit_id, from_state, to_state, reason, data)
VALUES (%s, 'bench', %s, %s, %s, %s, %s, %s, %s)"""
_IN_RANGE = """
units.unit_type = %(type)s AND units.status = 'available'
AND units.position && cube(%(low)s::float8[], %(high)s::float8[])
AND cube_distance(units.position, cube(%(point)s::float8[])) <= %(max_chord_m)s"""
NEAREST = f"""
SELECT id, call_sign, cube_distance(units.position, cube(%(point)s::float8[])) FROM units
WHERE {_IN_RANGE} {{fresh}}
ORDER BY units.position <-> cube(%(point)s::float8[]) LIMIT 1 FOR NO KEY UPDATE OF units SKIP LOCKED"""  # noqa: S608
ANY_IN_RANGE = f"SELECT EXISTS (SELECT 1 FROM units WHERE {_IN_RANGE})"  # noqa: S608
# The assignment, both moves and their events: one statement, as `dispatch.sending` writes them.
ASSIGN = """
WITH sent AS (
  INSERT INTO assignments (call_id, unit_id, is_primary, distance_m, assigned_at)
  VALUES (%(call_id)s, %(unit_id)s, true, %(distance_m)s, %(now)s) RETURNING id),
unit_moved AS (UPDATE units SET status = 'dispatched', updated_at = %(now)s WHERE id = %(unit_id)s),
call_moved AS (
  UPDATE calls SET status = 'assigned', dispatched_type = %(type)s, assigned_at = coalesce(assigned_at, %(now)s)
  WHERE id = %(call_id)s),
logged AS (
  INSERT INTO events (occurred_at, actor, kind, call_id, unit_id, from_state, to_state, reason, data)
  VALUES (%(now)s, 'bench', 'unit.status', %(call_id)s, %(unit_id)s, 'available', 'dispatched', 'unit.status', '{}'),
         (%(now)s, 'bench', 'call.assigned', %(call_id)s, %(unit_id)s, 'queued', 'assigned', 'call.assigned', '{}'))
SELECT id FROM sent"""
LOCK_CALL = "SELECT status FROM calls WHERE id = %s FOR NO KEY UPDATE SKIP LOCKED"
QUEUE_POSITION = """
SELECT (SELECT count(*) + 1 FROM calls ahead WHERE ahead.status = 'queued'
        AND ahead.requested_type = calls.requested_type
        AND (ahead.priority, ahead.queued_at, ahead.id) < (calls.priority, calls.queued_at, calls.id))
FROM calls WHERE calls.id = %s AND calls.status = 'queued'"""


def intake(
    conn: psycopg.Connection[Any],
    body: dict[str, Any],
    text: CallText,
    protocol: Protocol,
    settings: Settings,
) -> str:
    """One intake, as the service issues it: 'assigned', 'queued', or 'replayed' for a known external_id."""
    decision = decide(text, protocol)
    now = datetime.now(UTC)
    kind = decision.response_type.value
    reach = settings.max_distance_m(ResponseType(kind))
    low, high = geometry.search_box(body["location"]["lat"], body["location"]["lon"], reach)
    public = decision.as_dict()
    desk = protocol.runtime.desk
    assert desk.mode in ("off", "conference"), "the ceiling issues the conference mode's statements only"
    values = {
        "external_id": body["external_id"],
        "record_hash": hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest(),
        "record": Jsonb(body),
        "call_type": body["call_type"],
        "lat": body["location"]["lat"],
        "lon": body["location"]["lon"],
        "address": body["location"].get("address"),
        "now": now,
        "priority": decision.priority,
        "notify_ems": decision.notify_ems,
        "type": kind,
        "protocol_version": decision.protocol_version,
        "rules": Jsonb(public["rules"]),
        "reasons": Jsonb(public["reasons"]),
        "evidence": Jsonb(public["evidence"]),
        "point": list(geometry.earth_point(body["location"]["lat"], body["location"]["lon"])),
        "low": low,
        "high": high,
        "max_chord_m": geometry.chord_m(reach),
        "fresh_since": now - timedelta(seconds=settings.unit_location_stale_s),
        "desk_due": now + timedelta(seconds=desk.max_wait_s) if decision.consult.eligible else None,
    }
    with conn.transaction():
        row = conn.execute(INSERT_CALL, values).fetchone()
        if row is None:
            return "replayed"
        values["call_id"] = row[0]
        if values["desk_due"] is not None:  # an eligible call: the crisis desk is asked to join (conference)
            conn.execute(INSERT_CONSULT, values)
            _event(conn, values, "consult.requested", to_state="waiting")
        if _assign(conn, values):
            return "assigned"
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock_shared(%s)", (QUEUE_LOCK_KEY,))
        if conn.execute(ANY_IN_RANGE, values).fetchone() == (True,):
            locked = conn.execute(LOCK_CALL, (values["call_id"],)).fetchone()
            if locked == ("queued",) and _assign(conn, values):
                return "assigned"
        conn.execute(QUEUE_POSITION, (values["call_id"],)).fetchone()
    return "queued"


def _assign(conn: psycopg.Connection[Any], values: dict[str, Any]) -> bool:
    unit = conn.execute(NEAREST.format(fresh="AND location_updated_at >= %(fresh_since)s"), values).fetchone()
    if unit is None and conn.execute(ANY_IN_RANGE, values).fetchone() == (True,):
        unit = conn.execute(NEAREST.format(fresh=""), values).fetchone()
    if unit is None:
        return False
    values.update(unit_id=unit[0], distance_m=geometry.great_circle_m(unit[2]))
    conn.execute(ASSIGN, values)
    return True


def _event(conn: psycopg.Connection[Any], values: dict[str, Any], kind: str, **change: Any) -> None:
    conn.execute(
        INSERT_EVENT,
        (
            values["now"],
            kind,
            values["call_id"],
            change.get("unit_id"),
            change.get("from_state"),
            change.get("to_state"),
            kind,
            Jsonb({}),
        ),
    )


def ceiling(
    url: str, seconds: float, threads: int, protocol: Protocol, bodies: list[dict[str, Any]]
) -> float:
    """Intake transactions per second, `threads` connections issuing them back to back for `seconds`."""
    # What triage reads of each record, worked out before the clock starts: pydantic is not the database.
    texts = [IntakeRecord.model_validate(body).call_text() for body in bodies]
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    done = [0] * threads
    stop = time.monotonic() + seconds

    def work(thread: int) -> None:
        settings, rng = Settings(database_url=url), random.Random(thread)
        with psycopg.connect(dsn, autocommit=True) as conn:
            while time.monotonic() < stop:
                n = rng.randrange(len(bodies))
                body = dict(bodies[n], external_id=f"PG{thread}-{time.time_ns()}")
                intake(conn, body, texts[n], protocol, settings)
                done[thread] += 1

    workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return sum(done) / seconds
