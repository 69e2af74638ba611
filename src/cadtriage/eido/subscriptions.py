"""Managing EIDO webhook subscriptions, and reading their delivery log."""

from __future__ import annotations

from collections.abc import Sequence

from cadtriage.context import Context
from cadtriage.eido import deliveries
from cadtriage.eido.models import DeliveryState, EidoDelivery, EidoSubscription
from cadtriage.eido.schemas import SubscriptionCreate
from cadtriage.errors import NotFound
from cadtriage.events import repository as events


def subscribe(ctx: Context, body: SubscriptionCreate) -> EidoSubscription:
    """A new subscription; it receives changes from now on."""
    subscription = EidoSubscription(
        url=body.url,
        secret=body.secret,
        response_types=[t.value for t in body.response_types] if body.response_types else None,
        last_event_id=events.latest_id(ctx.session),
        read_xmin=deliveries.oldest_running_transaction(ctx.session),
        active=True,
        created_at=ctx.now(),
        created_by=ctx.actor,
    )
    ctx.session.add(subscription)
    ctx.session.flush()
    return subscription


def subscriptions(ctx: Context) -> Sequence[EidoSubscription]:
    """Every subscription, ended ones included."""
    return deliveries.every_subscription(ctx.session)


def unsubscribe(ctx: Context, subscription_id: int) -> EidoSubscription:
    """End a subscription: nothing more is queued for it (deliveries already queued are still sent)."""
    subscription = ctx.session.get(EidoSubscription, subscription_id)
    if subscription is None:
        raise NotFound(f"no EIDO subscription {subscription_id}", subscription_id=subscription_id)
    subscription.active = False
    return subscription


def delivery_log(
    ctx: Context, subscription_id: int | None, state: DeliveryState | None, limit: int
) -> Sequence[EidoDelivery]:
    """Deliveries, newest first."""
    return deliveries.log(ctx.session, subscription_id, state, limit)
