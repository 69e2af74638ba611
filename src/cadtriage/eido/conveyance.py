"""EIDO conveyance: the service's own worker sends each subscriber the EIDO of every call it covers, on every
change, signed, retried with backoff, and logged.

Each pass, under an advisory lock (one worker at a time), reads the audit log past each subscription's cursor and
queues one delivery per changed call (a change to a call already waiting folds into its pending delivery: what is
sent is the call's state when it is sent). Then due deliveries are sent one by one: a delivery is claimed and its
body built in a short transaction (locked, so two workers never take the same one; leased, so another worker takes
it again only if this one dies mid-send), sent with no transaction open, and its outcome recorded in another. A
slow receiver holds nothing in the database, and the whole exchange has the timeout, not each read of it (a
receiver trickling its answer is cut off). A body that cannot be built fails that delivery's attempt, not the
pass: every other subscriber's deliveries go on. Events are read by the transaction that wrote them, up to the oldest
transaction still running: one that took a lower event id and commits late is read when it has committed, never
skipped (migration 0019).

The body is the EIDO as JSON; `X-Cadtriage-Signature: sha256=<hex>` is the HMAC-SHA256, keyed with the
subscription's secret, of the `X-Cadtriage-Timestamp` value, a `.`, and the body (a receiver checks both, and
refuses old timestamps to stop replays). Any 2xx is delivered; anything else is retried after 2, 4, 8 ... s (at
most 5 minutes) until CADTRIAGE_EIDO_DELIVERY_ATTEMPTS, then the delivery is `failed`.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy.orm import Session

from cadtriage.clock import Clock
from cadtriage.config import Settings
from cadtriage.context import Context
from cadtriage.db import Database
from cadtriage.dispatch.repository import try_advisory_lock
from cadtriage.eido import deliveries
from cadtriage.eido.export import call_as_eido
from cadtriage.eido.models import DeliveryState, EidoDelivery
from cadtriage.triage.protocol import Protocol

log = logging.getLogger("cadtriage.eido")
CONVEY_LOCK_KEY = 0x0CAD0E1D
ACTOR = "system:eido"
BATCH = 20
MAX_BACKOFF_S = 300
LEASE_MARGIN_S = 30  # beyond the send timeout, before another worker may take a claimed delivery again

Send = Callable[[str, bytes, dict[str, str]], tuple[int | None, str | None]]


def post(timeout_s: float) -> Send:
    """POST with httpx, the whole exchange within `timeout_s`: the receiver's status, and what went wrong when it
    was not a 2xx."""

    async def exchange(url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str | None]:
        try:
            async with asyncio.timeout(timeout_s), httpx.AsyncClient(timeout=timeout_s) as client:
                answer = await client.post(url, content=body, headers=headers)
        except TimeoutError:
            return None, f"no whole answer within {timeout_s:g} s"
        except httpx.HTTPError as error:
            return None, f"{type(error).__name__}: {error}"[:500]
        return answer.status_code, None if answer.is_success else f"HTTP {answer.status_code}"

    def send(url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str | None]:
        return asyncio.run(exchange(url, body, headers))

    return send


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header's value for a body sent at `timestamp`."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def enqueue_changes(ctx: Context) -> int:
    """Queue a delivery for each call changed past each subscription's cursor; how many."""
    subscriptions = deliveries.active_subscriptions(ctx.session)
    if not subscriptions or not try_advisory_lock(ctx.session, CONVEY_LOCK_KEY):
        return 0
    now = ctx.now()
    final = deliveries.oldest_running_transaction(ctx.session)
    queued = 0
    for subscription in subscriptions:
        if final <= subscription.read_xmin:
            continue
        changed = deliveries.changed_calls(
            ctx.session, subscription.last_event_id, subscription.read_xmin, final
        )
        for call_id, event_id, requested in changed:
            if subscription.response_types is None or requested in subscription.response_types:
                deliveries.enqueue(ctx.session, subscription.id, call_id, event_id, now)
                queued += 1
        subscription.read_xmin = final
        subscription.last_event_id = max([subscription.last_event_id, *(e for _, e, _ in changed)])
    return queued


