"""Who was given access and who lost it is in the audit log (issue 'Hardening', item 3)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from cadtriage.access import service as access
from cadtriage.access.models import Role
from cadtriage.api.routers.events import VISIBLE
from cadtriage.db import Database
from cadtriage.events import stream
from cadtriage.events.hub import EventHub
from cadtriage.events.service import latest_event_id, replay_late, replay_page
from tests.api.helpers import as_role, unit
from tests.pg import PgServer

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def _key_events(session: Session) -> list[dict[str, Any]]:
    rows = session.execute(
        text(
            "SELECT kind, actor, key_id, unit_id, from_state, to_state, data FROM events"
            " WHERE kind LIKE 'key.%' ORDER BY id"
        )
    )
    return [dict(row._mapping) for row in rows]


def test_creating_and_revoking_a_key_are_audit_events_naming_who_did_it(
    client: TestClient, session: Session
) -> None:
    crt = unit(client, "CRT-1", "civilian_crisis", 47.6, -122.33)
    admin = as_role(client, "admin")
    before = len(_key_events(session))
    created = client.post(
        "/v1/keys", json={"name": "mdt-crt-1", "role": "unit", "unit": "CRT-1"}, headers=admin
    )
    assert created.status_code == 201
    client.post("/v1/keys/mdt-crt-1/revoke", headers=admin)
    client.post("/v1/keys/mdt-crt-1/revoke", headers=admin)  # already revoked: not a second event
    events = _key_events(session)[before:]
    key_id = session.scalar(text("SELECT id FROM api_keys WHERE name = 'mdt-crt-1'"))
    assert [(e["kind"], e["from_state"], e["to_state"]) for e in events] == [
        ("key.created", None, "active"),
        ("key.revoked", "active", "revoked"),
    ]
    assert {e["actor"] for e in events} == {"test-admin"}
    assert {e["key_id"] for e in events} == {key_id}
    assert {e["unit_id"] for e in events} == {crt["id"]}  # so the unit's own timeline shows it
    assert events[0]["data"] == {"name": "mdt-crt-1", "role": "unit"}


def test_a_key_made_at_the_command_line_is_recorded_as_the_operator(
    pg: PgServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from cadtriage.cli import main
    from cadtriage.config import get_settings

    db_url = pg.copy()  # its own database: these keys are committed

    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("USER", "dana")
    get_settings.cache_clear()
    try:
        assert main(["keys", "create", "--role", "supervisor", "--name", "night-sup"]) == 0
        assert main(["keys", "revoke", "night-sup"]) == 0
    finally:
        get_settings.cache_clear()
    capsys.readouterr()
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT kind, actor FROM events WHERE data ->> 'name' = 'night-sup' ORDER BY id")
            ).all()
    finally:
        engine.dispose()
    assert [tuple(row) for row in rows] == [("key.created", "cli:dana"), ("key.revoked", "cli:dana")]


def _replayed_kinds(db_url: str, visible: tuple[str, ...]) -> list[str]:
    database = Database(db_url, pool_size=1)

    async def read_after(after_id: int) -> list[dict[str, Any]]:
        return replay_page(database, after_id)

    async def read_latest() -> int:
        return latest_event_id(database)

    async def read_late(seen_id: int) -> list[dict[str, Any]]:
        return replay_late(database, seen_id)

    async def collect() -> list[str]:
        hub = EventHub(stream.libpq_url(db_url), per_worker=5, per_key=5)
        subscription = await hub.subscribe(1, stream.wanted_by([], visible))
        kinds = []
        try:
            async for message in stream.events(
                hub,
                subscription,
                after_id=0,
                read_after=read_after,
                read_latest=read_latest,
                read_late=read_late,
                heartbeat_s=0.2,
            ):
                if message.startswith(": heartbeat"):
                    return kinds
                kinds += [
                    line.removeprefix("event: ")
                    for line in message.splitlines()
                    if line.startswith("event: ")
                ]
            return kinds
        finally:
            hub.close()
            await hub.wait_closed()

    try:
        return asyncio.run(collect())
    finally:
        database.dispose()


def test_key_events_reach_only_the_streams_of_supervisors(pg: PgServer) -> None:
    db_url = pg.copy()
    engine = create_engine(db_url)
    try:
        with Session(engine) as session, session.begin():
            access.create(
                session, name="console-9", role=Role.dispatcher, unit_call_sign=None, at=NOW, actor="t"
            )
            session.execute(
                text(
                    "INSERT INTO units (call_sign, unit_type, status, lat, lon, location_updated_at)"
                    " VALUES ('P-1', 'police', 'available', 47.6, -122.3, now())"
                )
            )
            session.execute(
                text(
                    "INSERT INTO events (occurred_at, actor, kind, unit_id, to_state, data)"
                    " SELECT now(), 't', 'unit.registered', id, 'available', '{}' FROM units"
                )
            )
    finally:
        engine.dispose()
    assert _replayed_kinds(db_url, visible=VISIBLE[Role.supervisor]) == ["key.created", "unit.registered"]
    assert _replayed_kinds(db_url, visible=VISIBLE[Role.dispatcher]) == ["unit.registered"]
    assert _replayed_kinds(db_url, visible=VISIBLE[Role.clinician]) == []
