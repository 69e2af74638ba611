"""The request's session: it owns the transaction, and where the handler that uses it runs.

It commits when the handler returns and rolls back when it raises. Use cases and repositories never commit, with
one exception: intake commits a call it must queue before matching it again under the queue lock, and commits
that match too (see `dispatch.intake`). Routers whose use case may take the queue lock end the transaction before
building their answer (`commit_before_answer`); the dependency commits the rest.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any, TypeVar

import anyio
import anyio.to_thread
from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session
from sqlalchemy.util import greenlet_spawn

from cadtriage.db import Database, LoopDatabase, on_loop

T = TypeVar("T")


class LoopRoute(APIRoute):
    """A route whose plain (`def`) handler runs on the event loop, in a greenlet, instead of a worker thread.

    Its session comes from the `LoopDatabase`, so the use cases' ORM code is unchanged: each statement suspends
    the greenlet while PostgreSQL works and the loop serves other requests meanwhile. What must not hold the loop
    (building a large export in Python) stays on the threaded `APIRoute`.
    """

    on_loop = True

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, _in_greenlet(endpoint), **kwargs)


def _in_greenlet(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    if inspect.iscoroutinefunction(endpoint):
        return endpoint

    @functools.wraps(endpoint)  # FastAPI reads the parameters and return type through __wrapped__
    async def run(*args: Any, **kwargs: Any) -> Any:
        return await greenlet_spawn(endpoint, *args, **kwargs)

    return run


async def in_session(session: Session, work: Callable[..., T], *args: Any) -> T:
    """Run synchronous database work from async code, where this session's statements can run."""
    if on_loop(session):
        return await greenlet_spawn(work, *args)
    return await run_in_threadpool(work, *args)


async def get_session(request: Request) -> AsyncIterator[Session]:
    """FastAPI dependency: a session whose transaction commits on success and rolls back on error.

    Declared with scope="function" (SessionDep), so a response is sent only after the commit succeeded. A
    `LoopRoute`'s session is on the requests' async engine and ends in a greenlet on the loop; a threaded route's
    on the threaded engine, ending in a worker thread. Opening one does no I/O (it connects at its first
    statement). The ending is shielded from cancellation, so a client that hangs up cannot leave a connection
    checked out.

    Requests past the pool's capacity wait here, on the event loop, for a session to end (`admission`). Without
    that, on the threaded routes, a request that had its connection could wait for a worker thread that was itself
    waiting for a connection: under enough concurrent requests every thread waited on the pool and the process
    stalled.
    """
    state = request.app.state
    routed_on_loop = getattr(request.scope.get("route"), "on_loop", False)
    async with state.admission:
        session = state.loop_database.sessions() if routed_on_loop else state.database.sessions()
        handled = False
        try:
            yield session
            handled = True
        finally:  # commit when the handler returned, roll back when it raised; a failed commit raises here
            with anyio.CancelScope(shield=True):
                await in_session(session, functools.partial(_end, session, commit=handled))


def admit_sessions(state: Any, database: Database) -> None:
    """Bound this process's concurrent sessions by its pool, and give each threaded one a worker thread.

    The requests' engine (`LoopDatabase`) is opened here, on the loop that will run its connections.
    """
    state.loop_database = LoopDatabase(database.url, database.pool_size)
    state.admission = anyio.Semaphore(database.capacity)
    anyio.to_thread.current_default_thread_limiter().total_tokens = database.capacity
    # Threads of their own for readiness probes (a probe never waits behind requests waiting for the pool) and
    # for live streams' reads of the log, which take a pooled connection outside the sessions' bound.
    state.probe_threads = anyio.CapacityLimiter(2)
    state.stream_threads = anyio.CapacityLimiter(2)


def commit_before_answer(session: Session) -> None:
    """End the request's transaction now, in the handler's thread, before the answer is read back and built.

    For use cases that may take the dispatch queue lock (a unit freed, moved or registered; a call closed,
    cancelled or re-triaged): the lock lasts until the transaction ends, and every intake that queues waits for
    it. Left to the dependency, it would also cover the answer's reads and the hop back to the event loop, which
    under load is where the wait goes. The answer then reads what was committed.
    """
    session.commit()


def _end(session: Session, *, commit: bool) -> None:
    try:
        if commit:
            session.commit()
        else:
            session.rollback()
    finally:
        session.close()


# scope="function": the commit runs when the handler returns, before the response is built, so a failed
# commit becomes an error response. With the default scope FastAPI would already have chosen the 201.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
