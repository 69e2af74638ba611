"""Fixtures for the API tests that need more than the one service: another centre for EIDO hand-overs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from cadtriage.api.app import create_app
from cadtriage.config import Settings
from tests.api.helpers import DOWNTOWN
from tests.pg import PgServer, create_key_in


@pytest.fixture
def other_centre(pg: PgServer) -> Iterator[TestClient]:
    """A second centre: its own empty database, service and dispatcher key, and a civilian team downtown."""
    url = pg.copy()
    app = create_app(Settings(database_url=url, eido_agency="psap.neighbour.example"), run_escalation=False)
    headers = {"Authorization": f"Bearer {create_key_in(url, 'dispatcher')}"}
    with TestClient(app, raise_server_exceptions=False, headers=headers) as client:
        supervisor = {"Authorization": f"Bearer {create_key_in(url, 'supervisor', name='sup')}"}
        body = {
            "call_sign": "N-CRT-1",
            "unit_type": "civilian_crisis",
            "location": dict(zip(("lat", "lon"), DOWNTOWN, strict=True)),
        }
        assert client.post("/v1/units", json=body, headers=supervisor).status_code == 201
        yield client
