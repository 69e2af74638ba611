"""A pooled connection is pinged before use only after sitting idle: a dead one is replaced unseen, a warm one
costs no extra round trip. Both engines: the threaded one and the requests' engine on the event loop."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool
from sqlalchemy.util import greenlet_spawn

from cadtriage.db import PING_AFTER_IDLE_S, Database, LoopDatabase
from tests.pg import PgServer


def _backend_pid(sessions: Callable[[], Session]) -> int:
    with sessions() as session:
        return int(session.scalar(text("SELECT pg_backend_pid()")) or 0)


def _terminate(url: str, pid: int) -> None:
    admin = create_engine(url, poolclass=NullPool)
    try:
        with admin.begin() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        admin.dispose()


def _count_pings(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    pings: list[int] = []
    real = engine.dialect.do_ping

    def counted(dbapi_connection: Any) -> bool:
        pings.append(1)
        return real(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counted)
    return pings


def test_a_connection_killed_while_idle_is_replaced_before_use(pg: PgServer) -> None:
    url = pg.copy()
    database = Database(url, pool_size=1)
    try:
        first = _backend_pid(database.sessions)
        _terminate(url, first)
        time.sleep(PING_AFTER_IDLE_S + 0.2)
        assert _backend_pid(database.sessions) not in (0, first)  # no error reached the caller
    finally:
        database.dispose()


def test_a_connection_back_in_the_pool_a_moment_ago_is_not_pinged(
    pg: PgServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = Database(pg.copy(), pool_size=1)
    try:
        pings = _count_pings(database.engine, monkeypatch)
        pids = {_backend_pid(database.sessions) for _ in range(5)}
        assert len(pids) == 1
        assert pings == []
        time.sleep(PING_AFTER_IDLE_S + 0.2)
        _backend_pid(database.sessions)
        assert pings == [1]  # idle long enough: pinged once
    finally:
        database.dispose()


def test_the_requests_engine_replaces_a_dead_connection_and_skips_warm_ones(
    pg: PgServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = pg.copy()

    async def scenario() -> tuple[int, int, int, list[int]]:
        database = LoopDatabase(url, pool_size=1)
        pings = _count_pings(database.engine.sync_engine, monkeypatch)
        try:
            first = await greenlet_spawn(_backend_pid, database.sessions)
            warm = await greenlet_spawn(_backend_pid, database.sessions)
            _terminate(url, first)
            await asyncio.sleep(PING_AFTER_IDLE_S + 0.2)
            after = await greenlet_spawn(_backend_pid, database.sessions)
            return first, warm, after, pings
        finally:
            await database.dispose()

    first, warm, after, pings = asyncio.run(scenario())
    assert warm == first
    assert after not in (0, first)
    assert pings == [1]  # only the checkout after the idle spell
