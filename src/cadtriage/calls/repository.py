"""SQL for calls and their triage decisions."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, text
from sqlalchemy.orm import Session

from cadtriage.calls.models import Call, CallOutcome, CallStatus, TriageDecision
from cadtriage.db import placeholders, typed_binds
from cadtriage.events.models import Event

# Columns an intake sets; the others take their defaults.
INTAKE_COLUMNS = (
    "external_id", "record_hash", "record", "call_type", "narrative", "lat", "lon", "address", "caller_name",
    "caller_phone", "screening", "received_at", "created_at", "status", "queued_at", "priority", "notify_ems",
    "decided_type", "requested_type", "person_key", "person_key_version", "needs",
)  # fmt: skip


_CALLS, _DECISIONS, _EVENTS = (cast(Table, m.__table__) for m in (Call, TriageDecision, Event))
_DECIDED = [c.key for c in _DECISIONS.columns if c.key not in ("id", "call_id")]
_EVENT_COLUMNS = [c.key for c in _EVENTS.columns if c.key not in ("id", "call_id")]
# One statement, one round trip: the call, its triage decision and its `call.received` event, written only when
# the external_id is new (ON CONFLICT waits for a concurrent insert of the same id to commit or roll back, so two
# identical intakes racing each other end as one call, and the loser writes nothing). Written out rather than
# built with postgresql.insert(): SQLAlchemy 2.0 cannot cache that construct, and compiling it on every intake
# cost more than the rest of the transaction's SQL.
_INSERT_IF_NEW = select(Call).from_statement(
    text(
        f"WITH made AS (INSERT INTO calls ({', '.join(INTAKE_COLUMNS)}) VALUES ({placeholders(INTAKE_COLUMNS)}) "  # noqa: S608 (constant names)
        f"ON CONFLICT (external_id) DO NOTHING RETURNING {', '.join(c.name for c in _CALLS.columns)}), "
        f"decided AS (INSERT INTO triage_decisions (call_id, {', '.join(_DECIDED)}) "
        f"SELECT id, {placeholders(_DECIDED, 'decision_')} FROM made), "
        f"received AS (INSERT INTO events (call_id, {', '.join(_EVENT_COLUMNS)}) "
        f"SELECT id, {placeholders(_EVENT_COLUMNS, 'event_')} FROM made) "
        "SELECT * FROM made"
    )
    .bindparams(
        *typed_binds(_CALLS, INTAKE_COLUMNS),
        *typed_binds(_DECISIONS, _DECIDED, "decision_"),
        *typed_binds(_EVENTS, _EVENT_COLUMNS, "event_"),
    )
    .columns(*_CALLS.columns)
)


def insert_if_new(
    session: Session, values: dict[str, Any], decision: TriageDecision, received: dict[str, Any]
) -> Call | None:
    """Insert a call unless its external_id exists, with its decision and its `call.received` event (the values
    of `events.service.entry`, the call's id added here); the new call, or None when it already existed.

    RETURNING the row puts the call in the session without a read.
    """
    params = dict(values)
    params.update({f"decision_{name}": getattr(decision, name) for name in _DECIDED})
    params.update({f"event_{name}": received[name] for name in _EVENT_COLUMNS})
    return session.scalars(_INSERT_IF_NEW, params).one_or_none()


# Built once with bound parameters (every lock of a call goes through here): building and keying a statement on
# each call cost as much Python as running it. Read, locked (waiting), locked or None (SKIP LOCKED).
_BY_ID = select(Call).where(Call.id == bindparam("call_id"))
_GET = {
    (False, False): _BY_ID,
    (True, False): _BY_ID.with_for_update(key_share=True).execution_options(populate_existing=True),
    (True, True): _BY_ID.with_for_update(key_share=True, skip_locked=True).execution_options(
        populate_existing=True
    ),
}
_LOCK_IF_IN = (
    select(Call)
    .where(Call.id == bindparam("call_id"), Call.status.in_(bindparam("statuses", expanding=True)))
    .with_for_update(key_share=True)
    .execution_options(populate_existing=True)
)


def get(
    session: Session, call_id: int, *, for_update: bool = False, skip_locked: bool = False
) -> Call | None:
    """A call by id, optionally locked; with `skip_locked`, None when another transaction holds it."""
    return session.scalars(_GET[for_update, for_update and skip_locked], {"call_id": call_id}).one_or_none()


def lock_if_in(session: Session, call_id: int, statuses: Collection[CallStatus]) -> Call | None:
    """Lock a call if it exists and is in one of `statuses` (checked again once a holder lets it go); None,
    without a lock, otherwise."""
    params = {"call_id": call_id, "statuses": list(statuses)}
    return session.scalars(_LOCK_IF_IN, params).one_or_none()


def get_by_external_id(session: Session, external_id: str) -> Call | None:
    """A call by the upstream CAD's identifier."""
    return session.scalars(select(Call).where(Call.external_id == external_id)).one_or_none()


_DECISION_COLUMNS = ["call_id", *_DECIDED]
_INSERT_DECISION = insert(_DECISIONS)


def add_decision(session: Session, decision: TriageDecision) -> None:
    """Store a decision about a call, at once and as a plain INSERT.

    The object stays out of the session: decisions are appended, never changed, and nothing in the writing
    transaction reads one back, so the unit of work's flush (and its RETURNING of the id) would be pure cost.
    """
    session.execute(_INSERT_DECISION, {key: getattr(decision, key) for key in _DECISION_COLUMNS})


def page(
    session: Session,
    *,
    status: str | None,
    response_type: str | None,
    since: datetime | None,
    until: datetime | None,
    before_id: int | None,
    limit: int,
) -> Sequence[Call]:
    """Calls, newest first, filtered, before a keyset cursor."""
    query = select(Call).order_by(Call.id.desc()).limit(limit)
    if status is not None:
        query = query.where(Call.status == status)
    if response_type is not None:
        query = query.where(Call.requested_type == response_type)
    if since is not None:
        query = query.where(Call.received_at >= since)
    if until is not None:
        query = query.where(Call.received_at < until)
    if before_id is not None:
        query = query.where(Call.id < before_id)
    return session.scalars(query).all()


def triage_decisions(session: Session, call_ids: Sequence[int]) -> dict[int, TriageDecision]:
    """The protocol's current decision for each of several calls: at intake, or on the latest answers."""
    query = (
        select(TriageDecision)
        .where(TriageDecision.call_id.in_(call_ids), TriageDecision.kind.in_(("triage", "screening")))
        .order_by(TriageDecision.call_id, TriageDecision.id.desc())
        .distinct(TriageDecision.call_id)
    )
    return {d.call_id: d for d in session.scalars(query)}


def add_outcome(session: Session, outcome: CallOutcome) -> None:
    """Store a closed call's outcome (one per call: the primary key refuses a second)."""
    session.add(outcome)
    session.flush()


def outcomes(session: Session, call_ids: Sequence[int]) -> dict[int, CallOutcome]:
    """The outcomes of those of these calls that have one."""
    return {
        o.call_id: o for o in session.scalars(select(CallOutcome).where(CallOutcome.call_id.in_(call_ids)))
    }
