"""SQL for calls and their triage decisions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from cadtriage.calls.models import Call, TriageDecision


def insert_if_new(session: Session, values: dict[str, Any]) -> int | None:
    """Insert a call unless its external_id exists; the new id, or None when it already existed.

    ON CONFLICT waits for a concurrent insert of the same external_id to commit or roll back, so two identical
    intakes racing each other end as one call.
    """
    statement = (
        insert(Call)
        .values(**values)
        .on_conflict_do_nothing(index_elements=[Call.external_id])
        .returning(Call.id)
    )
    return session.execute(statement).scalar_one_or_none()


def get(session: Session, call_id: int, *, for_update: bool = False) -> Call | None:
    """A call by id, optionally locked."""
    query = select(Call).where(Call.id == call_id)
    if for_update:
        query = query.with_for_update(key_share=True).execution_options(populate_existing=True)
    return session.scalars(query).one_or_none()


def get_by_external_id(session: Session, external_id: str) -> Call | None:
    """A call by the upstream CAD's identifier."""
    return session.scalars(select(Call).where(Call.external_id == external_id)).one_or_none()


def add_decision(session: Session, decision: TriageDecision) -> TriageDecision:
    """Store a decision about a call."""
    session.add(decision)
    return decision


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
    """The protocol's decision for each of several calls."""
    query = select(TriageDecision).where(
        TriageDecision.call_id.in_(call_ids), TriageDecision.kind == "triage"
    )
    return {d.call_id: d for d in session.scalars(query)}
