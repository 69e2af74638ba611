"""The request's session: it owns the transaction.

It commits when the handler returns and rolls back when it raises. Use cases and repositories never commit, with
one exception: intake commits a call it must queue before matching it again under the queue lock, and commits
that match too (see `dispatch.intake`). Routers whose use case may take the queue lock end the transaction before
building their answer (`commit_before_answer`); the dependency commits the rest.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

import anyio
import anyio.to_thread
from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from cadtriage.db import Database


async def get_session(request: Request) -> AsyncIterator[Session]:
    """FastAPI dependency: a session whose transaction commits on success and rolls back on error.

    Declared with scope="function" (SessionDep), so a response is sent only after the commit succeeded. Opening
    a session does no I/O (it connects at its first statement, in the handler's thread), so this runs on the event
    loop and only the ending costs a worker-thread round trip; that ending is shielded from cancellation, so a
    client that hangs up cannot leave a connection checked out.

    Requests past the pool's capacity wait here, on the event loop, for a session to end (`admission`). Without
    that, a request that had its connection could wait for a worker thread that was itself waiting for a
    connection: under enough concurrent requests every thread waited on the pool and the process stalled.
    """
    state = request.app.state
    database: Database = state.database
    async with state.admission:
        session = database.sessions()
        handled = False
        try:
            yield session
            handled = True
        finally:  # commit when the handler returned, roll back when it raised; a failed commit raises here
            with anyio.CancelScope(shield=True):
                await run_in_threadpool(_end, session, commit=handled)


def admit_sessions(state: Any, database: Database) -> None:
    """Bound this process's concurrent sessions by its pool, and give each of them a worker thread."""
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
