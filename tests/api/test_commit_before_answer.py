"""A 201 is sent only after the call is committed: a transaction PostgreSQL refuses at COMMIT is an error."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from cadtriage.api.app import create_app
from cadtriage.config import Settings
from cadtriage.db import Database
from cadtriage.seed import seed_demo_if_empty
from tests.pg import PgServer, create_key_in

REFUSE_AT_COMMIT = """
CREATE FUNCTION refuse_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'refused at commit'; END $$;
CREATE CONSTRAINT TRIGGER refuse_calls AFTER INSERT ON calls DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION refuse_at_commit();
"""


# With no units the call queues, and intake commits it itself; with the demo roster a unit is sent and the
# request's session dependency commits. Either commit may be the one refused.
@pytest.mark.parametrize("roster", ["none", "demo"])
def test_a_failed_commit_is_never_answered_201(pg: PgServer, roster: str) -> None:
    url = pg.copy()
    if roster == "demo":
        seed_demo_if_empty(url)
    key = create_key_in(url, "dispatcher")
    database = Database(url, pool_size=1)
    with database.engine.begin() as conn:
        conn.execute(text(REFUSE_AT_COMMIT))
    app = create_app(Settings(database_url=url), database=database, run_escalation=False)
    with TestClient(app, raise_server_exceptions=False, headers={"Authorization": f"Bearer {key}"}) as client:
        # More refused intakes than the pool has connections: each must give its connection back.
        responses = [
            client.post(
                "/v1/calls",
                json={
                    "external_id": f"CAD-{n}",
                    "call_type": "EDP",
                    "location": {"lat": 47.6, "lon": -122.3},
                },
            )
            for n in range(5)
        ]
        after = client.get("/v1/calls")
    assert [r.status_code for r in responses] == [500] * 5
    assert {r.headers["content-type"] for r in responses} == {"application/problem+json"}
    assert after.status_code == 200
    with database.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM calls")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM events WHERE call_id IS NOT NULL")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM assignments")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM units WHERE status <> 'available'")).scalar() == 0
    database.dispose()
