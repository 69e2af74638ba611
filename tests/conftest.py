"""Fixtures: a real PostgreSQL built by the real migrations; each test in a transaction rolled back at its end."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session

from cadtriage.access.models import Role
from cadtriage.access.service import create as create_key
from cadtriage.api.app import create_app
from cadtriage.api.session import get_session
from cadtriage.config import Settings
from cadtriage.context import Context
from cadtriage.db import Database
from cadtriage.protocol_files import load_protocol
from cadtriage.triage.protocol import Protocol
from tests.pg import PgServer


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 11, 22, 10, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, seconds: float) -> None:
        self.current += timedelta(seconds=seconds)


@pytest.fixture(scope="session")
def pg() -> Iterator[PgServer]:
    server = PgServer()
    yield server
    server.close()


@pytest.fixture(scope="session")
def db_url(pg: PgServer) -> str:
    return pg.copy()


@pytest.fixture(scope="session")
def engine(db_url: str) -> Iterator[Engine]:
    engine = create_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def protocol() -> Protocol:
    return load_protocol()


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(database_url=db_url, unit_location_stale_s=900)


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session inside a transaction that is rolled back after the test; commits become savepoints."""
    connection = engine.connect()
    outer = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    yield session
    session.close()
    outer.rollback()
    connection.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def ctx(session: Session, clock: FakeClock, settings: Settings, protocol: Protocol) -> Context:
    return Context(session, clock, settings, protocol, "test")


@pytest.fixture
def app(session: Session, settings: Settings, clock: FakeClock, db_url: str) -> Iterator[FastAPI]:
    database = Database(db_url, pool_size=1)
    app = create_app(settings, database=database, clock=clock, run_escalation=False)

    def test_session() -> Iterator[Session]:
        # Same contract as the real dependency: commit on success (a savepoint here), roll back on error.
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise

    app.dependency_overrides[get_session] = test_session
    yield app
    database.dispose()


@pytest.fixture
def keys(session: Session, clock: FakeClock) -> dict[str, str]:
    """One API key per role (the unit role needs a unit: see tests that bind one)."""
    keys = {
        role.value: create_key(
            session, name=f"test-{role.value}", role=role, unit_call_sign=None, at=clock.now(), actor="test"
        )
        for role in (Role.dispatcher, Role.supervisor, Role.admin, Role.researcher, Role.clinician)
    }
    session.commit()  # out of the savepoint: a request's rollback must not take the keys with it
    return keys


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def client(app: FastAPI, keys: dict[str, str]) -> Iterator[TestClient]:
    """A client speaking as a dispatcher; `client.keys` holds a key for every other role."""
    with TestClient(app, raise_server_exceptions=False, headers=bearer(keys["dispatcher"])) as client:
        client.keys = keys  # type: ignore[attr-defined]
        yield client
