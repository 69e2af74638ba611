"""The live event stream as Server-Sent Events: a replay from the audit log, then what the worker's hub hears.

A reconnecting subscriber sends `Last-Event-ID` and first gets every logged event after that id, then the live
ones (an id already sent is never sent twice on one connection). Ids are taken at insert and transactions commit
in any order, so an event with a lower id can commit after the client saw a higher one: the replay first sends
those (`events.repository.committed_late`), and a client may receive again, after a reconnection, an event it
already had (dedupe on the id). The subscription is taken before the replay is read, so nothing committed in
between is missed.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

from sqlalchemy import make_url

from cadtriage.events.hub import EventHub, Subscription

HEARTBEAT_S = 15.0
# Reads a page of the log after an id: [(event), ...] oldest first, at most a page.
ReadAfter = Callable[[int], Awaitable[list[dict[str, Any]]]]
ReadLatest = Callable[[], Awaitable[int]]
# Reads the events below an id that may have committed after it.
ReadLate = Callable[[int], Awaitable[list[dict[str, Any]]]]


def libpq_url(sqlalchemy_url: str) -> str:
    """The libpq form of a SQLAlchemy URL (psycopg connects with it directly)."""
    return make_url(sqlalchemy_url).set(drivername="postgresql").render_as_string(hide_password=False)


def matches(kind: str, wanted: Sequence[str]) -> bool:
    """An event matches a filter naming its kind (`call.assigned`) or its family (`call`)."""
    return not wanted or any(kind == w or kind.startswith(w + ".") for w in wanted)


def wanted_by(kinds: Sequence[str], visible: Sequence[str]) -> Callable[[str], bool]:
    """The filter of a stream that asked for `kinds` and may see only the `visible` kinds or families (all when
    empty): an allow-list, so that a family added later is not shown to a role by default."""
    return lambda kind: matches(kind, kinds) and matches(kind, visible)


def sse(event: dict[str, Any]) -> str:
    """One event in SSE wire format, its id being the audit log's."""
    payload = json.dumps({**event, "occurred_at": event["occurred_at"].isoformat()}, default=str)
    return f"id: {event['id']}\nevent: {event['kind']}\ndata: {payload}\n\n"


class _Sent:
    """The ids recently sent, so replay and live delivery never send one twice."""

    def __init__(self, size: int = 10_000) -> None:
        self._order: deque[int] = deque()
        self._ids: set[int] = set()
        self._size = size

    def first_time(self, event_id: int) -> bool:
        if event_id in self._ids:
            return False
        self._ids.add(event_id)
        self._order.append(event_id)
        if len(self._order) > self._size:
            self._ids.discard(self._order.popleft())
        return True


async def events(
    hub: EventHub,
    subscription: Subscription,
    *,
    after_id: int | None,
    read_after: ReadAfter,
    read_latest: ReadLatest,
    read_late: ReadLate,
    heartbeat_s: float = HEARTBEAT_S,
) -> AsyncIterator[str]:
    """SSE text for every event after `after_id` (if given), then every new one, with heartbeat comments, until
    the hub ends the subscription (a comment says why) or the client goes away.

    A stream started without `after_id` first names the last event logged (an `id:` line alone, which sets a
    client's last event id without an event): a client that loses the connection before any event arrives then
    resumes from there, instead of from nothing and missing what happened while it was away."""
    sent = _Sent()

    def replayed(logged: list[dict[str, Any]]) -> list[str]:
        return [sse(e) for e in logged if sent.first_time(e["id"]) and subscription.wanted(e["kind"])]

    try:
        yield "retry: 2000\n\n"
        if after_id is None:
            yield f"id: {await read_latest()}\n\n"
        else:  # first what committed behind the client's cursor after it had that event
            for message in replayed(await read_late(after_id)):
                yield message
        last = after_id
        while last is not None:  # the replay, a page at a time
            page = await read_after(last)
            last = page[-1]["id"] if page else None
            for message in replayed(page):
                yield message
        while subscription.ended is None:
            live = await subscription.next(heartbeat_s)
            if live is None:
                yield ": heartbeat\n\n" if subscription.ended is None else ""
            elif sent.first_time(live["id"]):
                yield sse(live)
        yield f": end: {subscription.ended}\n\n"
    finally:
        hub.unsubscribe(subscription)
