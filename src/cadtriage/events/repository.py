"""SQL for the audit log: append and read, never update."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from cadtriage.events.models import Event


def add(session: Session, event: Event) -> Event:
    """Append an event."""
    session.add(event)
    return event


def for_call(session: Session, call_id: int) -> Sequence[Event]:
    """A call's events, oldest first."""
    return session.scalars(select(Event).where(Event.call_id == call_id).order_by(Event.id)).all()


def for_unit(session: Session, unit_id: int, limit: int = 100) -> Sequence[Event]:
    """A unit's most recent events, oldest first."""
    newest = select(Event).where(Event.unit_id == unit_id).order_by(Event.id.desc()).limit(limit).subquery()
    return session.scalars(select(Event).join(newest, Event.id == newest.c.id).order_by(Event.id)).all()
