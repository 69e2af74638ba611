"""EIDO conveyance: subscribers receive each covered call's EIDO on every change, signed, retried with backoff
until a 2xx, logged — sent by the service's own worker, to a receiver on 127.0.0.1."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from cadtriage.api.app import create_app
from cadtriage.config import Settings
from cadtriage.db import Database
from cadtriage.eido.conveyance import convey_once
from cadtriage.protocol_files import load_protocol
from tests.conftest import FakeClock
from tests.integration.receiver import receiver
from tests.integration.servers import uvicorn_server
from tests.pg import PgServer, create_key_in

SECRET = "a-long-random-shared-secret"
DOWNTOWN = {"lat": 47.6097, "lon": -122.3331}


@dataclass
class Centre:
    client: TestClient
    keys: dict[str, dict[str, str]]
    database: Database
    clock: FakeClock
    settings: Settings

    def convey(self, seconds_later: float = 2.0) -> tuple[int, int]:
        """One pass of the worker, `seconds_later` (events are read once a second old)."""
        self.clock.advance(seconds_later)
        return convey_once(self.database, self.clock, self.settings, load_protocol(None))

    def post(self, role: str, path: str, body: dict[str, Any]) -> Any:
        response = self.client.post(path, json=body, headers=self.keys[role])
        assert response.status_code in (200, 201), response.text
        return response.json()


@pytest.fixture
def centre(pg: PgServer) -> Iterator[Centre]:
    url = pg.copy()
    settings = Settings(database_url=url, eido_delivery_attempts=4)
    database, clock = Database(url, pool_size=4), FakeClock()
    app = create_app(settings, database=database, clock=clock, run_escalation=False)
    keys = {
        role: {"Authorization": f"Bearer {create_key_in(url, role, name=role)}"}
        for role in ("dispatcher", "supervisor", "admin")
    }
    with TestClient(app, raise_server_exceptions=False) as client:
        centre = Centre(client, keys, database, clock, settings)
        unit = {"call_sign": "CRT-1", "unit_type": "civilian_crisis", "location": DOWNTOWN}
        centre.post("supervisor", "/v1/units", unit)
        yield centre
    database.dispose()


def signed_by(secret: str, headers: dict[str, str], body: bytes) -> bool:
    expected = hmac.new(
        secret.encode(), headers["x-cadtriage-timestamp"].encode() + b"." + body, hashlib.sha256
    )
    return hmac.compare_digest(headers["x-cadtriage-signature"], f"sha256={expected.hexdigest()}")


def a_call(
    centre: Centre, ext: str, call_type: str = "WELFARE CHECK", narrative: str = "confused, not aggressive"
) -> Any:
    record = {"external_id": ext, "call_type": call_type, "narrative": narrative, "location": DOWNTOWN}
    return centre.post("dispatcher", "/v1/calls", record)


def test_a_change_is_delivered_signed_and_retried_with_backoff_until_accepted(centre: Centre) -> None:
    with receiver() as (url, got):
        got.answers = [500, 503]
        subscription = centre.post("admin", "/v1/eido/subscriptions", {"url": url, "secret": SECRET})
        assert "secret" not in subscription
        taken = a_call(centre, "CAD-1")
        assert centre.convey() == (1, 0)  # queued; the receiver answered 500
        assert centre.convey(seconds_later=1) == (0, 0)  # not due before 2 s
        assert centre.convey(seconds_later=1.5) == (0, 0)  # second attempt: 503; next in 4 s
        assert centre.convey(seconds_later=4) == (0, 1)
        assert len(got.received) == 3
        headers, body = got.received[-1]
        assert signed_by(SECRET, headers, body)
        assert not signed_by("another-secret-entirely", headers, body)
        document = json.loads(body)
        assert document["$id"].endswith(f"cad{taken['id']}:cadtriage.local")
        assert document["incidentComponent"]["incidentStatusInternalText"] == ["assigned"]
        [logged] = centre.client.get("/v1/eido/deliveries", headers=centre.keys["admin"]).json()
        assert (logged["state"], logged["attempts"], logged["last_status"]) == ("delivered", 3, 200)


def test_changes_before_a_pass_fold_into_one_delivery_of_the_current_state(centre: Centre) -> None:
    with receiver() as (url, got):
        centre.post("admin", "/v1/eido/subscriptions", {"url": url, "secret": SECRET})
        taken = a_call(centre, "CAD-1")
        centre.post("dispatcher", f"/v1/calls/{taken['id']}/status", {"status": "on_scene"})
        assert centre.convey() == (1, 1)
        [(_, body)] = got.received
        assert json.loads(body)["incidentComponent"]["incidentStatusInternalText"] == ["on_scene"]
        assert centre.convey() == (0, 0)  # nothing new: nothing sent


def test_a_subscription_covers_only_its_response_types_and_gives_up_after_its_attempts(
    centre: Centre,
) -> None:
    with receiver() as (url, got):
        got.answers = [500] * 10
        body = {"url": url, "secret": SECRET, "response_types": ["police"]}
        police_only = centre.post("admin", "/v1/eido/subscriptions", body)
        a_call(centre, "CAD-1")  # a civilian call: not covered
        armed = a_call(centre, "CAD-2", "ASSAULT", "two men fighting, one has a knife")
        assert armed["requested_type"] == "police"
        centre.convey()
        for wait in (2, 4, 8):
            centre.convey(seconds_later=wait)
        sent = {json.loads(b)["incidentComponent"]["internalIncidentId"] for _, b in got.received}
        assert sent == {"CAD-2"}
        [logged] = centre.client.get(
            "/v1/eido/deliveries", params={"subscription_id": police_only["id"]}, headers=centre.keys["admin"]
        ).json()
        assert (logged["call_id"], logged["state"], logged["attempts"]) == (armed["id"], "failed", 4)
        assert logged["last_error"] == "HTTP 500"
        ended = centre.client.delete(
            f"/v1/eido/subscriptions/{police_only['id']}", headers=centre.keys["admin"]
        )
        assert ended.json()["active"] is False


def test_a_change_whose_transaction_commits_late_is_still_delivered(centre: Centre) -> None:
    """Event ids are taken at insert: a transaction holding a lower id can commit after a higher one was read. It
    used to be skipped for good once the worker's cursor had passed it (the worker only waited a second)."""
    with receiver() as (url, got):
        centre.post("admin", "/v1/eido/subscriptions", {"url": url, "secret": SECRET})
        first, second = a_call(centre, "CAD-1"), a_call(centre, "CAD-2")
        assert centre.convey() == (2, 2)
        with centre.database.engine.connect() as slow:  # a change to CAD-1, still writing
            slow.execute(
                text(
                    "INSERT INTO events (occurred_at, actor, kind, call_id, reason)"
                    " VALUES (:at, 'slow-writer', 'call.screening', :call, 'late answers')"
                ),
                {"at": centre.clock.now(), "call": first["id"]},
            )
            centre.post("dispatcher", f"/v1/calls/{second['id']}/cancel", {"reason": "caller called back"})
            centre.convey(seconds_later=5)  # CAD-2's change is later than CAD-1's, and committed
            slow.commit()
        centre.convey()
        sent = [json.loads(b)["incidentComponent"]["internalIncidentId"] for _, b in got.received]
        assert sorted(sent) == ["CAD-1", "CAD-1", "CAD-2", "CAD-2"]  # each call: taken, then changed


