"""One LISTEN connection per worker, fanned out to every live stream the worker serves.

Each audit event is announced at commit (a trigger on the events table), so every worker hears of changes made
through any other, in commit order. The hub reads each announced event once and hands it to its subscriptions.

A stream ends, and its client reconnects with `Last-Event-ID` to replay what it missed, whenever the hub cannot
vouch for it: its key is revoked (heard as a `key.revoked` event, and checked again every `key_check_s` for a
revocation made behind the service's back), it reads too slowly to keep up, the hub loses its connection, or the
worker shuts down. Caps per worker and per key keep streams from taking what intakes need.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg.rows import dict_row

from cadtriage.errors import TooManyRequests, Unavailable

log = logging.getLogger(__name__)
CHANNEL = "cadtriage_events"
COLUMNS = "id, occurred_at, actor, kind, call_id, unit_id, key_id, from_state, to_state, reason, data"
_BY_IDS = f"SELECT {COLUMNS} FROM events WHERE id = ANY(%s)"  # noqa: S608 (constants)
_REVOKED = "SELECT id FROM api_keys WHERE id = ANY(%s) AND revoked_at IS NOT NULL"
# Events a stream may fall behind by before it is ended (its client then replays from the log).
BACKLOG = 2_000
RETRY_AFTER_S = 5


@dataclass(eq=False)
class Subscription:
    """One stream's place at the hub: whose it is, what it wants, and what it has yet to send."""

    key_id: int
    wanted: Callable[[str], bool]
    events: asyncio.Queue[dict[str, Any]] = field(default_factory=lambda: asyncio.Queue(BACKLOG))
    ended: str | None = None  # why the stream ends, once it must
    _wake: asyncio.Event = field(default_factory=asyncio.Event)

    def end(self, reason: str) -> None:
        """Mark the stream to end at its next read (the first reason is kept)."""
        self.ended = self.ended or reason
        self._wake.set()

    async def next(self, timeout_s: float) -> dict[str, Any] | None:
        """The next event, or None after `timeout_s` with none (or once the stream is ended)."""
        if self.ended is None and self.events.empty():
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout_s)
        if self.ended is not None or self.events.empty():
            return None
        return self.events.get_nowait()

    def offer(self, event: dict[str, Any]) -> None:
        if self.ended is not None or not self.wanted(event["kind"]):
            return
        try:
            self.events.put_nowait(event)
        except asyncio.QueueFull:
            self.end("too far behind: reconnect with Last-Event-ID")
            return
        self._wake.set()


class EventHub:
    """The worker's single LISTEN connection and the streams it feeds. Lives on the worker's event loop."""

    def __init__(self, libpq_url: str, *, per_worker: int, per_key: int, key_check_s: float = 5.0) -> None:
        self._url = libpq_url
        self._per_worker, self._per_key, self._key_check_s = per_worker, per_key, key_check_s
        self._subscriptions: set[Subscription] = set()
        self._listening = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closing = False

    async def subscribe(self, key_id: int, wanted: Callable[[str], bool]) -> Subscription:
        """A new stream's subscription, once the hub is listening (so a replay that follows misses nothing).
        429 past a cap, 503 while the worker shuts down."""
        if self._closing:
            raise Unavailable("the service is shutting down: reconnect", retry_after_s=RETRY_AFTER_S)
        if len(self._subscriptions) >= self._per_worker:
            raise TooManyRequests(
                f"this worker serves {self._per_worker} live streams already",
                retry_after_s=RETRY_AFTER_S,
            )
        if sum(s.key_id == key_id for s in self._subscriptions) >= self._per_key:
            raise TooManyRequests(
                f"this key has {self._per_key} live streams open on this worker already: close one",
                retry_after_s=RETRY_AFTER_S,
            )
        subscription = Subscription(key_id, wanted)
        self._subscriptions.add(subscription)
        if self._task is None or self._task.done():
            self._listening.clear()
            self._task = asyncio.create_task(self._listen())
        await self._listening.wait()
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        """Forget a stream that has ended."""
        self._subscriptions.discard(subscription)

    def close(self) -> None:
        """End every stream now and take no more (the worker is shutting down). Safe to call twice."""
        self._closing = True
        self._end_all("the service is shutting down")
        if self._task is not None:
            self._task.cancel()

    async def wait_closed(self) -> None:
        """Wait for the listening task to finish after `close`."""
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def _end_all(self, reason: str) -> None:
        for subscription in self._subscriptions:
            subscription.end(reason)
        self._listening.set()  # a subscriber waiting for the hub finds its stream ended

    async def _listen(self) -> None:
        try:
            async with await psycopg.AsyncConnection.connect(
                self._url, autocommit=True, row_factory=dict_row
            ) as conn:
                await conn.execute(f"LISTEN {CHANNEL}")
                self._listening.set()
                checked = time.monotonic()
                while not self._closing:
                    ids = [
                        int(n.payload) async for n in conn.notifies(timeout=self._key_check_s, stop_after=1)
                    ]
                    if ids:  # take the rest of a burst in one read
                        ids += [int(n.payload) async for n in conn.notifies(timeout=0.005, stop_after=500)]
                        self._deliver(await _fetch(conn, ids))
                    if time.monotonic() - checked >= self._key_check_s:
                        await self._end_revoked(conn)
                        checked = time.monotonic()
        except (psycopg.Error, OSError) as exc:
            # Live events may have gone unheard: every stream must end, and its client replay from the log.
            log.warning("event stream connection lost (%s); ending live streams", type(exc).__name__)
        finally:
            self._end_all("the live stream was interrupted: reconnect with Last-Event-ID")

    def _deliver(self, events: list[dict[str, Any]]) -> None:
        for event in events:
            if event["kind"] == "key.revoked":
                self._end_key(event["key_id"])
            for subscription in self._subscriptions:
                subscription.offer(event)

    def _end_key(self, key_id: int | None) -> None:
        for subscription in self._subscriptions:
            if subscription.key_id == key_id:
                subscription.end("the key was revoked")

    async def _end_revoked(self, conn: psycopg.AsyncConnection[Any]) -> None:
        keys = list({s.key_id for s in self._subscriptions if s.ended is None})
        if keys:
            cursor = await conn.execute(_REVOKED, (keys,))
            for row in await cursor.fetchall():
                self._end_key(row["id"])


async def _fetch(conn: psycopg.AsyncConnection[Any], ids: list[int]) -> list[dict[str, Any]]:
    # Keep the order the notifications came in: commit order.
    cursor = await conn.execute(_BY_IDS, (ids,))
    found = {row["id"]: row for row in await cursor.fetchall()}
    return [found[i] for i in ids if i in found]
