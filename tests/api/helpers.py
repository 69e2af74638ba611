"""Small request helpers for the API tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, event, text

from cadtriage.protocol_files import shipped_protocol_text

DOWNTOWN = (47.6097, -122.3331)  # 3rd Ave & Pike St, Seattle
SAFE = {"weapons": False, "violence": False}


def as_role(client: TestClient, role: str) -> dict[str, str]:
    """Headers that make a request as another role."""
    return {"Authorization": f"Bearer {client.keys[role]}"}  # type: ignore[attr-defined]


def unit(client: TestClient, sign: str, kind: str, lat: float, lon: float, **extra: Any) -> dict[str, Any]:
    """Register a unit, as a supervisor does."""
    response = client.post(
        "/v1/units",
        json={"call_sign": sign, "unit_type": kind, "location": {"lat": lat, "lon": lon}, **extra},
        headers=as_role(client, "supervisor"),
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def call(
    client: TestClient,
    ext: str,
    *,
    call_type: str = "WELFARE CHECK",
    screening: dict[str, Any] | None = None,
    at: tuple[float, float] = DOWNTOWN,
    narrative: str | None = None,
    expect: int = 201,
    **extra: Any,
) -> dict[str, Any]:
    """Take a call, as a dispatcher does."""
    record: dict[str, Any] = {
        "external_id": ext,
        "call_type": call_type,
        "screening": SAFE if screening is None else screening,
        "location": {"lat": at[0], "lon": at[1]},
        **extra,
    }
    if narrative is not None:
        record["narrative"] = narrative
    response = client.post("/v1/calls", json=record)
    assert response.status_code == expect, response.text
    body: dict[str, Any] = response.json()
    return body


def status(client: TestClient, call_id: int, value: str, **extra: Any) -> Any:
    return client.post(f"/v1/calls/{call_id}/status", json={"status": value, **extra})


def desk_protocol_file(directory: Path, mode: str = "transfer", max_wait_s: int = 60) -> Path:
    """The shipped protocol with its crisis desk set to `mode`, written to a file a service can load."""
    data = yaml.safe_load(shipped_protocol_text())
    data["consult"].update(mode=mode, max_wait_s=max_wait_s)
    data["version"] = f"{data['version']}-desk-{mode}"
    path = directory / f"protocol-desk-{mode}-{max_wait_s}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def rows_in(client: TestClient, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    """The rows a query returns from the database behind a test client's service."""
    engine = create_engine(client.app.state.settings.database_url)  # type: ignore[attr-defined]
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql), params)]
    finally:
        engine.dispose()


CALLER = {"name": "Jane Roe", "phone": "206-555-0100"}


def exported(client: TestClient, **record: Any) -> dict[str, Any]:
    """A civilian call taken downtown (with a team there to send), as this centre exports it: an EIDO."""
    unit(client, "CRT-1", "civilian_crisis", *DOWNTOWN)
    taken = call(
        client,
        "CAD-2026-000777",
        narrative="elderly man sitting at the bus stop for hours, confused, not aggressive",
        caller=CALLER,
        location={"lat": DOWNTOWN[0], "lon": DOWNTOWN[1], "address": "3RD AV / PIKE ST"},
        **record,
    )
    document: dict[str, Any] = client.get(f"/v1/calls/{taken['id']}/eido").json()
    return document


@contextmanager
def statements_sent(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements the test's database connection is sent meanwhile (authentication's among them)."""
    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", seen)