def test_the_services_own_workers_deliver_each_call_once_per_change(pg: PgServer) -> None:
    url = pg.copy()
    admin, dispatcher, supervisor = (
        create_key_in(url, role, name=role) for role in ("admin", "dispatcher", "supervisor")
    )
    with (
        receiver() as (target, got),
        uvicorn_server(url, workers=2, CADTRIAGE_EIDO_DELIVERY_INTERVAL_S="0.2") as base,
    ):

        def post(key: str, path: str, body: dict[str, Any]) -> Any:
            answer = httpx.post(
                f"{base}{path}", json=body, headers={"Authorization": f"Bearer {key}"}, timeout=10
            )
            assert answer.status_code in (200, 201), answer.text
            return answer.json()

        post(admin, "/v1/eido/subscriptions", {"url": target, "secret": SECRET})
        post(
            supervisor,
            "/v1/units",
            {"call_sign": "CRT-1", "unit_type": "civilian_crisis", "location": DOWNTOWN},
        )
        taken = [
            post(
                dispatcher,
                "/v1/calls",
                {"external_id": f"CAD-{n}", "call_type": "WELFARE CHECK", "location": DOWNTOWN},
            )
            for n in range(4)
        ]
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            with got.lock:
                ids = {
                    json.loads(body)["incidentComponent"]["internalIncidentId"] for _, body in got.received
                }
            if ids >= {t["external_id"] for t in taken}:
                break
            time.sleep(0.1)
        assert ids >= {t["external_id"] for t in taken}
        assert all(signed_by(SECRET, headers, body) for headers, body in got.received)
        deliveries = [headers["x-cadtriage-delivery"] for headers, _ in got.received]
        assert len(deliveries) == len(set(deliveries))  # no delivery sent twice by the two workers


