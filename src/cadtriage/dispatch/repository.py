"""SQL for assignments, and the crisis desk's list (the queue's SQL is `dispatch.queue`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.orm import Session

from cadtriage.access.models import ApiKey
from cadtriage.calls.models import Assignment, Call
from cadtriage.consults.models import Consult, ConsultState
from cadtriage.units.models import Unit

_OPEN_FOR_CALL = select(Assignment).where(
    Assignment.call_id == bindparam("call_id"), Assignment.released_at.is_(None), Assignment.is_primary
)
# Built once; locked, an assignment already in the session must be refreshed from the locked row.
_OPEN_FOR_CALL_LOCKED = _OPEN_FOR_CALL.with_for_update(key_share=True).execution_options(
    populate_existing=True
)


def open_assignment_for_call(session: Session, call_id: int, *, lock: bool = False) -> Assignment | None:
    """The call's open primary assignment, optionally locked."""
    query = _OPEN_FOR_CALL_LOCKED if lock else _OPEN_FOR_CALL
    return session.scalars(query, {"call_id": call_id}).one_or_none()


# The call's open primary assignment and its unit, both locked, in one round trip: the assignment's row, then the
# unit's (the lock order in `cadtriage.dispatch`; PostgreSQL locks each joined row in the FOR UPDATE list's order).
_OPEN_ASSIGNMENT_AND_UNIT = (
    _OPEN_FOR_CALL.add_columns(Unit)
    .join(Unit, Unit.id == Assignment.unit_id)
    .with_for_update(key_share=True, of=[Assignment, Unit])
    .execution_options(populate_existing=True)
)


def lock_open_assignment_and_unit(session: Session, call_id: int) -> tuple[Assignment, Unit] | None:
    """Lock the call's open primary assignment, then its unit; None when it has none."""
    row = session.execute(_OPEN_ASSIGNMENT_AND_UNIT, {"call_id": call_id}).one_or_none()
    return None if row is None else (row[0], row[1])


def open_assignments_with_call_signs(
    session: Session, call_ids: Sequence[int]
) -> dict[int, tuple[Assignment, str]]:
    """Each call's open primary assignment with its unit's call sign."""
    rows = session.execute(
        select(Assignment, Unit.call_sign)
        .join(Unit, Unit.id == Assignment.unit_id)
        .where(Assignment.call_id.in_(call_ids), Assignment.released_at.is_(None), Assignment.is_primary)
    )
    return {a.call_id: (a, sign) for a, sign in rows}


def last_assignments_with_call_signs(
    session: Session, call_ids: Sequence[int]
) -> dict[int, tuple[Assignment, str]]:
    """Each call's most recent primary assignment, open or released, with its unit's call sign: for a closed or
    cancelled call, the unit that handled it."""
    rows = session.execute(
        select(Assignment, Unit.call_sign)
        .join(Unit, Unit.id == Assignment.unit_id)
        .where(Assignment.call_id.in_(call_ids), Assignment.is_primary)
        .order_by(Assignment.call_id, Assignment.id.desc())
        .distinct(Assignment.call_id)
    )
    return {a.call_id: (a, sign) for a, sign in rows}


def assignments_of_call(session: Session, call_id: int) -> list[tuple[Assignment, Unit]]:
    """Every unit sent to a call, open or released, oldest first, with the unit."""
    rows = session.execute(
        select(Assignment, Unit)
        .join(Unit, Unit.id == Assignment.unit_id)
        .where(Assignment.call_id == call_id)
        .order_by(Assignment.id)
    )
    return [(a, u) for a, u in rows]


# The desk's list: oldest first, served by the partial index on open consults.
_DESK = (
    select(Consult, Call)
    .join(Call, Call.id == Consult.call_id)
    .order_by(Consult.requested_at, Consult.call_id)
)


def desk(session: Session, states: Sequence[ConsultState], limit: int) -> list[tuple[Consult, Call]]:
    """Open consults in these states with their calls, oldest first."""
    query = _DESK.where(Consult.state.in_(states)).limit(limit)
    return [(consult, call) for consult, call in session.execute(query).tuples()]


def lock_calls_past_wait(session: Session, now: datetime, claimed_before: datetime, limit: int) -> list[Call]:
    """Calls whose consult still waits past its due time, or was claimed before `claimed_before` (or by a key
    since revoked) and has no outcome, locked; calls other transactions hold are skipped (they are being
    claimed, pulled or cancelled, and the next sweep looks again)."""
    waiting = select(Consult.call_id).where(Consult.state == ConsultState.waiting, Consult.due_at <= now)
    revoked = select(ApiKey.name).where(ApiKey.revoked_at.is_not(None))
    abandoned = select(Consult.call_id).where(
        Consult.state == ConsultState.claimed,
        or_(Consult.claimed_at <= claimed_before, Consult.claimed_by.in_(revoked)),
    )
    query = (
        select(Call)
        .where(or_(Call.id.in_(waiting), Call.id.in_(abandoned)))
        .order_by(Call.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )
    return list(session.scalars(query))


def try_advisory_lock(session: Session, key: int) -> bool:
    """Take a transaction-scoped advisory lock if no one else holds it."""
    return bool(session.scalar(select(func.pg_try_advisory_xact_lock(key))))
