"""SQL for the dispatch queue: the order free units take calls in, the locks that pair them, positions, and the
escalation sweep's look. Queue reads that lock use SKIP LOCKED, so concurrent workers never take the same call."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Float, Select, bindparam, case, exists, false, func, or_, select, tuple_, union_all
from sqlalchemy.orm import Session, aliased

from cadtriage.calls.models import QUEUE_COUNTED, Call, CallStatus
from cadtriage.triage.types import ResponseType
from cadtriage.units import repository as units
from cadtriage.units.models import Unit

_FROM_UNIT = func.earth_distance(
    func.ll_to_earth(Call.lat, Call.lon),
    func.ll_to_earth(bindparam("unit_lat", type_=Float), bindparam("unit_lon", type_=Float)),
)
# Built once: every unit freed into a queue runs it.
_NEXT_FOR_UNIT = (
    select(Call, _FROM_UNIT)
    .where(
        Call.status == CallStatus.queued,
        Call.requested_type == bindparam("unit_type"),
        bindparam("max_distance_m", type_=Float) >= _FROM_UNIT,
        or_(
            Call.required_capability.is_(None),
            Call.required_capability.in_(bindparam("capabilities", expanding=True)),
        ),
    )
    .order_by(Call.priority, Call.queued_at, Call.id)
    .limit(1)
    .with_for_update(skip_locked=True, key_share=True, of=Call)
    .execution_options(populate_existing=True)
)


def next_queued_call_for(
    session: Session, unit: Unit, max_distance_m: float, capabilities: Sequence[str]
) -> tuple[Call, float] | None:
    """Lock the queued call this unit should take: its type, within range, requiring no capability or one of the
    unit's `capabilities`, most urgent, then oldest; with its distance from the unit in metres."""
    params = {
        "unit_lat": unit.lat,
        "unit_lon": unit.lon,
        "unit_type": unit.unit_type,
        "max_distance_m": max_distance_m,
        "capabilities": list(capabilities),
    }
    row = session.execute(_NEXT_FOR_UNIT, params).one_or_none()
    return None if row is None else (row[0], float(row[1]))


def overdue_queued_calls(
    session: Session, response_type: str, queued_before: datetime, limit: int
) -> Sequence[Call]:
    """Lock up to `limit` queued calls of a type that have waited since before `queued_before`, in queue order."""
    query = (
        select(Call)
        .where(
            Call.status == CallStatus.queued,
            Call.requested_type == response_type,
            Call.queued_at <= queued_before,
        )
        .order_by(Call.priority, Call.queued_at, Call.id)
        .limit(limit)
        .with_for_update(skip_locked=True, key_share=True)
        .execution_options(populate_existing=True)
    )
    return session.scalars(query).all()


# Advisory lock keys: queue matching, and the escalation sweep.
QUEUE_LOCK_KEY = 0x0CAD0001
ESCALATION_LOCK_KEY = 0x0CAD00E5


@functools.cache
def _sweep_if_overdue(sources: int) -> Select[tuple[bool]]:
    # The escalation sweep's lock, then whether any call waits past its type's limit, in one round trip: a unit's
    # every status change wakes the sweep, and almost always nothing is overdue. The look runs only once the lock
    # is taken (a CASE branch's subqueries run only when it is).
    overdue = [
        exists().where(
            Call.status == CallStatus.queued,
            Call.requested_type == bindparam(f"type{n}"),
            Call.queued_at <= bindparam(f"due{n}", type_=Call.queued_at.type),
        )
        for n in range(sources)
    ]
    taken = func.pg_try_advisory_xact_lock(ESCALATION_LOCK_KEY)
    return select(case((taken, or_(false(), *overdue)), else_=false()))


def sweep_if_overdue(session: Session, due_since: Sequence[tuple[str, datetime]]) -> bool:
    """Take the escalation sweep's lock if nobody holds it, and say whether it was taken and a queued call of one
    of these types has waited since before its time (the lock, once taken, is held until the transaction ends)."""
    params: dict[str, object] = {}
    for n, (kind, due) in enumerate(due_since):
        params |= {f"type{n}": kind, f"due{n}": due}
    return bool(session.scalar(_sweep_if_overdue(len(due_since)), params))


_LOCK_QUEUE = select(func.pg_advisory_xact_lock(bindparam("key")))
_LOCK_QUEUE_SHARED = select(func.pg_advisory_xact_lock_shared(bindparam("key")))


def lock_queue(session: Session) -> None:
    """Serialise the matching of free units with queued calls until the transaction ends (unit side).

    Taken where a unit has just become free, exclusively; `lock_queue_for_call` is its call side, shared.
    Without the pair, a call queuing while a unit frees could each miss the other (neither committed yet) and
    both would sit idle: whichever side takes the lock second waits for the first to commit, then sees it.
    Calls do not need to exclude each other, so call sides share the lock and intakes never queue behind one
    another; free units are rare by comparison. One key for all types, taken before any call row, so no two
    transactions can take locks in opposite orders. Assignments that find a unit straight away take neither.
    """
    session.execute(_LOCK_QUEUE, {"key": QUEUE_LOCK_KEY})


