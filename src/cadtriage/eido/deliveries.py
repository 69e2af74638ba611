"""SQL for EIDO webhook subscriptions and deliveries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from cadtriage.eido.models import DeliveryState, EidoDelivery, EidoSubscription

# The calls changed in a window of transactions [lo, hi) — hi the oldest transaction still running, so no later
# commit can add to the window — each with its latest event; and, once, events from before transactions were
# recorded (txid 0), by id past the subscription's last_event_id.
_CHANGED = text(
    """
    SELECT e.call_id, max(e.id) AS event_id, c.requested_type
    FROM (
        SELECT id, call_id FROM events WHERE txid >= :lo AND txid < :hi AND call_id IS NOT NULL
        UNION ALL
        SELECT id, call_id FROM events WHERE txid = 0 AND id > :after AND call_id IS NOT NULL
    ) e JOIN calls c ON c.id = e.call_id
    GROUP BY e.call_id, c.requested_type
    """
)
_XMIN = text("SELECT (pg_snapshot_xmin(pg_current_snapshot())::text)::bigint")


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


def oldest_running_transaction(session: Session) -> int:
    """The id of the oldest transaction still running (or the next to start): every transaction below it has
    committed or aborted, so the events it wrote are final."""
    return int(session.execute(_XMIN).scalar_one())


def changed_calls(session: Session, after: int, lo: int, hi: int) -> list[tuple[int, int, str]]:
    """(call id, its latest event id, its requested type) for calls with events of transactions in [lo, hi), or
    logged before transactions were recorded and past event `after`."""
    rows = session.execute(_CHANGED, {"after": after, "lo": lo, "hi": hi})
    return [(int(c), int(e), str(t)) for c, e, t in rows]


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
