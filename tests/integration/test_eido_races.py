"""Snapshots of one EIDO incident racing each other, on a real two-worker server (an adversarial client's finds).

Before: the first snapshot's call was written and committed before its incident was recorded, so a second
snapshot arriving meanwhile ran intake again: the same document made a second `eido.received` and answered 201
twice; a newer snapshot was refused 409 as a different record under the same external id and lost (the call
triaged on the older notes); a held snapshot racing a complete one left the incident held beside the call made
from it. Now the incident is claimed first and linked to its call in the call's own transaction, so snapshots of
one incident apply one at a time. Each test checks the outcome in the database.
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text

from tests.integration.servers import uvicorn_server
from tests.pg import PgServer, create_key_in

DOWNTOWN = {"lat": 47.6097, "lon": -122.3331}
SAMPLE = json.loads(
    (Path(__file__).parents[1] / "fixtures" / "eido" / "sample_call_transfer_eido.json").read_text()
)
ROUNDS = 8


def _snapshot(template: dict[str, Any], incident: str, minute: int, notes: str, point: bool = True) -> Any:
    document = copy.deepcopy(template)
    document["$id"] = f"urn:emergency:uid:incidentid:{incident}:psap.sender.example"
    document["issuingElementIdentification"] = "psap.sender.example"
    document["lastUpdateTimeStamp"] = f"2026-12-01T10:{minute:02d}:00.000+00:00"
    document["notesComponent"] = [
        {
            "$id": f"urn:sender:{incident}:note",
            "lastUpdateTimeStamp": document["lastUpdateTimeStamp"],
            "updatedByAgencyReference": {"$ref": "psap.sender.example"},
            "notesActionComments": notes,
        }
    ]
    if not point:  # a civic address only, as the standard's sample gives it: held for a dispatcher
        document["locationComponent"][0]["locationByValue"] = SAMPLE["locationComponent"][0][
            "locationByValue"
        ]
    return document


def _race(base: str, key: str, documents: list[Any]) -> list[int]:
    # Every request waits at one barrier, then all go at once: the two workers interleave them.
    barrier = threading.Barrier(len(documents))

    def send(document: Any) -> int:
        with httpx.Client(timeout=30) as client:
            barrier.wait()
            return client.post(
                f"{base}/v1/eido", json=document, headers={"Authorization": f"Bearer {key}"}
            ).status_code

    with ThreadPoolExecutor(len(documents)) as pool:
        return list(pool.map(send, documents))


def _with_server(pg: PgServer, check: Callable[[str, str, dict[str, Any], Any], None]) -> None:
    url = pg.copy()
    dispatcher, supervisor = (create_key_in(url, role, name=role) for role in ("dispatcher", "supervisor"))
    engine = create_engine(url)
    try:
        # Admission is not under test here: every racing request must be let in.
        with uvicorn_server(url, workers=2, CADTRIAGE_MAX_IN_FLIGHT="100") as base:
            units = [
                ("CRT-1", "civilian_crisis"),
                ("COR-1", "co_responder"),
                ("P-1", "police"),
                ("P-2", "police"),
            ]
            for sign, kind in units:
                answer = httpx.post(
                    f"{base}/v1/units",
                    json={"call_sign": sign, "unit_type": kind, "location": DOWNTOWN},
                    headers={"Authorization": f"Bearer {supervisor}"},
                )
                assert answer.status_code == 201, answer.text
            headers = {"Authorization": f"Bearer {dispatcher}"}
            taken = httpx.post(
                f"{base}/v1/calls",
                json={"external_id": "TEMPLATE", "call_type": "WELFARE CHECK", "location": DOWNTOWN},
                headers=headers,
            ).json()
            template = httpx.get(f"{base}/v1/calls/{taken['id']}/eido", headers=headers).json()
            check(base, dispatcher, template, engine)
    finally:
        engine.dispose()


def test_an_older_and_a_newer_snapshot_racing_end_with_the_newer_and_one_call(pg: PgServer) -> None:
    def check(base: str, key: str, template: dict[str, Any], engine: Any) -> None:
        for n in range(ROUNDS):
            older = _snapshot(template, f"race-{n}", 1, "man sitting quietly at the bus stop, calm")
            newer = _snapshot(template, f"race-{n}", 2, "now he is waving a gun at people")
            statuses = _race(base, key, [older, newer, older, newer])
            assert set(statuses) <= {200, 201, 409}, statuses
            assert statuses.count(201) == 1, statuses
            with engine.connect() as db:
                incident = db.execute(
                    text("SELECT call_id, last_update FROM eido_incidents WHERE incident_id LIKE :i"),
                    {"i": f"%:race-{n}:%"},
                ).one()
                assert incident.call_id is not None
                assert incident.last_update.minute == 2  # the newer snapshot is the one kept
                call = db.execute(
                    text("SELECT narrative, requested_type FROM calls WHERE id = :c"), {"c": incident.call_id}
                ).one()
                assert "gun" in call.narrative
                assert call.requested_type != "civilian_crisis"
                received = db.scalar(
                    text("SELECT count(*) FROM events WHERE kind = 'eido.received' AND call_id = :c"),
                    {"c": incident.call_id},
                )
                assert received == 1

    _with_server(pg, check)


def test_a_held_and_a_complete_snapshot_racing_leave_one_dispatched_call_and_nothing_held(
    pg: PgServer,
) -> None:
    def check(base: str, key: str, template: dict[str, Any], engine: Any) -> None:
        for n in range(ROUNDS):
            held = _snapshot(template, f"held-{n}", 1, "confused man, not aggressive", point=False)
            complete = _snapshot(template, f"held-{n}", 2, "confused man, not aggressive")
            statuses = _race(base, key, [held, complete, held, complete])
            assert set(statuses) <= {200, 201, 202, 409}, statuses
            with engine.connect() as db:
                (call_id,) = db.execute(
                    text("SELECT call_id FROM eido_incidents WHERE incident_id LIKE :i"),
                    {"i": f"%:held-{n}:%"},
                ).one()
                assert call_id is not None  # linked: not left in the held list beside its call
                calls = db.scalar(
                    text(
                        "SELECT count(*) FROM calls WHERE external_id = (SELECT external_id FROM calls WHERE id = :c)"
                    ),
                    {"c": call_id},
                )
                assert calls == 1

    _with_server(pg, check)
