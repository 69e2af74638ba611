"""A 201 is sent only after the call is committed: a transaction PostgreSQL refuses at COMMIT is an error."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import text

from cadtriage.app import create_app
from cadtriage.config import Settings
from cadtriage.db import Database
from tests.pg import PgServer, create_key_in

REFUSE_AT_COMMIT = """
CREATE FUNCTION refuse_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'refused at commit'; END $$;
CREATE CONSTRAINT TRIGGER refuse_calls AFTER INSERT ON calls DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION refuse_at_commit();
"""


def test_a_failed_commit_is_never_answered_201(pg: PgServer) -> None:
    url = pg.copy()
    key = create_key_in(url, "dispatcher")
    database = Database(url, pool_size=2)
    with database.engine.begin() as conn:
        conn.execute(text(REFUSE_AT_COMMIT))
    app = create_app(Settings(database_url=url), database=database, run_escalation=False)
    with TestClient(app, raise_server_exceptions=False, headers={"Authorization": f"Bearer {key}"}) as client:
        response = client.post(
            "/v1/calls",
            json={"external_id": "CAD-1", "call_type": "EDP", "location": {"lat": 47.6, "lon": -122.3}},
        )
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    with database.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM calls")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM events")).scalar() == 0
    database.dispose()
