"""The live stream: a subscriber on one server hears changes made through another, in order, and resumes."""

from __future__ import annotations

import time

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.integration.servers import uvicorn_server
from tests.integration.sse import Subscriber
from tests.pg import PgServer, create_key_in

pytestmark = pytest.mark.slow


def _changes(base: str, supervisor: str, dispatcher: str, tag: str) -> None:
    with httpx.Client(base_url=base, timeout=10) as client:
        client.post(
            "/v1/units",
            json={
                "call_sign": f"CRT-{tag}",
                "unit_type": "civilian_crisis",
                "location": {"lat": 47.61, "lon": -122.33},
            },
            headers={"Authorization": f"Bearer {supervisor}"},
        )
        for n in range(3):
            client.post(
                "/v1/calls",
                json={
                    "external_id": f"CAD-{tag}-{n}",
                    "call_type": "WELFARE CHECK",
                    "screening": {"weapons": False, "violence": False},
                    "location": {"lat": 47.6097, "lon": -122.3331},
                },
                headers={"Authorization": f"Bearer {dispatcher}"},
            )


def test_a_subscriber_hears_another_servers_changes_in_order_and_resumes(pg: PgServer) -> None:
    url = pg.copy()
    dispatcher, supervisor = create_key_in(url, "dispatcher"), create_key_in(url, "supervisor")
    settings = {"CADTRIAGE_SSE_HEARTBEAT_S": "0.3"}
    engine = create_engine(url)
    with (
        uvicorn_server(url, workers=1, **settings) as server_a,
        uvicorn_server(url, workers=1, **settings) as b,
    ):
        everything = Subscriber(f"{server_a}/v1/events", supervisor)
        units_only = Subscriber(f"{server_a}/v1/events?kind=unit", supervisor)
        for subscriber in (everything, units_only):
            subscriber.start()
            assert subscriber.connected.wait(10)
        deadline = time.monotonic() + 5
        while everything.resume_from is None and time.monotonic() < deadline:
            time.sleep(0.02)
        with engine.connect() as conn:  # a new stream names the last event, so a first reconnection resumes
            assert everything.resume_from == conn.execute(text("SELECT max(id) FROM events")).scalar_one()
        _changes(b, supervisor, dispatcher, "1")
        with engine.connect() as conn:
            # The test's keys were made before anyone subscribed: their key.created events are not live news.
            logged = [
                row[0]
                for row in conn.execute(text("SELECT id FROM events WHERE kind NOT LIKE 'key.%' ORDER BY id"))
            ]
        received = everything.wait_for(len(logged))
        assert everything.status == 200
        assert [e["id"] for e in received] == logged  # all of them, in commit order, with their log ids
        assert received[0]["kind"] == "unit.registered"
        assert {e["kind"].split(".")[0] for e in units_only.wait_for(4)} == {"unit"}
        time.sleep(0.8)
        assert everything.heartbeats >= 1

        # Disconnect after the fourth event; changes happen meanwhile; reconnect with Last-Event-ID.
        last_seen = received[3]["id"]
        everything.stop.set()
        _changes(b, supervisor, dispatcher, "2")
        resumed = Subscriber(f"{server_a}/v1/events", supervisor, headers={"Last-Event-ID": str(last_seen)})
        resumed.start()
        _changes(b, supervisor, dispatcher, "3")
        with engine.connect() as conn:
            after = [
                row[0]
                for row in conn.execute(
                    text("SELECT id FROM events WHERE id > :i ORDER BY id"), {"i": last_seen}
                )
            ]
        assert [e["id"] for e in resumed.wait_for(len(after))] == after  # no gap, no repeat
        unit_key = create_key_in(url, "admin", name="admin-1")
        refused = httpx.get(
            f"{server_a}/v1/events", headers={"Authorization": f"Bearer {unit_key}"}, timeout=5
        )
        assert refused.status_code == 403
        for subscriber in (everything, units_only, resumed):
            subscriber.stop.set()
        for subscriber in (everything, units_only, resumed):
            subscriber.join(5)  # each leaves at its next heartbeat and closes its connection
        for subscriber in (everything, units_only, resumed):
            assert not subscriber.is_alive()
    engine.dispose()


def test_a_resumed_stream_gets_an_event_that_committed_after_the_one_its_client_saw(pg: PgServer) -> None:
    # Ids are taken at insert: a transaction holding a lower id can commit after a higher one was sent. Replayed
    # by id alone, a client resuming after the higher id never got it.
    url = pg.copy()
    supervisor = create_key_in(url, "supervisor")
    engine = create_engine(url)
    with uvicorn_server(url, workers=1, CADTRIAGE_SSE_HEARTBEAT_S="0.3") as base, engine.connect() as slow:
        late_id = slow.execute(
            text(
                "INSERT INTO events (occurred_at, actor, kind, key_id, data) "
                "SELECT now(), 'slow', 'key.created', id, '{}' FROM api_keys LIMIT 1 RETURNING id"
            )
        ).scalar_one()  # not committed yet
        registered = httpx.post(
            f"{base}/v1/units",
            json={
                "call_sign": "CRT-9",
                "unit_type": "civilian_crisis",
                "location": {"lat": 47.61, "lon": -122.33},
            },
            headers={"Authorization": f"Bearer {supervisor}"},
            timeout=10,
        )
        assert registered.status_code == 201
        with engine.connect() as conn:
            seen = conn.execute(text("SELECT max(id) FROM events")).scalar_one()  # the client had this one
        assert seen > late_id
        slow.commit()  # ...and only now does the lower id commit
        resumed = Subscriber(f"{base}/v1/events", supervisor, headers={"Last-Event-ID": str(seen)})
        resumed.start()
        [replayed] = resumed.wait_for(1)
        assert (replayed["id"], replayed["kind"], replayed["actor"]) == (late_id, "key.created", "slow")
        resumed.stop.set()
    engine.dispose()
