"""The audit log: every change to a call, a unit or an API key goes through `record`; streams replay it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from cadtriage.db import Database
from cadtriage.events import repository

REPLAY_PAGE = 1000


def entry(
    *,
    actor: str,
    kind: str,
    at: datetime,
    call_id: int | None = None,
    unit_id: int | None = None,
    key_id: int | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
    reason: str | None = None,
    data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One audit event's values: who (`actor`), when (`at`), what changed, from which state to which, and why."""
    return {
        "occurred_at": at,
        "actor": actor,
        "kind": kind,
        "call_id": call_id,
        "unit_id": unit_id,
        "key_id": key_id,
        "from_state": from_state,
        "to_state": to_state,
        "reason": reason,
        "data": data or {},
    }


def record(session: Session, **event: Any) -> None:
    """Append one audit event (the arguments of `entry`)."""
    repository.add(session, entry(**event))


def replay_page(database: Database, after_id: int) -> list[dict[str, Any]]:
    """A page of the log after `after_id`, for a reconnecting stream, on a pooled connection held only for it."""
    with database.sessions() as session:
        return repository.after(session, after_id, REPLAY_PAGE)


def replay_late(database: Database, seen_id: int) -> list[dict[str, Any]]:
    """Events below `seen_id` that may have committed after it, for a reconnecting stream (a page at most)."""
    with database.sessions() as session:
        return repository.committed_late(session, seen_id, REPLAY_PAGE)


def latest_event_id(database: Database) -> int:
    """The id of the last event logged: where a new stream starts, so that its first reconnection can resume."""
    with database.sessions() as session:
        return repository.latest_id(session)
