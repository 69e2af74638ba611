"""SQL for consults. A consult changes only under its call's lock, so reads here take no lock of their own (the
desk's list and the sweep's look for calls whose wait is over join calls: `dispatch.repository`)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from cadtriage.consults.models import Consult, ConsultState

OPEN = (ConsultState.waiting, ConsultState.claimed)


def add(session: Session, consult: Consult) -> Consult:
    """Insert a consult (its key is its call's)."""
    session.add(consult)
    session.flush()
    return consult


def get(session: Session, call_id: int) -> Consult | None:
    """A call's consult, read fresh (the caller holds the call's lock, so nobody else changes it)."""
    query = select(Consult).where(Consult.call_id == call_id).execution_options(populate_existing=True)
    return session.scalars(query).one_or_none()


def for_calls(session: Session, call_ids: Sequence[int]) -> dict[int, Consult]:
    """The consults of these calls, by call id."""
    if not call_ids:
        return {}
    found = session.scalars(select(Consult).where(Consult.call_id.in_(call_ids)))
    return {consult.call_id: consult for consult in found}