@dataclass(frozen=True)
class _Claimed:
    """A delivery taken to send: where, what, and signed as of when."""

    delivery_id: int
    url: str
    body: bytes
    headers: dict[str, str]


def _claim(ctx: Context) -> _Claimed | bool:
    # The next due delivery, leased past the time a send may take, with its body; False when nothing is due, True
    # when its body could not be built (that delivery's failed attempt, logged by type: a database error's message
    # may quote the call).
    due = deliveries.due(ctx.session, ctx.now(), 1)
    if not due:
        return False
    delivery, subscription = due[0]
    now = ctx.now()
    try:
        with ctx.session.begin_nested():
            eido = call_as_eido(ctx, delivery.call_id, show_caller=True)
    except Exception as error:
        reason = f"the EIDO could not be built: {type(error).__name__}"
        log.error("delivery %s of call %s failed: %s", delivery.id, delivery.call_id, reason)
        _record(ctx, delivery, None, reason)
        return True
    body = json.dumps(eido, separators=(",", ":")).encode()
    timestamp = str(int(now.timestamp()))
    headers = {
        "Content-Type": "application/json",
        "X-Cadtriage-Delivery": str(delivery.id),
        "X-Cadtriage-Timestamp": timestamp,
        "X-Cadtriage-Signature": sign(subscription.secret, timestamp, body),
    }
    delivery.next_attempt_at = now + timedelta(seconds=ctx.settings.eido_delivery_timeout_s + LEASE_MARGIN_S)
    return _Claimed(delivery.id, subscription.url, body, headers)


def _record(ctx: Context, delivery: EidoDelivery, status: int | None, error: str | None) -> bool:
    # What the receiver said (or why nothing was sent); whether it was delivered.
    now: datetime = ctx.now()
    delivery.attempts += 1
    delivery.last_status, delivery.last_error = status, error
    if error is None:
        delivery.state, delivery.delivered_at = DeliveryState.delivered, now
        return True
    if delivery.attempts >= ctx.settings.eido_delivery_attempts:
        delivery.state = DeliveryState.failed
    else:
        delivery.next_attempt_at = now + timedelta(seconds=min(2**delivery.attempts, MAX_BACKOFF_S))
    return False


def convey_once(
    database: Database, clock: Clock, settings: Settings, protocol: Protocol, send: Send | None = None
) -> tuple[int, int]:
    """One pass: queue what changed, then send what is due; (queued, delivered)."""
    send = send or post(settings.eido_delivery_timeout_s)

    def context(session: Session) -> Context:
        return Context(session, clock, settings, protocol, ACTOR)

    with Session(database.engine, expire_on_commit=False) as session, session.begin():
        queued = enqueue_changes(context(session))
    delivered = 0
    for _ in range(BATCH):
        with Session(database.engine, expire_on_commit=False) as session, session.begin():
            claimed = _claim(context(session))
        if claimed is False:
            break
        if claimed is True:
            continue
        status, error = send(claimed.url, claimed.body, claimed.headers)  # no transaction open meanwhile
        with Session(database.engine, expire_on_commit=False) as session, session.begin():
            delivery = session.get(EidoDelivery, claimed.delivery_id, with_for_update=True)
            if delivery is not None and delivery.state is DeliveryState.pending:
                delivered += _record(context(session), delivery, status, error)
    return queued, delivered


async def run_conveyance(database: Database, clock: Clock, settings: Settings, protocol: Protocol) -> None:
    """Convey every `eido_delivery_interval_s` until cancelled; a failed pass is logged and tried again."""
    while True:
        await asyncio.sleep(settings.eido_delivery_interval_s)
        try:
            await asyncio.to_thread(convey_once, database, clock, settings, protocol)
        except Exception:
            log.exception("EIDO conveyance pass failed")
