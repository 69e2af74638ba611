"""SQL for a unit's moves with its call, each in one statement: sending it (the assignment, both rows' moves and
their events), and its steps on the call (en route, on scene: both moves and their events)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import BindParameter, Table, TextClause, select, text
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import ExecutableReturnsRows

from cadtriage.calls.models import Assignment, Call
from cadtriage.db import placeholders, typed_binds
from cadtriage.events.models import Event
from cadtriage.units.models import Unit

_ASSIGNMENTS, _CALLS, _UNITS, _EVENTS = (cast(Table, m.__table__) for m in (Assignment, Call, Unit, Event))
ASSIGNMENT_COLUMNS = ("call_id", "unit_id", "is_primary", "distance_m", "assigned_at", "recommendation")
_EVENT_COLUMNS = [c.key for c in _EVENTS.columns if c.key != "id"]


def _event_rows(events: int) -> str:
    # `INSERT INTO events (...) VALUES <rows>`: one row of named parameters per event, in order (ids keep it).
    rows = ", ".join(f"({placeholders(_EVENT_COLUMNS, f'event{n}_')})" for n in range(events))
    return f"INSERT INTO events ({', '.join(_EVENT_COLUMNS)}) VALUES {rows}"  # noqa: S608 (constant names)


def _event_binds(events: int) -> list[BindParameter[Any]]:
    return [bind for n in range(events) for bind in typed_binds(_EVENTS, _EVENT_COLUMNS, f"event{n}_")]


def _event_params(events: Sequence[dict[str, Any]]) -> dict[str, Any]:
    # The values of `events.service.entry`, as `_event_rows` names them.
    return {f"event{n}_{name}": event[name] for n, event in enumerate(events) for name in _EVENT_COLUMNS}


def _statement(events: int) -> ExecutableReturnsRows:
    # Every match of a call and a unit (intake, a freed unit taking the queue, an override) ends here, so it is
    # one round trip where it was five (the assignment's INSERT, two UPDATEs, two event INSERTs, each with the
    # unit of work's bookkeeping). Both rows are locked by the caller; the sub-statements touch different rows, so
    # sharing one snapshot changes nothing. The events' VALUES keep their order, so their ids do too.
    statement: TextClause = text(
        f"WITH sent AS (INSERT INTO assignments ({', '.join(ASSIGNMENT_COLUMNS)}) "  # noqa: S608 (constant names)
        f"VALUES ({placeholders(ASSIGNMENT_COLUMNS)}) "
        f"RETURNING {', '.join(c.name for c in _ASSIGNMENTS.columns)}), "
        "unit_moved AS (UPDATE units SET status = :unit_status, updated_at = :assigned_at WHERE id = :unit_id), "
        "call_moved AS (UPDATE calls SET status = :call_status, dispatched_type = :call_dispatched_type, "
        "assigned_at = coalesce(assigned_at, :assigned_at) WHERE id = :call_id), "
        f"logged AS ({_event_rows(events)}) "
        "SELECT * FROM sent"
    ).bindparams(
        *typed_binds(_ASSIGNMENTS, ASSIGNMENT_COLUMNS),
        *typed_binds(_UNITS, ["status"], "unit_"),
        *typed_binds(_CALLS, ["status", "dispatched_type"], "call_"),
        *_event_binds(events),
    )
    return select(Assignment).from_statement(statement.columns(*_ASSIGNMENTS.columns))


# The unit's move is always recorded; the call's only when it changes (a call already assigned keeps its status).
_SEND = {1: _statement(1), 2: _statement(2)}


def send(
    session: Session,
    assignment: dict[str, Any],
    moves: dict[str, Any],
    events: Sequence[dict[str, Any]],
) -> Assignment:
    """Write an assignment (`ASSIGNMENT_COLUMNS`), the unit's and the call's new status (`moves`: unit_status,
    call_status, call_dispatched_type; the call's assigned_at is stamped if unset) and their events (the values of
    `events.service.entry`); the assignment, as an entity of the session."""
    params = {**assignment, **moves, **_event_params(events)}
    sent: Assignment = session.scalars(_SEND[len(events)], params).one()
    return sent


def _step_statement(stamp: str) -> TextClause:
    # A unit's step on its call was four statements flushed by the unit of work (two events, two UPDATEs), the
    # most frequent write after a location report. Both rows are locked by the caller. `stamp`: the call's column
    # for the time it reached the step.
    statement = (
        "WITH unit_moved AS (UPDATE units SET status = :unit_status, updated_at = :unit_updated_at "  # noqa: S608
        "WHERE id = :unit_id), "
        f"call_moved AS (UPDATE calls SET status = :call_status, {stamp} = :unit_updated_at WHERE id = :call_id) "
        + _event_rows(2)
    )
    return text(statement).bindparams(  # S608: constant names only, no input reaches the SQL text
        *typed_binds(_UNITS, ["status", "updated_at"], "unit_"),
        *typed_binds(_CALLS, ["status"], "call_"),
        *_event_binds(2),
    )


_STEP = {stamp: _step_statement(stamp) for stamp in ("en_route_at", "on_scene_at")}


def step(session: Session, moves: dict[str, Any], stamp: str, events: Sequence[dict[str, Any]]) -> None:
    """Write a unit's step on its call: `moves` (unit_id, unit_status, unit_updated_at, call_id, call_status; the
    unit's time is also stamped in the call's `stamp` column) and its two events (`events.service.entry`'s)."""
    session.execute(_STEP[stamp], {**moves, **_event_params(events)})
