"""SQL for follow-ups."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from cadtriage.followups.models import Followup, FollowupStatus


def add(session: Session, followup: Followup) -> Followup:
    """Insert a follow-up and assign its id."""
    session.add(followup)
    session.flush()
    return followup


def get(session: Session, followup_id: int, *, for_update: bool = False) -> Followup | None:
    """A follow-up by id, optionally locked."""
    query = select(Followup).where(Followup.id == followup_id)
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    return session.scalars(query).one_or_none()


def page(
    session: Session,
    *,
    status: FollowupStatus | None,
    overdue_at: datetime | None,
    due_before: datetime | None,
    call_id: int | None,
    limit: int,
) -> Sequence[Followup]:
    """Follow-ups soonest due first: by status, open and past due at `overdue_at`, due before, of a call."""
    query = select(Followup).order_by(Followup.due_at, Followup.id).limit(limit)
    if status is not None:
        query = query.where(Followup.status == status)
    if overdue_at is not None:
        query = query.where(Followup.status == FollowupStatus.open, Followup.due_at < overdue_at)
    if due_before is not None:
        query = query.where(Followup.due_at < due_before)
    if call_id is not None:
        query = query.where(Followup.call_id == call_id)
    return session.scalars(query).all()


def newly_overdue(session: Session, now: datetime, limit: int) -> Sequence[Followup]:
    """Lock open follow-ups past due whose lateness was not yet announced (SKIP LOCKED: one sweep takes each)."""
    query = (
        select(Followup)
        .where(
            Followup.status == FollowupStatus.open,
            Followup.due_at < now,
            Followup.overdue_announced_at.is_(None),
        )
        .order_by(Followup.due_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return session.scalars(query).all()
