"""The FastAPI application: `create_app()` wires settings, database, protocol, routers and error handlers."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from cadtriage import __version__
from cadtriage.api.admission import AdmissionMiddleware
from cadtriage.api.console import install_console
from cadtriage.api.docs import install_docs
from cadtriage.api.health import router as health_router
from cadtriage.api.metrics import router as metrics_router
from cadtriage.api.problems import install_error_handlers
from cadtriage.api.request_body import JsonBodyMiddleware
from cadtriage.api.request_log import BodyLimitMiddleware, RequestLogMiddleware, configure_logging
from cadtriage.api.routers import (
    access,
    calls,
    consults,
    eido,
    events,
    exports,
    followups,
    stats,
    supervision,
    units,
)
from cadtriage.api.session import admit_sessions
from cadtriage.api.shutdown import before_shutdown_signals
from cadtriage.clock import Clock, SystemClock
from cadtriage.config import Settings, get_settings
from cadtriage.db import Database
from cadtriage.dispatch.escalation import run_periodically
from cadtriage.eido.conveyance import run_conveyance
from cadtriage.events.hub import EventHub
from cadtriage.events.stream import libpq_url
from cadtriage.protocol_files import load_protocol

DESCRIPTION = """
Triage for 911 calls: each call is sorted into **police**, **co_responder** (officer plus clinician) or
**civilian_crisis** (unarmed civilian team) by a versioned, explainable protocol, and the nearest available
unit of that type is sent, or the call waits in its queue. Errors are `application/problem+json` (RFC 9457).

Every `/v1` endpoint needs an API key (`Authorization: Bearer ctk_...`) of a role allowed to use it:
`dispatcher`, `supervisor`, `unit` (bound to one unit), `admin`, `researcher` or `clinician`. Supervisors and
dispatchers also have a live console at `/console`.
"""


def create_app(
    settings: Settings | None = None,
    database: Database | None = None,
    clock: Clock | None = None,
    run_escalation: bool = True,
) -> FastAPI:
    """Build the app. Tests pass their own `database` and `clock`; workers build them from settings."""
    settings = settings or get_settings()
    configure_logging(settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = database is None
        if database is None:
            if settings.database_url is None:
                raise RuntimeError("DATABASE_URL is not set: start the service with `cadtriage serve`")
            app.state.database = Database(settings.database_url, settings.db_pool_size)
        else:
            app.state.database = database
        admit_sessions(app.state, app.state.database)
        hub = EventHub(
            libpq_url(app.state.database.url),
            per_worker=settings.sse_max_streams_per_worker,
            per_key=settings.sse_max_streams_per_key,
            key_check_s=settings.sse_key_check_s,
        )
        app.state.event_hub = hub
        before_shutdown_signals(asyncio.get_running_loop(), hub.close)
        workers = (
            [
                asyncio.create_task(
                    run_periodically(app.state.database, app.state.clock, settings, app.state.protocol)
                ),
                asyncio.create_task(
                    run_conveyance(app.state.database, app.state.clock, settings, app.state.protocol)
                ),
            ]
            if run_escalation
            else []
        )
        if owned:
            # A serving worker's startup heap (the protocol's lexicon and readers, the ORM's and FastAPI's own
            # structures: some 200,000 objects) never becomes garbage. Frozen, it is out of the collector's
            # reach: a full collection walked it all, a pause of 50-100 ms that every request in flight paid.
            gc.freeze()
        try:
            yield
        finally:
            hub.close()
            await hub.wait_closed()
            for worker in workers:
                worker.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await worker
            await app.state.loop_database.dispose()
            if owned:
                app.state.database.dispose()

    app = FastAPI(
        title="cadtriage",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served by install_docs, from local assets
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.clock = clock or SystemClock()
    app.state.protocol = load_protocol(settings.protocol_path)
    install_error_handlers(app)
    install_docs(app)
    install_console(app, settings)
    # Innermost first. Admission counts a request only once its body has arrived (read whole by the JSON check),
    # so that a client holding its body back holds a connection, not one of the worker's slots.
    app.add_middleware(
        AdmissionMiddleware,
        limit=settings.max_in_flight,
        read_limit=max(1, settings.max_in_flight * 3 // 4),  # a quarter kept for changes: intakes first
    )
    app.add_middleware(JsonBodyMiddleware)  # reads a body the limit below has already bounded
    app.add_middleware(BodyLimitMiddleware)
    app.add_middleware(RequestLogMiddleware)
    app.include_router(health_router)
    app.include_router(metrics_router)
    for resource in (calls, consults, units, supervision, stats, followups, exports, events, eido, access):
        app.include_router(resource.router, prefix="/v1")
    return app
