"""The live event stream: Server-Sent Events fed by PostgreSQL LISTEN/NOTIFY.

Each audit event is announced at commit (a trigger on the events table), so a subscriber on any worker hears of
changes made through every other, in commit order. A reconnecting subscriber sends `Last-Event-ID` and first gets
every logged event after that id, then the live ones (an id already sent is never sent twice).
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

import psycopg
from psycopg.rows import dict_row
from sqlalchemy import make_url

CHANNEL = "cadtriage_events"
HEARTBEAT_S = 15.0
_COLUMNS = "id, occurred_at, actor, kind, call_id, unit_id, key_id, from_state, to_state, reason, data"
_REPLAY = f"SELECT {_COLUMNS} FROM events WHERE id > %s ORDER BY id LIMIT 1000"  # noqa: S608 (constants)
_BY_IDS = f"SELECT {_COLUMNS} FROM events WHERE id = ANY(%s)"  # noqa: S608


def libpq_url(sqlalchemy_url: str) -> str:
    """The libpq form of a SQLAlchemy URL (psycopg connects with it directly)."""
    return make_url(sqlalchemy_url).set(drivername="postgresql").render_as_string(hide_password=False)


def matches(kind: str, wanted: Sequence[str]) -> bool:
    """An event matches a filter naming its kind (`call.assigned`) or its family (`call`)."""
    return not wanted or any(kind == w or kind.startswith(w + ".") for w in wanted)


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
    database_url: str,
    *,
    after_id: int | None,
    kinds: Sequence[str],
    hidden: Sequence[str] = (),
    heartbeat_s: float = HEARTBEAT_S,
) -> AsyncIterator[str]:
    """SSE text for every event after `after_id` (if given), then every new one, with heartbeat comments.
    Events of a `hidden` family (or kind) are never sent, whatever `kinds` asks for."""

    def wanted(kind: str) -> bool:
        return matches(kind, kinds) and not (hidden and matches(kind, hidden))

    async with await psycopg.AsyncConnection.connect(
        libpq_url(database_url), autocommit=True, row_factory=dict_row
    ) as conn:
        await conn.execute(f"LISTEN {CHANNEL}")  # before the replay, so nothing falls between the two
        sent = _Sent()
        yield "retry: 2000\n\n"
        if after_id is not None:
            async for text in _replay(conn, after_id, wanted, sent):
                yield text
        while True:  # Starlette cancels this generator when the client goes away
            ids = [int(note.payload) async for note in conn.notifies(timeout=heartbeat_s, stop_after=1)]
            if not ids:
                yield ": heartbeat\n\n"
                continue
            ids += [int(note.payload) async for note in conn.notifies(timeout=0.005, stop_after=500)]
            for event in await _fetch(conn, ids):
                if sent.first_time(event["id"]) and wanted(event["kind"]):
                    yield sse(event)


async def _replay(
    conn: psycopg.AsyncConnection[Any], after_id: int, wanted: Callable[[str], bool], sent: _Sent
) -> AsyncIterator[str]:
    last = after_id
    while True:
        cursor = await conn.execute(_REPLAY, (last,))
        rows = await cursor.fetchall()
        if not rows:
            return
        for event in rows:
            last = event["id"]
            if sent.first_time(event["id"]) and wanted(event["kind"]):
                yield sse(event)


async def _fetch(conn: psycopg.AsyncConnection[Any], ids: list[int]) -> list[dict[str, Any]]:
    # Keep the order the notifications came in: commit order.
    cursor = await conn.execute(_BY_IDS, (ids,))
    found = {row["id"]: row for row in await cursor.fetchall()}
    return [found[i] for i in ids if i in found]