def _imported_call(centre: Centre, incident: str) -> int:
    """A call taken as an EIDO from another centre (this centre's export of a call, under another incident id)."""
    document = centre.client.get(
        f"/v1/calls/{a_call(centre, 'TEMPLATE-' + incident)['id']}/eido", headers=centre.keys["dispatcher"]
    ).json()
    document["$id"] = f"urn:emergency:uid:incidentid:{incident}:psap.sender.example"
    return int(centre.post("dispatcher", "/v1/eido", document)["id"])


def test_a_delivery_whose_eido_cannot_be_built_fails_alone_and_the_others_go_on(centre: Centre) -> None:
    """One imported incident whose stored time could not be read back (year 10000 UTC, accepted before times were
    checked) failed every pass at its delivery: no subscriber received anything, ever (an adversarial find)."""
    with receiver() as (url, got):
        centre.post("admin", "/v1/eido/subscriptions", {"url": url, "secret": SECRET})
        poisoned = _imported_call(centre, "poison-1")
        centre.convey()
        got.received.clear()
        with centre.database.engine.begin() as db:  # as a database before migration 0021 could hold it
            db.execute(
                text("ALTER TABLE eido_incidents DROP CONSTRAINT ck_eido_incidents_last_update_in_range")
            )
            db.execute(
                text("UPDATE eido_incidents SET last_update = 'infinity' WHERE call_id = :c"), {"c": poisoned}
            )
        centre.post("dispatcher", f"/v1/calls/{poisoned}/cancel", {"reason": "caller called back"})
        healthy = a_call(centre, "CAD-HEALTHY")
        centre.convey()
        sent = [json.loads(b)["incidentComponent"]["internalIncidentId"] for _, b in got.received]
        assert sent == ["CAD-HEALTHY"]
        failed = [
            d
            for d in centre.client.get("/v1/eido/deliveries", headers=centre.keys["admin"]).json()
            if d["call_id"] == poisoned and d["state"] == "pending"
        ]
        assert [(d["attempts"], d["last_error"]) for d in failed] == [
            (1, "the EIDO could not be built: DataError")
        ]
        assert healthy["id"] != poisoned


def test_a_receiver_that_trickles_its_answer_is_cut_off_and_holds_no_transaction(centre: Centre) -> None:
    """A header line every 0.4 s stays under a per-read timeout forever; the send ran inside the delivery's
    transaction, which held back the event window every subscriber is read from (an adversarial find)."""
    settings = centre.settings.model_copy(update={"eido_delivery_timeout_s": 1.0})
    with receiver() as (url, got):
        got.trickle = (0.4, 25)  # 10 s of headers
        centre.post("admin", "/v1/eido/subscriptions", {"url": url, "secret": SECRET})
        a_call(centre, "CAD-1")
        centre.clock.advance(2)
        started = time.monotonic()
        worker = threading.Thread(
            target=convey_once, args=(centre.database, centre.clock, settings, load_protocol(None))
        )
        worker.start()
        assert got.arrived.wait(10)
        with centre.database.engine.connect() as db:
            open_transactions = db.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND state LIKE 'idle in transaction%' AND pid <> pg_backend_pid()"
                )
            )
        worker.join(30)
        took = time.monotonic() - started
    assert open_transactions == 0
    assert took < 5
    [logged] = centre.client.get("/v1/eido/deliveries", headers=centre.keys["admin"]).json()
    assert (logged["state"], logged["attempts"], logged["last_error"]) == (
        "pending",
        1,
        "no whole answer within 1 s",
    )
