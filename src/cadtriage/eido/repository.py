"""SQL for EIDO incidents."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from cadtriage.eido.models import EidoIncident


def get(session: Session, incident_id: str, *, lock: bool = False) -> EidoIncident | None:
    """The incident received under this tracking id; locked, so that its snapshots apply one at a time."""
    query = select(EidoIncident).where(EidoIncident.incident_id == incident_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return session.scalars(query).one_or_none()


def for_call(session: Session, call_id: int) -> EidoIncident | None:
    """The EIDO incident a call came from, if it came from one."""
    return session.scalars(select(EidoIncident).where(EidoIncident.call_id == call_id)).one_or_none()


def claim(session: Session, values: dict[str, Any]) -> bool:
    """Record an incident not seen before; False if it was. A concurrent import of the same incident waits here
    until this transaction ends, then finds it: snapshots of one incident apply one at a time, never twice."""
    statement = insert(EidoIncident).values(**values).on_conflict_do_nothing()
    return session.execute(statement.returning(EidoIncident.incident_id)).first() is not None


def link(session: Session, incident_id: str, call_id: int, now: datetime) -> None:
    """A held incident has become this call; a concurrent completion that made the same call did it already."""
    session.execute(
        update(EidoIncident)
        .where(EidoIncident.incident_id == incident_id, EidoIncident.call_id.is_(None))
        .values(call_id=call_id, updated_at=now)
    )


_HELD = (
    select(EidoIncident)
    .where(EidoIncident.call_id.is_(None))
    .order_by(EidoIncident.received_at, EidoIncident.incident_id)
)


def held(session: Session, limit: int) -> list[EidoIncident]:
    """Incidents waiting for what a dispatch needs, oldest first."""
    return list(session.scalars(_HELD.limit(limit)))
