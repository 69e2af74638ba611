"""Liveness, readiness and the problem+json error contract."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.pool import NullPool

from cadtriage.api.app import create_app
from cadtriage.config import Settings
from cadtriage.db import Database
from cadtriage.migrations import head_revision
from tests.pg import PgServer


def test_healthz_answers_without_touching_the_database(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_is_ready_on_a_migrated_database(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["schema"] == head_revision() == "0021"


def test_readyz_is_not_ready_before_migration(pg: PgServer) -> None:
    url = pg.url(pg.create(f"{pg.prefix}_unmigrated", template=None))
    database = Database(url, pool_size=1)
    app = create_app(Settings(database_url=url), database=database, run_escalation=False)
    with TestClient(app) as client:
        response = client.get("/readyz")
    database.dispose()
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert "run cadtriage migrate" in response.json()["detail"]


def test_readyz_is_not_ready_when_the_database_is_unreachable() -> None:
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1"
    database = Database(url, pool_size=1)
    app = create_app(Settings(database_url=url), database=database, run_escalation=False)
    with TestClient(app) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert "unreachable" in response.json()["detail"]


def test_openapi_documents_the_public_paths(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in (
        "/v1/triage",
        "/v1/calls",
        "/v1/calls/{call_id}",
        "/v1/calls/{call_id}/status",
        "/v1/calls/{call_id}/cancel",
        "/v1/calls/{call_id}/override",
        "/v1/calls/{call_id}/timeline",
        "/v1/units",
        "/v1/units/{unit_id}",
        "/v1/units/{unit_id}/status",
        "/v1/units/{unit_id}/location",
    ):
        assert path in paths


def test_an_unknown_path_is_a_problem(client: TestClient) -> None:
    response = client.get("/v1/nowhere")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 404


def test_the_root_points_a_newcomer_to_the_documentation(client: TestClient) -> None:
    body = client.get("/").json()
    assert body["docs"] == "/docs"
    assert client.get(body["openapi"]).status_code == 200
    assert client.get(body["console"]).status_code == 200


def test_readyz_is_not_ready_when_the_database_refuses_new_connections(pg: PgServer) -> None:
    # A full or restarting server still answers on the connections a pool holds; intakes needing one more fail.
    # Readiness must say so, not report the pooled connection's health.
    url = pg.copy()
    name = make_url(url).database
    database = Database(url, pool_size=1)
    app = create_app(Settings(database_url=url), database=database, run_escalation=False)
    admin = create_engine(pg.url("postgres"), isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with TestClient(app) as client:
        assert client.get("/readyz").status_code == 200
        with database.engine.connect() as pooled:  # a connection the pool keeps through what follows
            pooled.execute(text("SELECT 1"))
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false'))
        try:
            refused = client.get("/readyz")
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true'))
        assert client.get("/readyz").status_code == 200
    database.dispose()
    admin.dispose()
    assert refused.status_code == 503
    assert "unreachable" in refused.json()["detail"]


def test_the_api_docs_load_nothing_from_outside_the_service(client: TestClient) -> None:
    # A 911 centre's network is often isolated: a page that needs a CDN is a blank page there.
    for page in ("/docs", "/redoc"):
        html = client.get(page)
        assert html.status_code == 200
        assert "cadtriage" in html.text
        references = re.findall(r'(?:src|href)=["\']([^"\']+)', html.text) + re.findall(
            r"url: *'([^']+)'", html.text
        )
        assert references, page
        for reference in references:
            assert not reference.startswith(("http:", "https:", "//")), (page, reference)
            asset = client.get(reference)
            assert asset.status_code == 200, (page, reference)
            assert len(asset.content) > 1000 or reference.endswith(".json"), (page, reference)
