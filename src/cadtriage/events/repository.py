"""SQL for the audit log: append and read, never update."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, insert, select, text
from sqlalchemy.orm import Session

from cadtriage.events.models import Event

# A plain INSERT, sent at once: events are never read back in the transaction that writes them, so they need
# neither the unit of work's bookkeeping nor a RETURNING of their ids (a fifth of an intake's Python time).
_APPEND = insert(cast(Table, Event.__table__))


def add(session: Session, values: dict[str, Any]) -> None:
    """Append an event (the columns of `Event` but its id)."""
    session.execute(_APPEND, values)


def for_call(session: Session, call_id: int) -> Sequence[Event]:
    """A call's events, oldest first."""
    return session.scalars(select(Event).where(Event.call_id == call_id).order_by(Event.id)).all()


_COLUMNS = [c for c in Event.__table__.columns]
_AFTER = select(*_COLUMNS).where(Event.id > bindparam("after")).order_by(Event.id).limit(bindparam("limit"))


def after(session: Session, after_id: int, limit: int) -> list[dict[str, Any]]:
    """Up to `limit` events logged after `after_id`, oldest first, as plain rows (for a stream's replay)."""
    return [dict(row) for row in session.execute(_AFTER, {"after": after_id, "limit": limit}).mappings()]


# Events whose id is below `seen` and whose transaction was still running when `seen` was written (its
# snapshot's xmin, migration 0020): the only ones that can have committed after a client saw `seen`. Served by
# the txid index; events of `seen`'s own transaction committed with it.
_LATE = text(
    f"SELECT {', '.join(f'e.{c.name}' for c in _COLUMNS)} FROM events e JOIN events seen ON seen.id = :seen "  # noqa: S608 (column names)
    "WHERE seen.snapshot_xmin IS NOT NULL AND e.txid >= seen.snapshot_xmin AND e.txid <> seen.txid "
    "AND e.id < seen.id ORDER BY e.id LIMIT :limit"
).columns(*_COLUMNS)


def committed_late(session: Session, seen_id: int, limit: int) -> list[dict[str, Any]]:
    """Up to `limit` events with ids below `seen_id` that may have committed after it: what a stream resuming
    after `seen_id` must replay besides the events after it (a client that already has one gets it again)."""
    return [dict(row) for row in session.execute(_LATE, {"seen": seen_id, "limit": limit}).mappings()]


def latest_id(session: Session) -> int:
    """The id of the last event logged (0 when there is none)."""
    return int(session.scalar(select(func.coalesce(func.max(Event.id), 0))) or 0)
