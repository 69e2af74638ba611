"""`cadtriage keys`: the first-key bootstrap, listing and revoking, from the command line."""

from __future__ import annotations

import os
import subprocess
import sys

from fastapi.testclient import TestClient

from cadtriage.api.app import create_app
from cadtriage.config import Settings
from cadtriage.db import Database
from tests.pg import PgServer


def _cli(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CADTRIAGE_")}
    env["DATABASE_URL"] = url
    return subprocess.run(
        [sys.executable, "-m", "cadtriage.cli", "keys", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_bootstrap_an_admin_then_list_and_revoke(pg: PgServer) -> None:
    url = pg.copy()
    created = _cli(url, "create", "--role", "admin", "--name", "first-admin")
    assert created.returncode == 0, created.stderr
    key = created.stdout.split(": ")[1].strip()
    assert key.startswith("ctk_")
    assert "cannot be shown again" in created.stderr

    database = Database(url, pool_size=1)
    app = create_app(Settings(database_url=url), database=database, run_escalation=False)
    with TestClient(app) as client:
        auth = {"Authorization": f"Bearer {key}"}
        assert client.get("/v1/keys", headers=auth).status_code == 200
        listed = _cli(url, "list").stdout
        assert "first-admin" in listed
        assert key not in listed
        assert _cli(url, "revoke", "first-admin").returncode == 0
        assert client.get("/v1/keys", headers=auth).status_code == 401
    database.dispose()
    assert "revoked" in _cli(url, "list").stdout


def test_a_unit_key_needs_a_real_unit(pg: PgServer) -> None:
    url = pg.copy()
    refused = _cli(url, "create", "--role", "unit", "--name", "mdt-9", "--unit", "CRT-404")
    assert refused.returncode == 1
    assert "no unit with call sign CRT-404" in refused.stderr
    duplicate = [_cli(url, "create", "--role", "dispatcher", "--name", "c1") for _ in range(2)][1]
    assert duplicate.returncode == 1
    assert "exists already" in duplicate.stderr


def test_concurrent_creations_of_one_key_name_give_one_key_and_conflicts(pg: PgServer) -> None:
    import threading
    from datetime import UTC, datetime

    from sqlalchemy.orm import Session

    from cadtriage.access.models import Role
    from cadtriage.access.service import create
    from cadtriage.db import Database
    from cadtriage.errors import Conflict

    database = Database(pg.copy(), pool_size=10)
    start = threading.Barrier(10)
    outcomes: list[str] = []

    def create_one() -> None:
        with Session(database.engine) as session:
            start.wait(10)
            try:
                create(
                    session,
                    name="console-9",
                    role=Role.dispatcher,
                    unit_call_sign=None,
                    at=datetime.now(UTC),
                    actor="test",
                )
                session.commit()
                outcomes.append("created")
            except Conflict:
                session.rollback()
                outcomes.append("conflict")
            except Exception as exc:
                outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=create_one) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    database.dispose()
    assert sorted(outcomes) == ["conflict"] * 9 + ["created"]


def test_keys_list_names_a_unit_key_s_unit_by_its_call_sign(pg: PgServer) -> None:
    url = pg.copy()
    database = Database(url, pool_size=1)
    app = create_app(Settings(database_url=url), database=database, run_escalation=False)
    key = _cli(url, "create", "--role", "supervisor", "--name", "sup").stdout.split(": ")[1].strip()
    with TestClient(app) as client:
        registered = client.post(
            "/v1/units",
            json={
                "call_sign": "CRT-12",
                "unit_type": "civilian_crisis",
                "location": {"lat": 47.61, "lon": -122.33},
            },
            headers={"Authorization": f"Bearer {key}"},
        )
        assert registered.status_code == 201, registered.text
    database.dispose()
    assert _cli(url, "create", "--role", "unit", "--name", "crt-12-mdt", "--unit", "crt 12").returncode == 0
    line = next(row for row in _cli(url, "list").stdout.splitlines() if row.startswith("crt-12-mdt"))
    assert line.split()[-2:] == ["unit", "CRT-12"]
