"""A serving worker freezes its startup heap, so a full garbage collection does not walk it during requests."""

from __future__ import annotations

import gc

from fastapi.testclient import TestClient

from cadtriage.api.app import create_app
from cadtriage.config import Settings
from cadtriage.db import Database
from tests.pg import PgServer


def test_a_worker_that_owns_its_database_freezes_what_it_loaded_at_start(pg: PgServer) -> None:
    before = gc.get_freeze_count()
    try:
        # No database passed in: the app opens its own, as a uvicorn worker does.
        app = create_app(Settings(database_url=pg.copy()), run_escalation=False)
        with TestClient(app) as client:
            assert client.get("/healthz").status_code == 200
            # The protocol, its readers and the libraries' structures: far more than a test's own objects.
            assert gc.get_freeze_count() - before > 50_000
    finally:
        gc.unfreeze()  # the rest of the test session's garbage stays collectable


def test_an_app_given_its_database_by_a_caller_leaves_the_heap_alone(pg: PgServer) -> None:
    database = Database(pg.copy(), pool_size=1)
    before = gc.get_freeze_count()
    app = create_app(Settings(database_url=database.url), database=database, run_escalation=False)
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
    assert gc.get_freeze_count() == before
    database.dispose()