def lock_queue_for_call(session: Session) -> None:
    """The call side of `lock_queue`: shared with other calls, exclusive of units being freed."""
    session.execute(_LOCK_QUEUE_SHARED, {"key": QUEUE_LOCK_KEY})


def queued(session: Session, response_type: str, limit: int) -> Sequence[Call]:
    """A type's queue in the order its next free unit takes it."""
    query = (
        select(Call)
        .where(Call.status == CallStatus.queued, Call.requested_type == response_type)
        .order_by(Call.priority, Call.queued_at, Call.id)
        .limit(limit)
    )
    return session.scalars(query).all()


def queue_depths(session: Session) -> dict[str, tuple[int, datetime | None]]:
    """For each type with waiting calls: how many, and since when the oldest has waited."""
    rows = session.execute(
        select(Call.requested_type, func.count(), func.min(Call.queued_at))
        .where(Call.status == CallStatus.queued)
        .group_by(Call.requested_type)
    )
    return {kind: (int(n), oldest) for kind, n, oldest in rows}


# Queue positions are counted, never ranked over the whole queue: under overload the queue holds thousands of
# calls, and every queued intake's answer would otherwise read all the calls ahead of it. Up to QUEUE_COUNTED
# calls ahead are counted on the queue index (`ix_calls_queue`, in queue order); a call further back is reported
# at QUEUE_COUNTED + 1, "at least" (`CallOut.queue_position_at_least`).
_AHEAD = aliased(Call)
_COUNTED_AHEAD = (
    select(_AHEAD.id)
    .where(
        _AHEAD.status == CallStatus.queued,
        _AHEAD.requested_type == Call.requested_type,
        tuple_(_AHEAD.priority, _AHEAD.queued_at, _AHEAD.id) < tuple_(Call.priority, Call.queued_at, Call.id),
    )
    .limit(QUEUE_COUNTED)
    .correlate(
        Call
    )  # the call asked about, from the outer query (a FROM subquery does not correlate by itself)
    .subquery()
)
_QUEUE_POSITION = select(select(func.count() + 1).select_from(_COUNTED_AHEAD).scalar_subquery()).where(
    Call.id == bindparam("call_id"), Call.status == CallStatus.queued
)


# Intake's look at a call it has queued and committed, under the queue lock: whether a unit could take it after
# all, and the call's place in its queue, in one round trip (under load nothing is in range, and the answer
# needs the place).
_IN_RANGE_AND_POSITION = {
    capable: select(
        units.available_in_range(capable).label("in_range"),
        _QUEUE_POSITION.scalar_subquery().label("position"),
    )
    for capable in (False, True)
}


def in_range_and_position(session: Session, call_id: int, search: dict[str, Any]) -> tuple[bool, int | None]:
    """Whether an available unit is within range (`search`: `units.repository.search_params`) and the call's
    queue position as `queue_position` counts it (None: not waiting)."""
    capable = "capability" in search
    row = session.execute(_IN_RANGE_AND_POSITION[capable], {**search, "call_id": call_id}).one()
    return bool(row.in_range), row.position


def queue_position(session: Session, call_id: int) -> int | None:
    """One call's place in its type's queue (most urgent, then oldest, first), at most QUEUE_COUNTED + 1; None
    when it is not waiting (any more)."""
    return session.scalar(_QUEUE_POSITION, {"call_id": call_id})


def _queue_head(response_type: ResponseType) -> Select[tuple[int, str, int, datetime | None]]:
    return (
        select(Call.id, Call.requested_type, Call.priority, Call.queued_at)
        .where(Call.status == CallStatus.queued, Call.requested_type == response_type.value)
        .order_by(Call.priority, Call.queued_at, Call.id)
        .limit(QUEUE_COUNTED)
    )


def queue_positions(session: Session, call_ids: Sequence[int]) -> dict[int, int]:
    """The queue position of each of these calls that is waiting, as `queue_position` counts it: the head of
    each type's queue (QUEUE_COUNTED calls at most) is ranked, and a waiting call behind it is QUEUE_COUNTED + 1."""
    heads = union_all(*(_queue_head(t) for t in ResponseType)).subquery()
    order = (heads.c.priority, heads.c.queued_at, heads.c.id)
    ranked = select(
        heads.c.id, func.row_number().over(partition_by=heads.c.requested_type, order_by=order)
    ).subquery()
    positions = {i: int(n) for i, n in session.execute(select(*ranked.c).where(ranked.c.id.in_(call_ids)))}
    behind = [i for i in call_ids if i not in positions]
    if behind:
        waiting = select(Call.id).where(Call.id.in_(behind), Call.status == CallStatus.queued)
        positions |= {i: QUEUE_COUNTED + 1 for i in session.scalars(waiting)}
    return positions
