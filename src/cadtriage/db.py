"""Engine, session factory and the declarative base. Who owns a request's transaction: `api.session`."""

from __future__ import annotations

import time
from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from sqlalchemy import BindParameter, Engine, Enum, MetaData, Table, bindparam, create_engine, event, exc
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import NullPool

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base for every ORM model, with a stable constraint naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def status_column(statuses: type[StrEnum], length: int = 20) -> Enum:
    """A status stored as its plain text value (a VARCHAR, as the migrations made it) and read back as the enum."""
    return Enum(
        statuses,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
    )


def placeholders(names: Sequence[str], prefix: str = "") -> str:
    """`:a, :b` for hand-written SQL that names its parameters after columns (`prefix` tells two rows apart)."""
    return ", ".join(f":{prefix}{name}" for name in names)


def typed_binds(table: Table, names: Sequence[str], prefix: str = "") -> list[BindParameter[Any]]:
    """Those parameters, each bound with its column's type (JSONB documents, timestamps), as the ORM binds them."""
    return [bindparam(prefix + name, type_=table.c[name].type) for name in names]


class Database:
    """One engine and its session factory for the life of a process."""

    def __init__(self, url: str, pool_size: int = 10) -> None:
        self.url, self.pool_size = url, pool_size
        # As many again in overflow: the most connections, so the most requests, this process holds at once.
        self.capacity = 2 * pool_size
        self.engine: Engine = create_engine(url, **_pool_options(pool_size))
        ping_after_idle(self.engine)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        # A new connection for each readiness probe, outside the pool: a database that refuses connections (full,
        # down, restarting) shows as not ready even while pooled connections still answer.
        self.probe: Engine = create_engine(
            url, poolclass=NullPool, connect_args={"connect_timeout": 3}, hide_parameters=True
        )

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
        self.probe.dispose()


class LoopDatabase:
    """The engine requests use: the same ORM sessions on psycopg's async driver, run on the event loop.

    A request's handler runs in a greenlet on the event loop (`api.session.LoopRoute`); each statement suspends it
    while PostgreSQL answers. Threads cost three hops per request and, worse, a crowd of them sharing the GIL kept
    the event loop from answering anything quickly — a 503 or a readiness probe waited hundreds of milliseconds
    behind them. Its connections belong to the event loop that opened them, so it lives and dies with one
    application's lifespan; `Database` keeps the threaded engine for background work, streams and the CLI.
    """

    def __init__(self, url: str, pool_size: int) -> None:
        self.engine: AsyncEngine = create_async_engine(url, **_pool_options(pool_size))
        ping_after_idle(self.engine.sync_engine)
        self.sessions = sessionmaker(self.engine.sync_engine, expire_on_commit=False, info={"on_loop": True})

    async def dispose(self) -> None:
        """Close every pooled connection (on the event loop that opened them)."""
        await self.engine.dispose()


def on_loop(session: Session) -> bool:
    """Whether this session's statements must run in a greenlet on the event loop (a `LoopDatabase` session)."""
    return bool(session.info.get("on_loop"))


# A pooled connection idle longer than this is pinged before use. One back in the pool for less was answering a
# moment ago; a server that died since fails the statement itself, and SQLAlchemy then replaces the whole pool.
PING_AFTER_IDLE_S = 1.0


def ping_after_idle(engine: Engine, idle_s: float = PING_AFTER_IDLE_S) -> None:
    """Ping a pooled connection before use only when it has been idle for `idle_s` or longer.

    SQLAlchemy's `pool_pre_ping` pings at every checkout: a round trip per request, and two for an intake that
    commits a queued call before matching it. Under load a connection is back in use within milliseconds.
    """

    @event.listens_for(engine, "checkin")
    def returned(dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def ping_if_idle(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        idle_since = record.info.pop("idle_since", None)
        if idle_since is None or time.monotonic() - idle_since < idle_s:
            return  # new (just connected) or just returned
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:  # any failure of an empty statement means the connection is gone
            raise exc.DisconnectionError() from error  # the pool replaces it and checks out again


def _pool_options(pool_size: int) -> dict[str, object]:
    return {
        "pool_size": pool_size,
        "max_overflow": pool_size,  # as many again in overflow: see `Database.capacity`
        # The most recently returned connection first: the busy few stay warm (no ping), the rest age out.
        "pool_use_lifo": True,
        "hide_parameters": True,  # a statement's parameters are callers' data: never in an error or a log
    }
