"""Liveness and readiness, without authentication, for load balancers and orchestrators."""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from cadtriage.api.problems import problem
from cadtriage.db import Database
from cadtriage.migrations import current_revision, head_revision

router = APIRouter(tags=["health"])


@router.get("/", summary="Where to start")
def root() -> dict[str, str]:
    """A pointer for someone who opened the service's address: what it is and where its documentation lives."""
    return {
        "service": "cadtriage",
        "docs": "/docs",
        "console": "/console",
        "openapi": "/openapi.json",
        "health": "/healthz",
        "ready": "/readyz",
    }


def _revision(database: Database) -> str | None:
    with database.probe.connect() as connection:
        return current_revision(connection)


@router.get("/healthz", summary="The process is up")
async def healthz() -> dict[str, str]:
    """Answers as long as the process serves HTTP; touches nothing else (on the event loop: no thread needed)."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="The database is reachable and at the migration head",
    responses={503: {"description": "Not ready", "content": {"application/problem+json": {}}}},
)
async def readyz(request: Request) -> Any:
    """Ready when the database takes a new connection and its schema is at the newest migration this code
    ships. The probe runs in a thread of its own, not one of the request threads, which overload can fill."""
    database: Database = request.app.state.database
    try:
        revision = await anyio.to_thread.run_sync(
            _revision, database, limiter=request.app.state.probe_threads
        )
    except SQLAlchemyError as exc:
        return problem(503, "not-ready", "Not ready", f"database unreachable: {type(exc).__name__}")
    if revision != head_revision():
        return problem(
            503,
            "not-ready",
            "Not ready",
            f"schema at {revision}, expected {head_revision()}: run cadtriage migrate",
        )
    return JSONResponse({"status": "ready", "schema": revision})
