"""SQL for EIDO webhook subscriptions and deliveries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from cadtriage.eido.models import DeliveryState, EidoDelivery, EidoSubscription

# The calls changed after a subscription's cursor, each with its latest event, among events old enough that any
# transaction writing a lower id has committed (ids are taken at insert, not at commit).
_CHANGED = text(
    """
    SELECT e.call_id, max(e.id) AS event_id, c.requested_type
    FROM events e JOIN calls c ON c.id = e.call_id
    WHERE e.id > :after AND e.id <= :until AND e.call_id IS NOT NULL
    GROUP BY e.call_id, c.requested_type
    """
)
_SETTLED = text("SELECT coalesce(max(id), 0) FROM events WHERE occurred_at < :settled")


def every_subscription(session: Session) -> Sequence[EidoSubscription]:
    """Every subscription, oldest first."""
    return session.scalars(select(EidoSubscription).order_by(EidoSubscription.id)).all()


def active_subscriptions(session: Session) -> Sequence[EidoSubscription]:
    """Every active subscription, locked for its cursor to move."""
    query = (
        select(EidoSubscription)
        .where(EidoSubscription.active)
        .order_by(EidoSubscription.id)
        .with_for_update()
    )
    return session.scalars(query).all()


def settled_event_id(session: Session, settled: datetime) -> int:
    """The last event logged before `settled`."""
    return int(session.execute(_SETTLED, {"settled": settled}).scalar_one())


def changed_calls(session: Session, after: int, until: int) -> list[tuple[int, int, str]]:
    """(call id, its latest event id, its requested type) for calls with events in (after, until]."""
    return [
        (int(c), int(e), str(t)) for c, e, t in session.execute(_CHANGED, {"after": after, "until": until})
    ]


def enqueue(session: Session, subscription_id: int, call_id: int, event_id: int, now: datetime) -> None:
    """A delivery of a call's state to a subscription; a pending one for the same call carries the change too."""
    statement = insert(EidoDelivery).values(
        subscription_id=subscription_id,
        call_id=call_id,
        event_id=event_id,
        state=DeliveryState.pending.value,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[EidoDelivery.subscription_id, EidoDelivery.call_id],
            index_where=text("state = 'pending'"),
            set_={"event_id": statement.excluded.event_id},
        )
    )


def due(session: Session, now: datetime, limit: int) -> Sequence[tuple[EidoDelivery, EidoSubscription]]:
    """Pending deliveries due now, oldest first, locked (another worker skips them)."""
    query = (
        select(EidoDelivery, EidoSubscription)
        .join(EidoSubscription, EidoSubscription.id == EidoDelivery.subscription_id)
        .where(EidoDelivery.state == DeliveryState.pending, EidoDelivery.next_attempt_at <= now)
        .order_by(EidoDelivery.next_attempt_at, EidoDelivery.id)
        .limit(limit)
        .with_for_update(of=EidoDelivery, skip_locked=True)
    )
    return [(d, s) for d, s in session.execute(query)]


def log(
    session: Session, subscription_id: int | None, state: DeliveryState | None, limit: int
) -> Sequence[EidoDelivery]:
    """The delivery log, newest first."""
    query = select(EidoDelivery).order_by(EidoDelivery.id.desc()).limit(limit)
    if subscription_id is not None:
        query = query.where(EidoDelivery.subscription_id == subscription_id)
    if state is not None:
        query = query.where(EidoDelivery.state == state)
    return session.scalars(query).all()
